//! What handlers may return, and how each return value becomes an MCP result.

use crate::protocol::{
    CallToolResult, Content, ErrorCode, ErrorObject, GetPromptResult, PromptMessage,
    ReadResourceResult, ResourceContents,
};
use serde::Serialize;
use std::fmt;

/// What a tool's function hands back to the server: a [`CallToolResult`], or structured
/// content still in the JSON it was serialized to once (what `#[tool]` functions that
/// return a `Serialize` type produce).
///
/// A tool built by hand with [`ToolDef::new`](crate::define::ToolDef::new) returns one:
///
/// ```
/// use mcp_runtime::define::ToolOutcome;
/// use mcp_runtime::protocol::{CallToolResult, Content};
/// let plain: ToolOutcome = CallToolResult::success(vec![Content::text("hi")]).into();
/// let structured = ToolOutcome::structured(&serde_json::json!({ "sum": 5 }));
/// # let _ = (plain, structured);
/// ```
#[derive(Debug)]
pub struct ToolOutcome(pub(crate) Outcome);

#[derive(Debug)]
pub(crate) enum Outcome {
    /// Sent as it is (its structured content wrapped as `{"result": ...}` when the tool's
    /// `outputSchema` had to be wrapped).
    Result(CallToolResult),
    /// `structuredContent` as serde_json wrote it (so it is one well-formed JSON value);
    /// the server adds the text copy and the wrapping.
    Structured(String),
    /// Not a result: the call fails with this JSON-RPC error.
    Protocol(ErrorObject),
}

impl ToolOutcome {
    /// A failed call whose text, visible to the model, says what went wrong
    /// (as [`CallToolResult::error`]).
    pub fn error(message: impl Into<String>) -> Self {
        CallToolResult::error(message).into()
    }

    /// Structured content: `value` is serialized once, here. The server sends it as
    /// `structuredContent` (wrapped as `{"result": ...}` when the tool's `outputSchema` is
    /// not an object) with its compact JSON as the text copy, as the spec advises. A value
    /// that cannot be serialized becomes a tool error that says why.
    pub fn structured<T: Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(json) => ToolOutcome(Outcome::Structured(json)),
            Err(e) => Self::error(format!("the tool's result could not be serialized: {e}")),
        }
    }

    /// Not a result but a protocol error: the call is answered with the JSON-RPC error
    /// `error` (a task, with status `failed`). For a failure the model should see and
    /// may work around (bad input, a service down), return a tool error instead
    /// ([`ToolOutcome::error`], or `Err` from a tool that returns `Result`).
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::define::ToolOutcome;
    /// use mcp_runtime::protocol::ErrorObject;
    ///
    /// /// Reindex everything.
    /// #[tool]
    /// async fn reindex() -> ToolOutcome {
    ///     ToolOutcome::protocol_error(ErrorObject::internal("the index is locked"))
    /// }
    /// ```
    pub fn protocol_error(error: ErrorObject) -> Self {
        ToolOutcome(Outcome::Protocol(error))
    }
}

/// A tool's return value that is a [`ToolOutcome`] or converts to a `CallToolResult`.
#[doc(hidden)]
pub trait IntoToolOutcome {
    fn into_tool_outcome(self) -> ToolOutcome;
}

impl<T: IntoToolResult> IntoToolOutcome for T {
    fn into_tool_outcome(self) -> ToolOutcome {
        self.into_tool_result().into()
    }
}

impl IntoToolOutcome for ToolOutcome {
    fn into_tool_outcome(self) -> ToolOutcome {
        self
    }
}

impl From<CallToolResult> for ToolOutcome {
    fn from(result: CallToolResult) -> Self {
        ToolOutcome(Outcome::Result(result))
    }
}

/// A tool return value that is already MCP content (no `structuredContent`).
///
/// Implemented for `String`, `&str`, `()`, [`Content`], `Vec<Content>` and [`CallToolResult`].
/// Any other `T: Serialize + JsonSchema` is returned as `structuredContent` with an
/// `outputSchema`, and `Result<T, E: Display>` turns `Err` into a tool error.
pub trait IntoToolResult {
    /// Converts the value.
    fn into_tool_result(self) -> CallToolResult;
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for &str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(Vec::new())
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![self])
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(self)
    }
}

/// What a resource read may return: text (`String`, `&str`), bytes (`Vec<u8>`, sent as a
/// base64 blob), or full [`ResourceContents`].
pub trait IntoResourceContents {
    /// Converts the value; `uri` and `mime_type` come from the request and the attribute.
    fn into_contents(self, uri: &str, mime_type: Option<&str>) -> Vec<ResourceContents>;
}

fn with_mime(c: ResourceContents, mime: Option<&str>) -> ResourceContents {
    match mime {
        Some(m) if c.mime_type().is_none() => c.with_mime_type(m),
        _ => c,
    }
}

impl IntoResourceContents for String {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        vec![with_mime(ResourceContents::text(uri, self), mime)]
    }
}

impl IntoResourceContents for &str {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        vec![with_mime(ResourceContents::text(uri, self), mime)]
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        vec![with_mime(ResourceContents::blob(uri, &self), mime)]
    }
}

impl IntoResourceContents for &[u8] {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        vec![with_mime(ResourceContents::blob(uri, self), mime)]
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        vec![with_mime(self, mime)]
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self, _uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        self.into_iter().map(|c| with_mime(c, mime)).collect()
    }
}

impl IntoResourceContents for ReadResourceResult {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Vec<ResourceContents> {
        self.contents.into_contents(uri, mime)
    }
}

/// What a prompt may return: `String` (one user message), [`PromptMessage`],
/// `Vec<PromptMessage>` or a full [`GetPromptResult`].
pub trait IntoPromptResult {
    /// Converts the value.
    fn into_prompt_result(self) -> GetPromptResult;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> GetPromptResult {
        self
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> GetPromptResult {
        GetPromptResult {
            messages: self,
            ..Default::default()
        }
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> GetPromptResult {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> GetPromptResult {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &str {
    fn into_prompt_result(self) -> GetPromptResult {
        PromptMessage::user(self).into_prompt_result()
    }
}

/// "Not found", for resources and prompts: answered with JSON-RPC error -32002
/// (in a tool, an error result with the message).
///
/// ```
/// use mcp_runtime::define::NotFound;
/// let err = NotFound::new("no note with id 7");
/// assert_eq!(err.to_string(), "no note with id 7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound(pub String);

impl NotFound {
    /// A not-found error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        NotFound(message.into())
    }
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFound {}

impl From<NotFound> for ErrorObject {
    fn from(e: NotFound) -> Self {
        ErrorObject::new(ErrorCode::RESOURCE_NOT_FOUND, e.0)
    }
}
