//! The modern era (MCP 2026-07-28) of a request: it says its protocol version and the
//! client's facts in `_meta`, needs no session, and its result carries `resultType`, the
//! server's identity and, where the method is cacheable, caching hints.

use crate::protocol::CallTool;
use crate::protocol::{
    CacheHint, ClientCapabilities, Complete, Discover, ErrorObject, GetPrompt, Implementation,
    ListPrompts, ListResourceTemplates, ListResources, ListTools, Listen, LoggingLevel, Method,
    ModernEnvelope, ProtocolVersion, ReadResource, Request, RequestMeta, meta_keys,
};
use crate::server::facts::RequestFacts;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What a modern request brings besides its method's parameters.
pub(crate) struct Modern {
    pub(crate) facts: Arc<RequestFacts>,
    pub(crate) input_responses: Option<Map<String, Value>>,
    pub(crate) request_state: Option<String>,
}

/// The methods of 2026-07-28 this server answers.
const METHODS: &[&str] = &[
    Discover::NAME,
    ListTools::NAME,
    CallTool::NAME,
    ListResources::NAME,
    ListResourceTemplates::NAME,
    ReadResource::NAME,
    ListPrompts::NAME,
    GetPrompt::NAME,
    Complete::NAME,
    Listen::NAME,
    crate::server::tasks::GET,
    crate::server::tasks::UPDATE,
    crate::server::tasks::CANCEL,
];

/// Methods of the 2025 revisions that 2026-07-28 removed.
const REMOVED: &[&str] = &[
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// The request's era: `None` when it is legacy (no protocol version in its `_meta`);
/// else its facts, or the error a malformed or unsupported one gets.
pub(crate) fn read(request: &Request) -> Option<Result<Modern, ErrorObject>> {
    let params = request.params.as_deref()?;
    // Cheap for the legacy requests that make up the hot path: no second parse.
    if !crate::protocol::may_be_modern(params.get()) {
        return None;
    }
    let envelope: ModernEnvelope = match serde_json::from_str(params.get()) {
        Ok(envelope) => envelope,
        // Not even an object of the right shape: let the method's own reading say why
        // only if it is legacy; a modern one is malformed.
        Err(e) => {
            return Some(Err(ErrorObject::invalid_params(format!(
                "Invalid params of {}: {e}",
                request.method
            ))));
        }
    };
    let mut meta = envelope.meta?;
    let version = meta.protocol_version.take()?;
    Some(modern(
        &request.method,
        &version,
        meta,
        envelope.input_responses,
        envelope.request_state,
    ))
}

fn key_error(key: &str, why: impl std::fmt::Display) -> ErrorObject {
    ErrorObject::invalid_params(format!("Invalid params: _meta[\"{key}\"] {why}"))
}

fn modern(
    method: &str,
    version: &RawValue,
    meta: RequestMeta,
    input_responses: Option<Map<String, Value>>,
    request_state: Option<String>,
) -> Result<Modern, ErrorObject> {
    let Ok(version) = serde_json::from_str::<String>(version.get()) else {
        return Err(key_error(
            meta_keys::PROTOCOL_VERSION,
            "must be a string such as \"2026-07-28\"",
        ));
    };
    let protocol_version = ProtocolVersion::parse(&version)
        .filter(|v| v.is_modern())
        .ok_or_else(|| ErrorObject::unsupported_version(&version))?;
    let Some(caps) = meta.client_capabilities else {
        return Err(key_error(
            meta_keys::CLIENT_CAPABILITIES,
            "is required on every request of 2026-07-28 (send {} for a client with none)",
        ));
    };
    let client_capabilities: ClientCapabilities = serde_json::from_str(caps.get())
        .map_err(|e| key_error(meta_keys::CLIENT_CAPABILITIES, format!("is malformed: {e}")))?;
    let client_info: Option<Implementation> = meta
        .client_info
        .map(|raw| serde_json::from_str(raw.get()))
        .transpose()
        .map_err(|e| key_error(meta_keys::CLIENT_INFO, format!("is malformed: {e}")))?;
    let log_level: Option<LoggingLevel> = meta
        .log_level
        .map(|raw| serde_json::from_str(raw.get()))
        .transpose()
        .map_err(|e| key_error(meta_keys::LOG_LEVEL, format!("is not a log level: {e}")))?;
    if !METHODS.contains(&method) {
        let mut e = ErrorObject::method_not_found(method);
        if REMOVED.contains(&method) {
            e.message = format!("Method not found: {method} was removed in MCP 2026-07-28");
        }
        return Err(e);
    }
    Ok(Modern {
        facts: Arc::new(RequestFacts {
            protocol_version,
            client_info,
            client_capabilities,
            log_level,
        }),
        input_responses,
        request_state,
    })
}

/// What kind of result a modern request produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Complete,
    InputRequired,
    /// A task handle (`CreateTaskResult`, the tasks extension).
    Task,
}

/// `result` with the fields every modern result carries: `resultType`, the server's
/// identity in `_meta` (`server_info` is its JSON), and `hint` for a cacheable method.
pub(crate) fn modernize(
    result: &RawValue,
    kind: Kind,
    hint: Option<CacheHint>,
    server_info: &str,
) -> Result<Box<RawValue>, ErrorObject> {
    let result_type = match kind {
        Kind::Complete => "complete",
        Kind::InputRequired => "input_required",
        Kind::Task => "task",
    };
    let text = result.get();
    let body = text.trim();
    let inner = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .map(str::trim);
    let out = match inner {
        // The result has no `_meta` of its own: the fields go in front, as text.
        Some(inner) if !has_meta_key(text) => {
            let mut out = String::with_capacity(text.len() + server_info.len() + 96);
            out.push_str("{\"resultType\":\"");
            out.push_str(result_type);
            out.push('"');
            if let Some(hint) = hint {
                out.push_str(",\"ttlMs\":");
                out.push_str(&hint.ttl_ms.to_string());
                out.push_str(",\"cacheScope\":\"");
                out.push_str(hint.scope.as_str());
                out.push('"');
            }
            out.push_str(",\"_meta\":{\"");
            out.push_str(meta_keys::SERVER_INFO);
            out.push_str("\":");
            out.push_str(server_info);
            out.push('}');
            if !inner.is_empty() {
                out.push(',');
                out.push_str(inner);
            }
            out.push('}');
            out
        }
        _ => {
            let mut map: Map<String, Value> = serde_json::from_str(text)
                .map_err(|e| ErrorObject::internal(format!("the result is not an object: {e}")))?;
            map.insert("resultType".into(), Value::String(result_type.into()));
            if let Some(hint) = hint {
                map.insert("ttlMs".into(), Value::from(hint.ttl_ms));
                map.insert(
                    "cacheScope".into(),
                    Value::String(hint.scope.as_str().into()),
                );
            }
            let info: Value = serde_json::from_str(server_info).unwrap_or(Value::Null);
            match map.get_mut("_meta") {
                Some(Value::Object(meta)) => {
                    meta.entry(meta_keys::SERVER_INFO).or_insert(info);
                }
                _ => {
                    let mut meta = Map::new();
                    meta.insert(meta_keys::SERVER_INFO.into(), info);
                    map.insert("_meta".into(), Value::Object(meta));
                }
            }
            serde_json::to_string(&map).map_err(|e| {
                ErrorObject::internal(format!("the result could not be written: {e}"))
            })?
        }
    };
    RawValue::from_string(out)
        .map_err(|e| ErrorObject::internal(format!("the result could not be written: {e}")))
}

/// True when `text` may hold a `"_meta"` key (the searcher is built once, not per result).
fn has_meta_key(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("\"_meta\""));
    FINDER.find(text.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(raw: Result<Box<RawValue>, ErrorObject>) -> Value {
        serde_json::from_str(raw.unwrap().get()).unwrap()
    }

    #[test]
    fn modern_results_carry_their_type_identity_and_hints() {
        let info = r#"{"name":"s","version":"1"}"#;
        let plain = RawValue::from_string(r#"{"tools":[]}"#.into()).unwrap();
        let out = parse(modernize(
            &plain,
            Kind::Complete,
            Some(CacheHint::public(5)),
            info,
        ));
        assert_eq!(
            out,
            json!({"resultType": "complete", "ttlMs": 5, "cacheScope": "public",
                   "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}},
                   "tools": []})
        );
        let empty = RawValue::from_string("{}".into()).unwrap();
        let out = parse(modernize(&empty, Kind::InputRequired, None, info));
        assert_eq!(out["resultType"], "input_required");
        let with_meta = RawValue::from_string(r#"{"_meta":{"x":1},"content":[]}"#.into()).unwrap();
        let out = parse(modernize(&with_meta, Kind::Complete, None, info));
        assert_eq!(out["_meta"]["x"], 1);
        assert_eq!(
            out["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
            "s"
        );
    }
}
