//! Attribute macros for [mcp-runtime](https://docs.rs/mcp-runtime): `#[tool]`,
//! `#[resource]` and `#[prompt]` turn plain functions into MCP tools, resources and
//! prompts. Use them through `mcp_runtime::prelude::*`; this crate's code generates
//! calls into `mcp_runtime::__private` and cannot be used alone.
//!
//! The crate is a pipeline (`pipeline.rs`), one file per stage: `attr.rs` reads the
//! attribute's options, `ast.rs` reads the function, `valid/` checks them (URI templates
//! by the runtime's own grammar, the `mcp-uri-template` crate) and resolves what
//! generation needs, and `expand/` generates the code, which cannot fail. Every error is
//! collected (`ctxt.rs`) and the user's function is always emitted, so one mistake gives
//! one message.

mod ast;
mod attr;
mod ctxt;
mod doc;
mod expand;
mod pipeline;
mod valid;

use proc_macro::TokenStream;

/// Makes a function a tool the model can call.
///
/// Each parameter is an argument of the tool's `inputSchema` (its `///` doc is the
/// argument's description; `Option<T>` is optional), except extractors such as
/// `Context` and `State<T>`. The function's `///` doc is the tool's description.
///
/// Options: `name = "..."`, `title = "..."`, `description = "..."`, the hints
/// `read_only`, `destructive`, `idempotent`, `open_world` (each `= false` to say so
/// explicitly), `meta = <expression giving a JSON object>`, `input_schema = <expression>`
/// (replaces the generated schema), and `headers(arg = "Name", ...)`: MCP 2026-07-28
/// clients mirror argument `arg` (a string, integer or boolean) in the HTTP header
/// `Mcp-Param-Name` (`x-mcp-header`). `task` (or `task = "required"`): for a client of
/// MCP 2026-07-28 that declared the tasks extension, a call still working at its first
/// wait (or at `ctx.continue_as_task()`) answers with a task handle and goes on in the
/// background; other clients get the answer in the call (`"required"`: they are refused
/// with -32021).
///
/// Return `String`/`&str` (text), `Content`, `Vec<Content>`, `CallToolResult`, any
/// `T: Serialize + JsonSchema` (structured content with an `outputSchema`), or
/// `Result<T, E: Display>` of those (`Err` becomes an error result the model sees), or a
/// `ToolOutcome` (which may be a protocol error: `ToolOutcome::protocol_error`).
#[proc_macro_attribute]
pub fn tool(args: TokenStream, input: TokenStream) -> TokenStream {
    pipeline::tool(args.into(), input.into()).into()
}

/// Makes a function a resource: `#[resource("notes://{id}", mime_type = "text/markdown")]`.
///
/// The URI template (RFC 6570) comes first. Without variables it is a fixed resource
/// (`resources/list`); with variables, a template (`resources/templates/list`) whose
/// variables bind to the parameters of the same name, parsed with `FromStr`. Other
/// parameters must be extractors (`Context`, `State<T>`).
///
/// Options: `name`, `title`, `description`, `mime_type`, `meta`, `complete(var = f)`, and
/// the caching hints of MCP 2026-07-28 reads: `ttl_ms = 60000` (how long a read stays
/// fresh) with `cache_scope = "public"` or `"private"` (the default).
///
/// Return `String` (text), `Vec<u8>` (a base64 blob), `ResourceContents`,
/// `Vec<ResourceContents>`, or a `Result` of those: `Err(NotFound)` answers JSON-RPC
/// error -32002, any other error -32603 with its message.
#[proc_macro_attribute]
pub fn resource(args: TokenStream, input: TokenStream) -> TokenStream {
    pipeline::resource(args.into(), input.into()).into()
}

/// Makes a function a prompt. Parameters are the prompt's arguments (strings on the
/// wire, parsed with `FromStr`; `Option<T>` is optional), with their `///` docs as
/// descriptions; extractors are injected.
///
/// Options: `name`, `title`, `description`, `meta`.
///
/// Return `String` (one user message), `PromptMessage`, `Vec<PromptMessage>`,
/// `GetPromptResult`, or a `Result` of those.
#[proc_macro_attribute]
pub fn prompt(args: TokenStream, input: TokenStream) -> TokenStream {
    pipeline::prompt(args.into(), input.into()).into()
}
