//! One definition per MCP method: its name, the type of its parameters and of its result.
//! The server's dispatch and the [`Client`](crate::Client) both go through them, so the
//! two sides cannot disagree on a name or a shape.
//!
//! ```
//! use mcp_runtime::protocol::{CallTool, CallToolParams, Method};
//!
//! assert_eq!(CallTool::NAME, "tools/call");
//! let params: <CallTool as Method>::Params =
//!     serde_json::from_str(r#"{"name": "add", "arguments": {"a": 1}}"#).unwrap();
//! assert_eq!(params, CallToolParams {
//!     name: "add".into(),
//!     arguments: serde_json::json!({"a": 1}).as_object().cloned(),
//!     meta: None,
//! });
//! ```

use super::{
    AcknowledgedParams, CallToolParams, CallToolResult, CancelledParams, CompleteParams,
    CompleteResult, CreateMessageRequest, CreateMessageResult, DiscoverResult, ElicitParams,
    ElicitResult, EmptyResult, ErrorObject, GetPromptParams, GetPromptResult, InitializeParams,
    InitializeResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListRootsResult, ListToolsResult, ListenParams, LoggingMessageParams, NotificationParams,
    PaginatedParams, ProgressParams, ReadResourceParams, ReadResourceResult, RequestParams,
    ResourceUpdatedParams, SetLevelParams, SubscribeParams, UnsubscribeParams,
};
use super::{Notification, Request, RequestId};
use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;

/// A request: a method that is answered.
pub trait Method {
    /// The method's name on the wire, e.g. `tools/call`.
    const NAME: &'static str;
    /// Its parameters (an object on the wire).
    type Params: Serialize + DeserializeOwned;
    /// Its result.
    type Result: Serialize + DeserializeOwned;
}

/// A notification: a method that is never answered.
pub trait NotificationMethod {
    /// The method's name on the wire, e.g. `notifications/progress`.
    const NAME: &'static str;
    /// Its parameters (an object on the wire).
    type Params: Serialize + DeserializeOwned;
}

macro_rules! methods {
    ($($(#[$doc:meta])* $ty:ident = $name:literal, $params:ty => $result:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $ty {}
        impl Method for $ty {
            const NAME: &'static str = $name;
            type Params = $params;
            type Result = $result;
        }
    )*};
}

macro_rules! notifications {
    ($($(#[$doc:meta])* $ty:ident = $name:literal, $params:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $ty {}
        impl NotificationMethod for $ty {
            const NAME: &'static str = $name;
            type Params = $params;
        }
    )*};
}

methods! {
    /// `initialize`: the client opens the session (client to server).
    Initialize = "initialize", InitializeParams => InitializeResult;
    /// `ping`: is the peer there? (either way)
    Ping = "ping", RequestParams => EmptyResult;
    /// `tools/list`: a page of the server's tools.
    ListTools = "tools/list", PaginatedParams => ListToolsResult;
    /// `tools/call`: call a tool.
    CallTool = "tools/call", CallToolParams => CallToolResult;
    /// `resources/list`: a page of the server's resources.
    ListResources = "resources/list", PaginatedParams => ListResourcesResult;
    /// `resources/templates/list`: a page of the server's resource templates.
    ListResourceTemplates = "resources/templates/list", PaginatedParams => ListResourceTemplatesResult;
    /// `resources/read`: read a resource.
    ReadResource = "resources/read", ReadResourceParams => ReadResourceResult;
    /// `resources/subscribe`: be told when a resource changes.
    Subscribe = "resources/subscribe", SubscribeParams => EmptyResult;
    /// `resources/unsubscribe`: stop being told.
    Unsubscribe = "resources/unsubscribe", UnsubscribeParams => EmptyResult;
    /// `prompts/list`: a page of the server's prompts.
    ListPrompts = "prompts/list", PaginatedParams => ListPromptsResult;
    /// `prompts/get`: render a prompt.
    GetPrompt = "prompts/get", GetPromptParams => GetPromptResult;
    /// `logging/setLevel`: the least severe log level to send.
    SetLevel = "logging/setLevel", SetLevelParams => EmptyResult;
    /// `completion/complete`: values for an argument.
    Complete = "completion/complete", CompleteParams => CompleteResult;
    /// `sampling/createMessage`: the server asks the client's model (server to client).
    CreateMessage = "sampling/createMessage", CreateMessageRequest => CreateMessageResult;
    /// `elicitation/create`: the server asks the client's user (server to client).
    Elicit = "elicitation/create", ElicitParams => ElicitResult;
    /// `roots/list`: the server asks for the client's roots (server to client).
    ListRoots = "roots/list", RequestParams => ListRootsResult;
    /// `server/discover` (2026-07-28): the server's versions, capabilities and identity.
    Discover = "server/discover", RequestParams => DiscoverResult;
    /// `subscriptions/listen` (2026-07-28): a long-lived stream of change notifications;
    /// answered only when the server ends it.
    Listen = "subscriptions/listen", ListenParams => EmptyResult;
}

notifications! {
    /// `notifications/initialized`: the client is ready (after `initialize`).
    Initialized = "notifications/initialized", NotificationParams;
    /// `notifications/cancelled`: stop working on a request (either way).
    Cancelled = "notifications/cancelled", CancelledParams;
    /// `notifications/progress`: how far a request has come (either way).
    Progress = "notifications/progress", ProgressParams;
    /// `notifications/message`: a log message (server to client).
    LoggingMessage = "notifications/message", LoggingMessageParams;
    /// `notifications/tools/list_changed`: the server's tools changed.
    ToolListChanged = "notifications/tools/list_changed", NotificationParams;
    /// `notifications/resources/list_changed`: the server's resources changed.
    ResourceListChanged = "notifications/resources/list_changed", NotificationParams;
    /// `notifications/prompts/list_changed`: the server's prompts changed.
    PromptListChanged = "notifications/prompts/list_changed", NotificationParams;
    /// `notifications/resources/updated`: a subscribed resource changed.
    ResourceUpdated = "notifications/resources/updated", ResourceUpdatedParams;
    /// `notifications/roots/list_changed`: the client's roots changed (client to server).
    RootsListChanged = "notifications/roots/list_changed", NotificationParams;
    /// `notifications/subscriptions/acknowledged` (2026-07-28): the first message of a
    /// `subscriptions/listen` stream.
    SubscriptionsAcknowledged = "notifications/subscriptions/acknowledged", AcknowledgedParams;
}

/// Why a JSON text does not fit a type, and where: the path of the field at fault
/// (`ref.name`, `messages[0].content`) and serde's message, without the text position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// The path of the field at fault; empty when the whole value is.
    pub(crate) path: String,
    /// What is wrong with it.
    pub(crate) message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// `text` read as a `T`, or the field at fault.
pub(crate) fn decode<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, FieldError> {
    // A text that fits, the common case, is read without tracking where the reader is;
    // one that does not is read again to find the field at fault.
    serde_json::from_str(text).map_err(|plain| {
        let mut de = serde_json::Deserializer::from_str(text);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => field_error(e),
            Ok(_) => FieldError {
                path: String::new(),
                message: without_position(&plain),
            },
        }
    })
}

/// `map` read as a `T`, or the field at fault.
pub(crate) fn decode_map<T: DeserializeOwned>(map: &Map<String, Value>) -> Result<T, FieldError> {
    T::deserialize(map).map_err(
        |plain| match serde_path_to_error::deserialize::<_, T>(map) {
            Err(e) => field_error(e),
            Ok(_) => FieldError {
                path: String::new(),
                message: plain.to_string(),
            },
        },
    )
}

fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    FieldError {
        // The root's path is ".".
        path: if path == "." { String::new() } else { path },
        message: without_position(e.inner()),
    }
}

/// The parameters of a request of `M`, from their raw JSON (absent parameters read as
/// `{}`): the one place a malformed params object becomes an error, -32602 naming the
/// method and the field: "resources/read: `uri`: invalid type: integer `5`, expected a
/// string".
pub(crate) fn decode_params<M: Method>(raw: Option<&RawValue>) -> Result<M::Params, ErrorObject> {
    let text = raw.map_or("{}", RawValue::get);
    // serde would read a struct from an array too, by position.
    if !text.trim_start().starts_with('{') {
        return Err(ErrorObject::invalid_params(format!(
            "{}: `params` must be an object",
            M::NAME
        )));
    }
    decode(text).map_err(|e| ErrorObject::invalid_params(format!("{}: {e}", M::NAME)))
}

/// serde_json's message without the position it appends: the position is within the
/// parameters' text, which tells the reader nothing the path does not.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(stripped) => stripped.to_owned(),
        None => text,
    }
}

impl Request {
    /// A request of `M`. Parameters that serialize to `{}` are left out.
    pub(crate) fn of<M: Method>(id: RequestId, params: &M::Params) -> serde_json::Result<Request> {
        let raw = serde_json::value::to_raw_value(params)?;
        Ok(Request {
            id,
            method: M::NAME.to_owned(),
            params: (raw.get() != "{}").then_some(raw),
        })
    }
}

impl Notification {
    /// A notification of `N`. Parameters that serialize to `{}` are left out.
    pub(crate) fn of<N: NotificationMethod>(
        params: &N::Params,
    ) -> serde_json::Result<Notification> {
        let params = match serde_json::to_value(params)? {
            Value::Object(map) => (!map.is_empty()).then_some(map),
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "the params of {} must be an object, not {other}",
                    N::NAME
                )));
            }
        };
        Ok(Notification {
            method: N::NAME.to_owned(),
            params,
        })
    }

    /// The parameters read as those of `N` (absent parameters read as `{}`).
    pub(crate) fn params_of<N: NotificationMethod>(&self) -> Result<N::Params, FieldError> {
        match &self.params {
            Some(map) => decode_map(map),
            None => decode_map(&Map::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{
        ClientCapabilities, CompletionReference, ElicitAction, ElicitFormParams, Implementation,
        LoggingLevel, ProtocolVersion,
    };
    use serde_json::json;

    /// `params` and `result` read as `M`'s types and written back unchanged.
    fn round_trip<M: Method>(params: Value, result: Value) {
        let typed: M::Params =
            decode(&params.to_string()).unwrap_or_else(|e| panic!("{} params: {e}", M::NAME));
        assert_eq!(serde_json::to_value(&typed).unwrap(), params, "{}", M::NAME);
        let typed: M::Result =
            decode(&result.to_string()).unwrap_or_else(|e| panic!("{} result: {e}", M::NAME));
        assert_eq!(serde_json::to_value(&typed).unwrap(), result, "{}", M::NAME);
    }

    fn round_trip_notification<N: NotificationMethod>(params: Value) {
        let typed: N::Params =
            decode(&params.to_string()).unwrap_or_else(|e| panic!("{} params: {e}", N::NAME));
        assert_eq!(serde_json::to_value(&typed).unwrap(), params, "{}", N::NAME);
    }

    #[test]
    fn every_method_round_trips() {
        let meta = json!({ "progressToken": "t1" });
        let tool = json!({ "name": "add", "inputSchema": { "type": "object" } });
        let page = json!({ "cursor": "b2Zmc2V0OjI", "_meta": meta });
        round_trip::<Initialize>(
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": { "roots": { "listChanged": true }, "tasks": {} },
                "clientInfo": { "name": "c", "version": "1" },
            }),
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": { "logging": {}, "tools": { "listChanged": true } },
                "serverInfo": { "name": "s", "version": "2", "title": "S" },
                "instructions": "Use it.",
            }),
        );
        round_trip::<Ping>(json!({}), json!({}));
        round_trip::<ListTools>(page.clone(), json!({ "tools": [tool], "nextCursor": "x" }));
        round_trip::<CallTool>(
            json!({ "name": "add", "arguments": { "a": 1 }, "_meta": meta }),
            json!({ "content": [{ "type": "text", "text": "2" }], "isError": false }),
        );
        round_trip::<ListResources>(
            json!({}),
            json!({ "resources": [{ "uri": "mem://a", "name": "a" }] }),
        );
        round_trip::<ListResourceTemplates>(
            page.clone(),
            json!({ "resourceTemplates": [{ "uriTemplate": "mem://{x}", "name": "x" }] }),
        );
        round_trip::<ReadResource>(
            json!({ "uri": "mem://a" }),
            json!({ "contents": [{ "uri": "mem://a", "text": "hi" }] }),
        );
        round_trip::<Subscribe>(json!({ "uri": "mem://a" }), json!({}));
        round_trip::<Unsubscribe>(json!({ "uri": "mem://a", "_meta": meta }), json!({}));
        round_trip::<ListPrompts>(page, json!({ "prompts": [{ "name": "p" }] }));
        round_trip::<GetPrompt>(
            json!({ "name": "p", "arguments": { "lang": "de" } }),
            json!({ "messages": [{ "role": "user", "content": { "type": "text", "text": "x" } }] }),
        );
        round_trip::<SetLevel>(json!({ "level": "warning" }), json!({}));
        round_trip::<Complete>(
            json!({
                "ref": { "type": "ref/resource", "uri": "mem://{x}" },
                "argument": { "name": "x", "value": "a" },
                "context": { "arguments": { "y": "b" } },
            }),
            json!({ "completion": { "values": ["ab"], "total": 1, "hasMore": false } }),
        );
        round_trip::<CreateMessage>(
            json!({
                "messages": [{ "role": "user", "content": { "type": "text", "text": "?" } }],
                "maxTokens": 10,
                "_meta": meta,
            }),
            json!({
                "role": "assistant",
                "content": { "type": "text", "text": "!" },
                "model": "m",
                "stopReason": "endTurn",
            }),
        );
        round_trip::<Elicit>(
            json!({
                "mode": "form",
                "message": "Name?",
                "requestedSchema": { "type": "object", "properties": {} },
            }),
            json!({ "action": "accept", "content": { "name": "Ada" } }),
        );
        round_trip::<Elicit>(
            json!({
                "mode": "url",
                "message": "Sign in",
                "url": "https://example.com/sign-in",
                "elicitationId": "e1",
            }),
            json!({ "action": "decline" }),
        );
        round_trip::<ListRoots>(
            json!({}),
            json!({ "roots": [{ "uri": "file:///tmp", "name": "tmp" }] }),
        );
    }

    #[test]
    fn every_notification_round_trips() {
        round_trip_notification::<Initialized>(json!({}));
        round_trip_notification::<Cancelled>(json!({ "requestId": 3, "reason": "late" }));
        round_trip_notification::<Progress>(
            json!({ "progressToken": "t", "progress": 1.5, "total": 3.0, "message": "half" }),
        );
        round_trip_notification::<LoggingMessage>(
            json!({ "level": "error", "logger": "db", "data": { "code": 7 } }),
        );
        round_trip_notification::<ToolListChanged>(json!({}));
        round_trip_notification::<ResourceListChanged>(json!({ "_meta": { "k": 1 } }));
        round_trip_notification::<PromptListChanged>(json!({}));
        round_trip_notification::<ResourceUpdated>(json!({ "uri": "mem://a" }));
        round_trip_notification::<RootsListChanged>(json!({}));
    }

    #[test]
    fn input_is_read_leniently_where_the_protocol_allows() {
        // Unknown fields, a `_meta` that is not an object, `null` arguments.
        let call: CallToolParams =
            decode(r#"{"name":"a","arguments":null,"_meta":5,"task":{"ttl":1}}"#).unwrap();
        assert_eq!((call.arguments, call.meta), (None, None));
        // An old form-mode elicitation names no mode.
        let form: ElicitParams =
            decode(r#"{"message":"?","requestedSchema":{"type":"object"}}"#).unwrap();
        assert!(matches!(
            form,
            ElicitParams::Form(ElicitFormParams { mode: None, .. })
        ));
        let init: InitializeParams = decode(r#"{"protocolVersion":"1999-01-01"}"#).unwrap();
        assert_eq!(init.capabilities, ClientCapabilities::default());
        let complete: CompleteParams =
            decode(r#"{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a"}}"#).unwrap();
        assert_eq!(
            complete.reference,
            CompletionReference::Prompt {
                name: "p".into(),
                title: None
            }
        );
        assert_eq!(complete.argument.value, "");
        let result: ElicitResult = decode(r#"{"action":"cancel","_meta":{}}"#).unwrap();
        assert_eq!(result.action, ElicitAction::Cancel);
    }

    #[test]
    fn a_malformed_params_object_names_the_method_and_the_field() {
        let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        let error = |e: ErrorObject| (e.code, e.message);
        assert_eq!(
            error(decode_params::<ReadResource>(Some(&raw(r#"{"uri":5}"#))).unwrap_err()),
            (
                -32602,
                "resources/read: `uri`: invalid type: integer `5`, expected a string".into()
            )
        );
        assert_eq!(
            error(decode_params::<CallTool>(None).unwrap_err()),
            (-32602, "tools/call: missing field `name`".into())
        );
        assert_eq!(
            error(
                decode_params::<CreateMessage>(Some(&raw(
                    r#"{"maxTokens":1,"messages":[{"role":"robot","content":{"type":"text","text":""}}]}"#
                )))
                .unwrap_err()
            ),
            (
                -32602,
                "sampling/createMessage: `messages[0].role`: unknown variant `robot`, expected `user` or `assistant`"
                    .into()
            )
        );
        assert_eq!(
            error(decode_params::<SetLevel>(Some(&raw(r#"{"level":"loud"}"#))).unwrap_err()).1,
            "logging/setLevel: `level`: invalid value: string \"loud\", expected a log level: debug, info, notice, warning, error, critical, alert or emergency"
        );
        assert_eq!(
            error(decode_params::<Ping>(Some(&raw("[]"))).unwrap_err()).1,
            "ping: `params` must be an object"
        );
        assert_eq!(
            decode_params::<SetLevel>(Some(&raw(r#"{"level":"info"}"#)))
                .unwrap()
                .level,
            LoggingLevel::Info
        );
    }

    #[test]
    fn typed_messages_leave_empty_params_out() {
        let ping = Request::of::<Ping>(RequestId::Number(1), &RequestParams::default()).unwrap();
        assert_eq!(ping.method, "ping");
        assert!(ping.params.is_none());
        let call = CallToolParams {
            name: "add".into(),
            ..Default::default()
        };
        let request = Request::of::<CallTool>(RequestId::Number(2), &call).unwrap();
        assert_eq!(request.params.unwrap().get(), r#"{"name":"add"}"#);
        let initialized = Notification::of::<Initialized>(&NotificationParams::default()).unwrap();
        assert_eq!(
            (initialized.method.as_str(), initialized.params),
            ("notifications/initialized", None)
        );
        let cancelled = Notification::of::<Cancelled>(&CancelledParams {
            request_id: Some(RequestId::Number(2)),
            reason: None,
            meta: None,
        })
        .unwrap();
        assert_eq!(
            cancelled.params_of::<Cancelled>().unwrap().request_id,
            Some(RequestId::Number(2))
        );
        // No capability: `{}`.
        let result = InitializeResult {
            protocol_version: ProtocolVersion::LATEST_LEGACY.as_str().into(),
            capabilities: Default::default(),
            server_info: Implementation {
                name: "s".into(),
                version: "1".into(),
                title: None,
                description: None,
                website_url: None,
            },
            instructions: None,
            meta: None,
        };
        assert_eq!(
            serde_json::to_value(&result).unwrap()["capabilities"],
            json!({})
        );
    }
}
