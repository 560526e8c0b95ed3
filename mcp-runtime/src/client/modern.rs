//! The client's side of MCP 2026-07-28: which era a server speaks, the `_meta` every modern
//! request carries, multi-round requests (an `InputRequiredResult` is answered with the
//! client's handlers and the request retried), and the request-metadata headers of
//! Streamable HTTP.

use crate::protocol::meta_keys;
use crate::protocol::{
    CallTool, ErrorCode, ErrorObject, GetPrompt, LoggingLevel, Method, ReadResource, Request,
    RequestId, Tool,
};
use crate::server::definitions::param_headers;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Which revisions of MCP a client speaks to the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Era {
    /// Asks for 2026-07-28 first (`server/discover`) and falls back to `initialize` when
    /// the server does not speak it: the default.
    #[default]
    Auto,
    /// 2026-07-28 only: every request carries its version and capabilities in `_meta`; a
    /// server that does not speak it fails the connection.
    Modern,
    /// `initialize` and a session (2025-11-25 and earlier).
    Legacy,
}

/// At most this many rounds of one multi-round request: a server that keeps asking is
/// refused rather than followed for ever.
pub(super) const MAX_ROUNDS: usize = 16;

/// The methods whose result may be an `InputRequiredResult`.
pub(super) fn is_multi_round(method: &str) -> bool {
    matches!(
        method,
        CallTool::NAME | GetPrompt::NAME | ReadResource::NAME
    )
}

/// What a client that speaks 2026-07-28 to its server puts in every request.
pub(super) struct Modern {
    /// The protocol version in use.
    pub(super) version: String,
    /// `_meta`: protocol version, client capabilities, client info.
    meta: Map<String, Value>,
    /// The log level set with `Client::set_log_level` (no logs without one).
    log_level: Mutex<Option<LoggingLevel>>,
}

impl Modern {
    pub(super) fn new(version: String, capabilities: Value, info: Value) -> Modern {
        let mut meta = Map::new();
        meta.insert(
            meta_keys::PROTOCOL_VERSION.into(),
            Value::String(version.clone()),
        );
        meta.insert(meta_keys::CLIENT_CAPABILITIES.into(), capabilities);
        meta.insert(meta_keys::CLIENT_INFO.into(), info);
        Modern {
            version,
            meta,
            log_level: Mutex::new(None),
        }
    }

    pub(super) fn set_log_level(&self, level: LoggingLevel) {
        *super::lock(&self.log_level) = Some(level);
    }

    /// `params` with this client's `_meta` keys added (keys the caller set are kept).
    pub(super) fn params(&self, params: Option<&RawValue>) -> Result<Map<String, Value>, String> {
        let mut params: Map<String, Value> = match params {
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| e.to_string())?,
            None => Map::new(),
        };
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(meta) = meta else {
            return Err("`_meta` must be an object".into());
        };
        for (key, value) in &self.meta {
            meta.entry(key.clone()).or_insert_with(|| value.clone());
        }
        if let Some(level) = *super::lock(&self.log_level) {
            meta.entry(meta_keys::LOG_LEVEL)
                .or_insert_with(|| serde_json::json!(level));
        }
        Ok(params)
    }
}

/// A result as far as a multi-round client needs to read it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RoundResult {
    #[serde(default)]
    pub(super) result_type: Option<String>,
    #[serde(default)]
    pub(super) input_requests: Option<Map<String, Value>>,
    #[serde(default)]
    pub(super) request_state: Option<String>,
}

impl RoundResult {
    pub(super) fn read(raw: &RawValue) -> Option<RoundResult> {
        serde_json::from_str(raw.get()).ok()
    }

    pub(super) fn needs_input(&self) -> bool {
        self.result_type.as_deref() == Some("input_required")
    }
}

/// One of the server's questions (an entry of `inputRequests`) as a request the client's
/// handlers answer.
pub(super) fn input_request(key: &str, question: &Value) -> Result<Request, ErrorObject> {
    let bad = |what: &str| {
        ErrorObject::new(
            ErrorCode::INVALID_PARAMS,
            format!("the server's inputRequests[{key:?}] {what}"),
        )
    };
    let method = question
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("has no method"))?;
    let params = match question.get("params") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(_) => return Err(bad("has params that are not an object")),
    };
    Ok(Request::new(RequestId::String(key.into()), method, params))
}

/// True when `error` is one only a 2026-07-28 server sends: the server speaks that era, and
/// falling back to `initialize` would be wrong.
pub(super) fn is_modern_error(error: &ErrorObject) -> bool {
    matches!(
        error.code,
        ErrorCode::HEADER_MISMATCH
            | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
            | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
    )
}

// ----- Streamable HTTP: the request-metadata headers ----------------------------------------

/// The `x-mcp-header` parameters of each tool, learned from `tools/list` (HTTP only): the
/// header name and the property path of each.
pub(super) type ToolHeaders = Arc<Mutex<Option<HashMap<String, Vec<(String, Vec<String>)>>>>>;

/// Learns the header parameters of `tools` and drops the tools whose `x-mcp-header`
/// annotations break the rules (a client on Streamable HTTP must not offer them).
pub(super) fn learn_tools(headers: &ToolHeaders, tools: &mut Vec<Tool>) {
    let mut table = HashMap::new();
    tools.retain(|tool| {
        let problems = param_headers::check(&tool.input_schema);
        if let Some(problem) = problems.first() {
            tracing::warn!(tool = tool.name, %problem, "the server's tool is left out: its x-mcp-header annotations are invalid");
            return false;
        }
        let params = param_headers::header_params(&tool.input_schema);
        if !params.is_empty() {
            table.insert(tool.name.clone(), params);
        }
        true
    });
    *super::lock(headers) = Some(table);
}

#[cfg(feature = "http-client")]
/// What the headers of a modern POST mirror from its body.
#[derive(Default)]
pub(super) struct Mirrored {
    pub(super) version: Option<String>,
    pub(super) method: Option<String>,
    pub(super) name: Option<String>,
    /// `(Mcp-Param-{name}, value)`, values already encoded.
    pub(super) params: Vec<(String, String)>,
}

#[cfg(feature = "http-client")]
#[derive(Deserialize, Default)]
struct Peek {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default, rename = "taskId")]
    task_id: Option<String>,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(default, rename = "_meta")]
    meta: Option<PeekMeta>,
}

#[cfg(feature = "http-client")]
#[derive(Deserialize, Default)]
struct PeekMeta {
    #[serde(default, rename = "io.modelcontextprotocol/protocolVersion")]
    version: Option<String>,
}

#[cfg(feature = "http-client")]
/// The headers of `request` when it is a modern one (its `_meta` names a version).
pub(super) fn mirrored(request: &Request, tools: &ToolHeaders) -> Option<Mirrored> {
    let peek: Peek = request
        .params
        .as_deref()
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    let version = peek.meta.and_then(|m| m.version)?;
    let method = request.method.as_str();
    let name = match method {
        CallTool::NAME | GetPrompt::NAME => peek.name,
        ReadResource::NAME => peek.uri,
        m if m.starts_with("tasks/") => peek.task_id,
        _ => None,
    };
    let mut params = Vec::new();
    if method == CallTool::NAME
        && let (Some(tool), Some(arguments)) = (&name, &peek.arguments)
        && let Some(marks) = super::lock(tools).as_ref().and_then(|t| t.get(tool))
    {
        for (header, path) in marks {
            if let Some(value) = at_path(arguments, path).and_then(header_text) {
                params.push((format!("mcp-param-{header}"), value));
            }
        }
    }
    Some(Mirrored {
        version: Some(version),
        method: Some(method.to_owned()),
        name: name.map(|n| encode(&n)),
        params,
    })
}

#[cfg(feature = "http-client")]
fn at_path<'a>(arguments: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(arguments.get(first)?, |value, key| value.get(key))
}

#[cfg(feature = "http-client")]
/// A parameter's value as its header carries it: strings encoded, integers in decimal,
/// booleans as `true`/`false`; `None` for null and other types (the header is omitted).
fn header_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(encode(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(feature = "http-client")]
/// `value` as a header value: as it is when it is plain visible ASCII (spaces inside
/// allowed), otherwise the Base64 sentinel form `=?base64?...?=`.
pub(super) fn encode(value: &str) -> String {
    let visible = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    let padded = value.starts_with(' ') || value.ends_with(' ');
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    if visible && !padded && !sentinel {
        value.to_owned()
    } else {
        use base64::Engine as _;
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

#[cfg(all(test, feature = "http-client"))]
mod tests {
    use super::{ToolHeaders, encode, learn_tools, mirrored};
    use crate::protocol::{Request, RequestId, Tool};
    use serde_json::json;

    fn tool(name: &str, schema: serde_json::Value) -> Tool {
        serde_json::from_value(json!({ "name": name, "inputSchema": schema }))
            .unwrap_or_else(|e| panic!("a tool: {e}"))
    }

    #[test]
    fn tools_with_invalid_headers_are_left_out_and_the_others_mirrored() {
        let mut tools = vec![
            tool(
                "query",
                json!({ "type": "object", "properties": {
                    "region": { "type": "string", "x-mcp-header": "Region" },
                    "limit": { "type": "integer", "x-mcp-header": "Limit" },
                    "q": { "type": "string" },
                }}),
            ),
            tool(
                "bad",
                json!({ "type": "object", "properties": {
                    "ratio": { "type": "number", "x-mcp-header": "Ratio" },
                }}),
            ),
            tool(
                "twice",
                json!({ "type": "object", "properties": {
                    "a": { "type": "string", "x-mcp-header": "X" },
                    "b": { "type": "string", "x-mcp-header": "x" },
                }}),
            ),
        ];
        let headers = ToolHeaders::default();
        learn_tools(&headers, &mut tools);
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["query"]);

        let params = json!({
            "name": "query",
            "arguments": { "region": "Zürich", "limit": 5, "q": "x" },
            "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28" },
        });
        let request = Request::new(RequestId::Number(1), "tools/call", params.as_object());
        let m = mirrored(&request, &headers).unwrap_or_else(|| panic!("a modern request"));
        assert_eq!(m.version.as_deref(), Some("2026-07-28"));
        assert_eq!(m.method.as_deref(), Some("tools/call"));
        assert_eq!(m.name.as_deref(), Some("query"));
        assert_eq!(
            m.params,
            [
                (
                    "mcp-param-Region".to_owned(),
                    "=?base64?WsO8cmljaA==?=".to_owned()
                ),
                ("mcp-param-Limit".to_owned(), "5".to_owned()),
            ]
        );
        // A legacy request mirrors nothing.
        let legacy = Request::new(
            RequestId::Number(2),
            "tools/call",
            json!({"name": "query"}).as_object(),
        );
        assert!(mirrored(&legacy, &headers).is_none());
    }

    #[test]
    fn header_values_follow_the_encoding_examples_of_the_spec() {
        assert_eq!(encode("us-west1"), "us-west1");
        assert_eq!(encode("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        assert_eq!(encode(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(encode("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            encode("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
    }
}
