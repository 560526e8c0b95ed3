//! The parameters and results of MCP's methods (see [`methods`](super::methods) for which
//! goes with which). Input is read leniently where the protocol allows it: unknown fields
//! are ignored, and a `_meta` that is not an object is no `_meta`.

use super::{
    ClientCapabilities, Completion, Implementation, LoggingLevel, Meta, Prompt, RequestId,
    Resource, ResourceTemplate, Root, Tool,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Parameters of a request that takes none but `_meta` (`ping`, `roots/list`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestParams {
    /// Extra metadata (`progressToken`, ...).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// Parameters of a notification that carries none but `_meta` (`initialized`, the
/// `list_changed` ones).
pub type NotificationParams = RequestParams;

/// A result with nothing in it but `_meta` (`ping`, `resources/subscribe`, ...): `{}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmptyResult {
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// `initialize`: the client's opening request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The newest protocol version the client speaks (any string: the server answers with
    /// one it speaks).
    pub protocol_version: String,
    /// What the client supports (absent reads as none).
    #[serde(default)]
    pub capabilities: ClientCapabilities,
    /// Who the client is. The schema requires it; a server accepts its absence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_info: Option<Implementation>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// Parameters of the list methods (`tools/list`, `resources/list`, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaginatedParams {
    /// Where to go on from: a `nextCursor` received (absent: from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// The result of `tools/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListToolsResult {
    /// This page of tools.
    pub tools: Vec<Tool>,
    /// The cursor of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The result of `resources/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResourcesResult {
    /// This page of resources.
    pub resources: Vec<Resource>,
    /// The cursor of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The result of `resources/templates/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResourceTemplatesResult {
    /// This page of templates.
    pub resource_templates: Vec<ResourceTemplate>,
    /// The cursor of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The result of `prompts/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPromptsResult {
    /// This page of prompts.
    pub prompts: Vec<Prompt>,
    /// The cursor of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// `tools/call`: call a tool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallToolParams {
    /// The tool's name.
    pub name: String,
    /// Its arguments, an object (absent or `null`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "optional_object")]
    pub arguments: Option<Map<String, Value>>,
    /// Extra metadata (`progressToken`, ...).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `resources/read`: read a resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadResourceParams {
    /// The resource's URI.
    pub uri: String,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `resources/subscribe` and `resources/unsubscribe`: start or stop the updates of a
/// resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscribeParams {
    /// The resource's URI.
    pub uri: String,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `resources/unsubscribe` takes what `resources/subscribe` takes.
pub type UnsubscribeParams = SubscribeParams;

/// `prompts/get`: render a prompt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetPromptParams {
    /// The prompt's name.
    pub name: String,
    /// Its arguments: an object of strings (absent or `null`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "optional_object")]
    pub arguments: Option<Map<String, Value>>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `logging/setLevel`: the least severe log level the client wants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetLevelParams {
    /// The level.
    pub level: LoggingLevel,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `completion/complete`: values for a prompt argument or a template variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompleteParams {
    /// What is being completed.
    #[serde(rename = "ref")]
    pub reference: CompletionReference,
    /// The argument and what the user typed so far.
    pub argument: CompletionArgument,
    /// Values already chosen for other arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CompletionContext>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// The prompt or resource template whose argument is completed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    expecting = "an object whose `type` is \"ref/prompt\" or \"ref/resource\""
)]
pub enum CompletionReference {
    /// A prompt (`ref/prompt`).
    #[serde(rename = "ref/prompt")]
    Prompt {
        /// The prompt's name.
        name: String,
        /// Its human-readable name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// A resource template (`ref/resource`).
    #[serde(rename = "ref/resource")]
    Resource {
        /// The template (or URI).
        uri: String,
    },
}

/// The argument completed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object")]
pub struct CompletionArgument {
    /// Its name.
    pub name: String,
    /// What the user typed so far (absent reads as empty).
    #[serde(default)]
    pub value: String,
}

/// What is known besides the argument completed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(expecting = "an object")]
pub struct CompletionContext {
    /// Values already resolved for the other arguments or variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Map<String, Value>>,
}

/// The result of `completion/complete`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompleteResult {
    /// The values.
    pub completion: Completion,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// `elicitation/create`: ask the user, with a form or by sending them to a URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ElicitParams {
    /// URL mode.
    Url(ElicitUrlParams),
    /// Form mode.
    Form(ElicitFormParams),
}

/// Form-mode elicitation: a flat form whose fields a schema describes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitFormParams {
    /// `form` (from 2025-11-25; before it, the mode was not named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<FormMode>,
    /// What to ask the user.
    pub message: String,
    /// The form: an object schema of primitive properties.
    pub requested_schema: Map<String, Value>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// URL-mode elicitation: the user opens a URL (a sign-in, a payment).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitUrlParams {
    /// `url`.
    pub mode: UrlMode,
    /// Why the user should open it.
    pub message: String,
    /// The URL.
    pub url: String,
    /// The elicitation's id, unique within the server.
    pub elicitation_id: String,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// The mode of a form-mode elicitation: `form`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormMode {
    /// `form`.
    Form,
}

/// The mode of a URL-mode elicitation: `url`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlMode {
    /// `url`.
    Url,
}

/// The result of `roots/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListRootsResult {
    /// The client's roots.
    pub roots: Vec<Root>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// `notifications/cancelled`: stop working on a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelledParams {
    /// The request to stop (optional only for task cancellations, which this crate does
    /// not make).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Why, for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// A progress token: a string or an integer, chosen by the requester.
pub type ProgressToken = RequestId;

/// `notifications/progress`: how far a request has come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressParams {
    /// The `progressToken` of the request's `_meta`.
    pub progress_token: ProgressToken,
    /// Progress so far; it increases with each notification.
    pub progress: f64,
    /// The total, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// A message for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `notifications/message`: a log message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoggingMessageParams {
    /// Its severity.
    pub level: LoggingLevel,
    /// Who logged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    /// What is logged: any JSON value.
    pub data: Value,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// `notifications/resources/updated`: a subscribed resource changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceUpdatedParams {
    /// The resource's URI.
    pub uri: String,
    /// Extra metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_meta")]
    pub meta: Option<Meta>,
}

/// A `_meta` that is not an object is no `_meta`: it is informational, and a peer that
/// gets its shape wrong should still be served.
fn lenient_meta<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Meta>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => Some(map),
        _ => None,
    })
}

/// An object, or `null` for none: the error says "expected an object", in JSON's words.
fn optional_object<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    struct ObjectVisitor;
    impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
        type Value = Option<Map<String, Value>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Map::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(ObjectVisitor)
}
