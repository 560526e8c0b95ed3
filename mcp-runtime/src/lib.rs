//! Write MCP (Model Context Protocol) servers as plain Rust functions.
//!
//! ```no_run
//! use mcp_runtime::prelude::*;
//!
//! /// Add two integers.
//! #[tool(read_only)]
//! fn add(
//!     /// The left operand.
//!     a: i64,
//!     /// The right operand.
//!     b: i64,
//! ) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> mcp_runtime::Result<()> {
//!     mcp_runtime::run(Transport::from_args()).await
//! }
//! ```
//!
//! Where to look, by what you are doing:
//!
//! - writing tools, resources and prompts: [`prelude`] (the macros, [`Context`],
//!   [`State`], the result types) and [`run`] or [`Server::builder`];
//! - building definitions by hand, or extractors of your own: [`define`];
//! - serving on a transport of your own, or mounting the HTTP endpoint in an app:
//!   [`transport`] (the core's entry point, [`Server::handle`], is documented there);
//! - talking to a server: [`client`] ([`Client`]);
//! - the wire types, one per MCP message: [`protocol`].
//!
//! Inside, the layers are those of the tree: `protocol` is pure data, the server core
//! dispatches decoded messages and does no I/O, `transport` moves bytes, and `client`
//! talks to any server over the same transports.

#![warn(missing_docs)]

// Every Rust block of the repository's README compiles (and the plain ones run).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub mod auth;
pub mod client;
pub mod define;
mod error;
pub mod protocol;
mod server;
pub mod transport;

pub use client::{Client, ClientBuilder};
pub use error::{Error, Result};
pub use mcp_macros::{prompt, resource, tool};
pub use server::{
    Caller, ConfigError, Context, HeaderProblem, Limits, RequestStateKeys, Server, ServerBuilder,
    State, TaskSettings, TaskSupport,
};
pub use transport::Transport;

/// Serves every `#[tool]`, `#[resource]` and `#[prompt]` of the program on `transport`.
///
/// Logs go to stderr (`RUST_LOG` sets the level; default `info`), as for [`Server::run`].
/// For shared state or instructions, use [`Server::builder`] with
/// [`ServerBuilder::registered`].
pub async fn run(transport: Transport) -> Result<()> {
    Server::builder().registered().run(transport).await
}

/// Sends `tracing` output to stderr, never stdout (stdout carries the protocol on stdio).
/// Does nothing if a subscriber is already set, so a program that installs its own first
/// (an OpenTelemetry layer, JSON logs) keeps it. [`Server::run`] calls this.
///
/// Each request is a `mcp_request` span at debug level with the fields `method`, `id`
/// and `name` (the tool, prompt or resource), closed by a `request handled` event with
/// `outcome` and `elapsed_ms`; failures (JSON-RPC errors, tool errors, panics, invalid
/// messages) are logged at warn with the same fields. `RUST_LOG=mcp_runtime=debug` shows
/// every request.
///
/// `RUST_LOG` is a list of `level` and `target=level` directives (`warn`,
/// `mcp_runtime=debug,info`); a value that does not parse is reported on stderr and the
/// level stays `info`.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let default = || tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO);
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(text) if !text.trim().is_empty() => match text.parse() {
            Ok(filter) => (filter, None),
            Err(e) => (default(), Some((text, e))),
        },
        _ => (default(), None),
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init()
        .is_ok()
        && let Some((text, e)) = bad
    {
        tracing::warn!("RUST_LOG={text:?} is not understood ({e}); logging at info");
    }
}

/// Everything a server file needs: `use mcp_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::protocol::{
        CallToolResult, Content, ErrorObject, GetPromptResult, LoggingLevel, PromptMessage,
        ResourceContents, Role,
    };
    pub use crate::server::{Caller, ClientRequestError, Elicitation, NotFound};
    pub use crate::{Client, Context, Server, State, Transport, prompt, resource, tool};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::Context;
    pub use crate::protocol::Completion;
    pub use crate::protocol::{CacheHint, CacheScope};
    pub use crate::protocol::{CallToolResult, ErrorObject, GetPromptResult};
    pub use crate::protocol::{Prompt, PromptArgument, ResourceContents, Tool, ToolAnnotations};
    pub use crate::server::glue;
    pub use crate::server::{
        BoxFuture, CompleteFn, Completer, FromContext, PromptDef, Requirement, ResourceDef,
        ResourceInfo, ResourceRequest, TaskSupport, TemplateError, ToolDef, ToolOutcome,
    };
    pub use crate::server::{
        InputSchema, Package, PromptRegistration, ResourceRegistration, SchemaGen,
        ToolRegistration, key_of,
    };
    pub use inventory;
    pub use serde_json;
    pub use std::any::TypeId;
    pub use std::boxed::Box;
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};
    pub use std::string::String;
    pub use std::vec::Vec;
}
