//! Tools, resources and prompts built by hand rather than by the macros, and the traits
//! that extend what a handler can take ([`FromContext`]) or return ([`IntoToolResult`],
//! ...). Add definitions with [`ServerBuilder::tool_def`](crate::ServerBuilder::tool_def)
//! and its siblings, or while serving with [`Server::add_tool`](crate::Server::add_tool).

pub use crate::server::{
    BoxFuture, CompleteFn, Completer, FromContext, IntoPromptResult, IntoResourceContents,
    IntoToolResult, ItemKind, NotFound, PromptDef, Rejection, Requirement, ResourceDef,
    ResourceInfo, ResourceRequest, TemplateError, ToolArguments, ToolDef, ToolFn, ToolOutcome,
    UriTemplate,
};
