//! RFC 6570 URI templates: which variables does a URI bind?
//!
//! The parser and matcher live in the workspace crate `mcp-uri-template`, which
//! `#[resource]` also uses to check its template at compile time, so the macro and the
//! server read every template by the same grammar. Its `tracing` feature logs a match
//! that gave up on its work budget.

pub use mcp_uri_template::{TemplateError, UriTemplate};
