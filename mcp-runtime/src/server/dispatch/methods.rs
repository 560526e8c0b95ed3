//! MCP methods: from a decoded request to its result.

use super::RequestScope;
use crate::protocol::{
    CallToolResult, ErrorObject, Implementation, InitializeResult, Notification, ProtocolVersion,
    ReadResourceResult, Request, Response, raw, read_params,
};
use crate::protocol::{Completion, ErrorCode, LoggingLevel, Meta};
use crate::server::context::Context;
use crate::server::definitions::arguments::{Members, Spans, ToolArguments};
use crate::server::definitions::output::Outcome;
use crate::server::definitions::tables::Tables;
use crate::server::definitions::{Completer, ResourceRequest, ToolDef};
use crate::server::facts::RequestFacts;
use crate::server::session::{InFlight, Session};
use crate::server::{Server, ServerInner};
use base64::Engine as _;
use futures_util::FutureExt as _;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

type Params = Map<String, Value>;
type MethodResult = Result<Value, ErrorObject>;

/// What the server offers, from its tables at `initialize`: a kind with no item is not
/// declared (a server that may add the first tool later should start with one).
fn capabilities(tables: &Tables) -> Value {
    let mut caps = Map::new();
    caps.insert("logging".into(), json!({}));
    if tables.completable() {
        caps.insert("completions".into(), json!({}));
    }
    if !tables.tools.is_empty() {
        caps.insert("tools".into(), json!({ "listChanged": true }));
    }
    if !(tables.static_resources.is_empty() && tables.templates.is_empty()) {
        caps.insert(
            "resources".into(),
            json!({ "subscribe": true, "listChanged": true }),
        );
    }
    if !tables.prompts.is_empty() {
        caps.insert("prompts".into(), json!({ "listChanged": true }));
    }
    Value::Object(caps)
}

impl Server {
    /// Answers one request of `session`, registered in flight. `scope` carries what the
    /// transport knows of the caller and where messages sent during the call go.
    pub(super) async fn handle_request(
        &self,
        session: &Arc<Session>,
        request: Request,
        in_flight: &InFlight,
        scope: RequestScope,
    ) -> Option<Response> {
        let Request { id, method, params } = request;
        // One span per request, at debug (so that it costs next to nothing when debug is
        // off); `name` is the tool, prompt or resource the request is about.
        let span = tracing::debug_span!(
            "mcp_request",
            method = method.as_str(),
            id = %id,
            name = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let token = in_flight.token.clone();
        let inner = &*self.inner;
        let tables = self.tables();
        // What the transport attached (for HTTP, the request's headers) moves into the one
        // `Context` a request makes rather than being copied; the outbound sender is cloned
        // so the original lives until the request ends, as the transport expects.
        let RequestScope {
            carrier,
            extensions,
            outbound,
        } = scope;
        let ctx = |meta: Option<Meta>| {
            Context::new(
                id.clone(),
                meta,
                session.facts(),
                token.clone(),
                inner.states.clone(),
                RequestScope {
                    carrier,
                    extensions,
                    outbound: outbound.clone(),
                },
                session.clone(),
                inner.limits.client_request_timeout,
            )
        };
        let work = async {
            // The hot path reads its parameters straight into their type.
            if method == "tools/call" {
                return call_tool(&tables, params, ctx, &id).await;
            }
            let params = parse_params(params.as_deref(), &method)?;
            let meta = || params.get("_meta").and_then(Value::as_object).cloned();
            let value = match method.as_str() {
                "initialize" => initialize(inner, &tables, session, &params),
                "ping" => Ok(json!({})),
                "tools/list" => list(&params, inner, "tools", &tables.tools, |t| {
                    to_value(&t.tool)
                }),
                "resources/list" => {
                    list(&params, inner, "resources", &tables.static_resources, |r| {
                        to_value(&r.as_resource())
                    })
                }
                "resources/templates/list" => list(
                    &params,
                    inner,
                    "resourceTemplates",
                    &tables.templates,
                    |r| to_value(&r.as_template()),
                ),
                "resources/read" => {
                    record_name(&params, "uri");
                    read_resource(&tables, &params, ctx(meta())).await
                }
                "resources/subscribe" => required_str(&params, "uri", &method).map(|uri| {
                    session.subscribe(uri);
                    json!({})
                }),
                "resources/unsubscribe" => required_str(&params, "uri", &method).map(|uri| {
                    session.unsubscribe(uri);
                    json!({})
                }),
                "prompts/list" => list(&params, inner, "prompts", &tables.prompts, |p| {
                    to_value(&p.prompt)
                }),
                "prompts/get" => {
                    record_name(&params, "name");
                    get_prompt(&tables, &params, ctx(meta())).await
                }
                "logging/setLevel" => set_level(session, &params),
                "completion/complete" => complete(&tables, &params, ctx(meta())).await,
                other => Err(ErrorObject::method_not_found(other)),
            };
            value.and_then(|v| raw(&v)).map(|v| (v, false))
        };
        let work = tracing::Instrument::instrument(work, span.clone());
        // A cancelled request is dropped where it waits and gets no response; initialize
        // cannot be cancelled.
        let outcome = if method == "initialize" {
            work.await
        } else {
            let outcome = tokio::select! {
                biased;
                outcome = work => Some(outcome),
                () = token.cancelled() => None,
            };
            match outcome {
                Some(outcome) if !token.is_cancelled() => outcome,
                _ => {
                    tracing::debug!(parent: &span, elapsed_ms = elapsed_ms(started), "request cancelled: no response is sent");
                    return None;
                }
            }
        };
        match &outcome {
            Ok((_, tool_error)) => {
                let outcome = if *tool_error { "tool error" } else { "ok" };
                tracing::debug!(parent: &span, outcome, elapsed_ms = elapsed_ms(started), "request handled")
            }
            // Clients of MCP 2026-07-28 try it first and fall back to `initialize`: that
            // is the protocol working, not a failure.
            Err(e) if method == "server/discover" && e.code == ErrorCode::METHOD_NOT_FOUND => {
                tracing::debug!(parent: &span, outcome = "method not found", "request handled")
            }
            Err(e) => {
                // Also with the request's fields: the span is off unless debug is on.
                tracing::warn!(
                    parent: &span,
                    method = method.as_str(),
                    id = %id,
                    code = e.code,
                    error = %e.message,
                    elapsed_ms = elapsed_ms(started),
                    "request failed"
                )
            }
        }
        Some(Response {
            id: Some(id),
            outcome: outcome.map(|(result, _)| result),
        })
    }

    /// Takes a notification from the client.
    pub(super) fn handle_notification(&self, session: &Session, notification: Notification) {
        match notification.method.as_str() {
            "notifications/initialized" => session.mark_initialized(),
            "notifications/cancelled" => {
                let id = notification
                    .params
                    .as_ref()
                    .and_then(|p| p.get("requestId"));
                match id.map(|v| serde_json::from_value(v.clone())) {
                    Some(Ok(id)) => {
                        if !session.cancel(&id) {
                            tracing::debug!(%id, "cancellation for a request not in flight");
                        }
                    }
                    _ => tracing::warn!("notifications/cancelled without a valid requestId"),
                }
            }
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    /// Takes the client's answer to a request the server sent (sampling, elicitation,
    /// roots). An answer to nothing we asked is logged, never answered (JSON-RPC forbids it).
    pub(super) fn handle_response(&self, session: &Session, response: Response) {
        let routed = match &response.id {
            Some(id) => session.resolve(id, response.outcome),
            None => false,
        };
        if !routed {
            tracing::warn!(id = ?response.id, "response to a request the server did not send (or no longer waits for)");
        }
    }
}

/// Milliseconds since `started`, to the microsecond, for logs.
fn elapsed_ms(started: std::time::Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// Puts the request's subject (`params[key]`) on the current request span.
fn record_name(params: &Params, key: &str) {
    if let Some(name) = params.get(key).and_then(Value::as_str) {
        tracing::Span::current().record("name", name);
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn initialize(
    inner: &ServerInner,
    tables: &Tables,
    session: &Session,
    params: &Params,
) -> MethodResult {
    let requested = params
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ErrorObject::invalid_params("initialize: `protocolVersion` (a string) is required")
        })?;
    let version = ProtocolVersion::parse(requested).unwrap_or(ProtocolVersion::LATEST);
    let client_info = params
        .get("clientInfo")
        .and_then(|v| serde_json::from_value::<Implementation>(v.clone()).ok());
    let client_capabilities = params
        .get("capabilities")
        .cloned()
        .unwrap_or_else(|| json!({}));
    session.set_facts(RequestFacts {
        protocol_version: version,
        client_info,
        client_capabilities,
        log_level: None,
    });
    session.establish();
    let result = InitializeResult {
        protocol_version: version.as_str().to_owned(),
        capabilities: capabilities(tables),
        server_info: inner.info.clone(),
        instructions: inner.instructions.clone(),
    };
    Ok(to_value(&result))
}

fn list<T>(
    params: &Params,
    inner: &ServerInner,
    key: &str,
    items: &[T],
    show: impl Fn(&T) -> Value,
) -> MethodResult {
    let start = match params.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(Value::String(c)) => {
            decode_cursor(c)
                .filter(|&n| n <= items.len())
                .ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "invalid cursor {c:?}: pass back a nextCursor you received"
                    ))
                })?
        }
        Some(_) => return Err(ErrorObject::invalid_params("`cursor` must be a string")),
    };
    let end = (start + inner.limits.page_size).min(items.len());
    let mut result = Map::new();
    result.insert(key.to_owned(), items[start..end].iter().map(show).collect());
    if end < items.len() {
        result.insert("nextCursor".into(), Value::String(encode_cursor(end)));
    }
    Ok(Value::Object(result))
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn required_str<'a>(params: &'a Params, key: &str, method: &str) -> Result<&'a str, ErrorObject> {
    params.get(key).and_then(Value::as_str).ok_or_else(|| {
        ErrorObject::invalid_params(format!("{method}: `{key}` (a string) is required"))
    })
}

fn object_param(
    params: &Params,
    key: &str,
    method: &str,
) -> Result<Map<String, Value>, ErrorObject> {
    object_value(params.get(key).cloned(), key, method)
}

fn object_value(
    value: Option<Value>,
    key: &str,
    method: &str,
) -> Result<Map<String, Value>, ErrorObject> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(ErrorObject::invalid_params(format!(
            "{method}: `{key}` must be an object"
        ))),
    }
}

fn panic_message(panic: Box<dyn Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

fn parse_params(raw: Option<&RawValue>, method: &str) -> Result<Params, ErrorObject> {
    read_params(raw)
        .map_err(|e| ErrorObject::invalid_params(format!("{method}: invalid params: {e}")))
}

/// The parameters of `tools/call`, read straight from the request's text.
#[derive(serde::Deserialize)]
struct CallToolParams<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<Members<'a>>,
    #[serde(default, rename = "_meta")]
    meta: Option<Meta>,
}

/// The tool a `tools/call` names, its arguments and its `_meta`. The parameters are read
/// once, in place: the arguments keep the parameters' text and where each one is in it.
fn read_call(
    tables: &Tables,
    raw_params: Option<Box<RawValue>>,
) -> Result<(&ToolDef, ToolArguments, Option<Meta>), ErrorObject> {
    let typed = raw_params.as_deref().and_then(|raw| {
        let p = serde_json::from_str::<CallToolParams<'_>>(raw.get()).ok()?;
        let spans = p.arguments.map(|found| Spans::of(raw.get(), found));
        Some((find_tool(tables, &p.name), spans, p.meta))
    });
    if let Some((def, spans, meta)) = typed {
        let args = match (spans.transpose(), raw_params) {
            (Ok(Some(spans)), Some(raw)) => ToolArguments::from_spans(raw.into(), spans),
            (Ok(_), _) => ToolArguments::default(),
            (Err(_), _) => {
                return Err(ErrorObject::invalid_params(
                    "tools/call: `arguments` must be an object",
                ));
            }
        };
        return Ok((def?, args, meta));
    }
    // Missing or malformed parameters: read them loosely, to say precisely what is wrong
    // (a `_meta` that is not an object is ignored, as for every method).
    let mut params = parse_params(raw_params.as_deref(), "tools/call")?;
    let args = params.remove("arguments");
    let name = required_str(&params, "name", "tools/call")?;
    let args = ToolArguments::from_map(&object_value(args, "arguments", "tools/call")?);
    let meta = params.get("_meta").and_then(Value::as_object).cloned();
    Ok((find_tool(tables, name)?, args, meta))
}

fn find_tool<'t>(tables: &'t Tables, name: &str) -> Result<&'t ToolDef, ErrorObject> {
    tables
        .tool(name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown tool: {name}")))
}

async fn call_tool(
    tables: &Tables,
    raw_params: Option<Box<RawValue>>,
    ctx: impl FnOnce(Option<Meta>) -> Context,
    id: &crate::protocol::RequestId,
) -> Result<(Box<RawValue>, bool), ErrorObject> {
    let (def, args, meta) = read_call(tables, raw_params)?;
    let name = def.tool.name.as_str();
    tracing::Span::current().record("name", name);
    if let Some(message) = unknown_argument(def.declared.as_deref(), &args) {
        tracing::warn!(method = "tools/call", %id, name, error = %message, "tool call refused");
        return raw(&CallToolResult::error(message)).map(|r| (r, true));
    }
    let outcome = match AssertUnwindSafe((def.call)(ctx(meta), args))
        .catch_unwind()
        .await
    {
        Ok(outcome) => outcome,
        Err(panic) => {
            let msg = panic_message(panic);
            tracing::error!(method = "tools/call", %id, name, panic = %msg, "tool panicked");
            CallToolResult::error(format!("tool `{name}` failed: it panicked: {msg}")).into()
        }
    };
    match outcome.0 {
        Outcome::Structured(json) => structured_result(json, def.wrap_output).map(|r| (r, false)),
        Outcome::Result(mut result) => {
            if result.is_error() {
                let text = result.content.iter().find_map(|c| c.as_text());
                tracing::warn!(
                    method = "tools/call",
                    %id,
                    name,
                    error = text.unwrap_or("(no text)"),
                    "tool returned an error"
                );
            }
            if def.wrap_output
                && let Some(value) = result.structured_content.take()
            {
                let mut wrapped = Map::with_capacity(1);
                wrapped.insert("result".to_owned(), value);
                result.structured_content = Some(Value::Object(wrapped));
            }
            raw(&result).map(|r| (r, result.is_error()))
        }
    }
}

/// The result of a tool that returned structured content: the content, wrapped as
/// `{"result": ...}` when `wrap`, and its compact JSON as the text copy (as the spec
/// advises), written around the JSON text: no `Value`, no second serialization.
fn structured_result(mut json: String, wrap: bool) -> Result<Box<RawValue>, ErrorObject> {
    if wrap {
        json.insert_str(0, r#"{"result":"#);
        json.push('}');
    }
    const FRAME: usize = r#"{"content":[{"type":"text","text":""}],"structuredContent":}"#.len();
    // Exact, so that the text becomes a `RawValue` without reallocating.
    let mut out = Vec::with_capacity(FRAME + escaped_len(&json) + json.len());
    out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
    serde_json::to_writer(&mut out, json.as_str()).map_err(internal)?;
    out.extend_from_slice(br#"}],"structuredContent":"#);
    out.extend_from_slice(json.as_bytes());
    out.push(b'}');
    let out = String::from_utf8(out).map_err(internal)?;
    // SAFETY: `out` is one JSON object with no surrounding whitespace: constant text, a
    // string literal serde_json wrote, and `json`, which serde_json's serializer wrote
    // (`ToolOutcome::structured` is the only maker of `Outcome::Structured`), alone or
    // as the value of a one-member object. Debug builds re-parse it to check.
    Ok(unsafe { RawValue::from_string_unchecked(out) })
}

/// The length of `text` escaped as serde_json escapes a string's contents.
fn escaped_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

fn internal(e: impl std::fmt::Display) -> ErrorObject {
    ErrorObject::internal(format!("the result could not be written: {e}"))
}

/// An argument the tool's schema does not declare: the model most likely misspelled one.
fn unknown_argument(declared: Option<&[String]>, args: &ToolArguments) -> Option<String> {
    let declared = declared?;
    // A tool has few parameters: a scan beats hashing each name.
    let unknown = args.names().find(|k| !declared.iter().any(|d| d == k))?;
    let expected: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
    Some(if expected.is_empty() {
        format!("unknown argument `{unknown}`: this tool takes no arguments")
    } else {
        format!(
            "unknown argument `{unknown}`: expected {}",
            expected.join(", ")
        )
    })
}

async fn read_resource(tables: &Tables, params: &Params, ctx: Context) -> MethodResult {
    let uri = required_str(params, "uri", "resources/read")?;
    let exact = tables
        .static_resources
        .iter()
        .find(|r| r.template.as_str() == uri);
    let found = exact.map(|r| (r, Vec::new())).or_else(|| {
        tables
            .templates
            .iter()
            .find_map(|t| t.template.matches(uri).map(|vars| (t, vars)))
    });
    let Some((def, vars)) = found else {
        return Err(
            ErrorObject::resource_not_found(format!("Resource not found: {uri}"))
                .with_data(json!({ "uri": uri })),
        );
    };
    let request = ResourceRequest {
        uri: uri.to_owned(),
        vars,
    };
    let contents = match AssertUnwindSafe((def.read)(ctx, request))
        .catch_unwind()
        .await
    {
        Ok(Ok(contents)) => contents,
        Ok(Err(mut e)) => {
            if e.code == crate::protocol::ErrorCode::RESOURCE_NOT_FOUND && e.data.is_none() {
                e.data = Some(json!({ "uri": uri }));
            }
            return Err(e);
        }
        Err(panic) => {
            let msg = panic_message(panic);
            tracing::error!(uri, panic = %msg, "resource panicked");
            return Err(ErrorObject::internal(format!(
                "reading {uri} failed: it panicked: {msg}"
            )));
        }
    };
    Ok(to_value(&ReadResourceResult {
        contents,
        meta: None,
    }))
}

async fn get_prompt(tables: &Tables, params: &Params, ctx: Context) -> MethodResult {
    let name = required_str(params, "name", "prompts/get")?;
    let def = tables
        .prompt(name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {name}")))?;
    let args = object_param(params, "arguments", "prompts/get")?;
    let declared = def.prompt.arguments.as_deref().unwrap_or_default();
    if let Some(unknown) = args
        .keys()
        .find(|k| !declared.iter().any(|a| &a.name == *k))
    {
        let expected: Vec<&str> = declared.iter().map(|a| a.name.as_str()).collect();
        return Err(ErrorObject::invalid_params(format!(
            "prompt `{name}` has no argument `{unknown}`; its arguments are: {}",
            if expected.is_empty() {
                "none".to_owned()
            } else {
                expected.join(", ")
            }
        )));
    }
    match AssertUnwindSafe((def.get)(ctx, args)).catch_unwind().await {
        Ok(Ok(mut result)) => {
            if result.description.is_none() {
                result.description = def.prompt.description.clone();
            }
            Ok(to_value(&result))
        }
        Ok(Err(e)) => Err(e),
        Err(panic) => {
            let msg = panic_message(panic);
            tracing::error!(prompt = name, panic = %msg, "prompt panicked");
            Err(ErrorObject::internal(format!(
                "prompt `{name}` failed: it panicked: {msg}"
            )))
        }
    }
}

fn set_level(session: &Session, params: &Params) -> MethodResult {
    let level = params.get("level").cloned().unwrap_or(Value::Null);
    let level: LoggingLevel = serde_json::from_value(level.clone()).map_err(|_| {
        ErrorObject::invalid_params(format!(
            "logging/setLevel: invalid `level` {level}: use debug, info, notice, warning, error, critical, alert or emergency"
        ))
    })?;
    session.set_log_level(level);
    Ok(json!({}))
}

async fn complete(tables: &Tables, params: &Params, ctx: Context) -> MethodResult {
    let method = "completion/complete";
    let reference = params
        .get("ref")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ErrorObject::invalid_params(format!("{method}: `ref` (an object) is required"))
        })?;
    let argument = params
        .get("argument")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ErrorObject::invalid_params(format!("{method}: `argument` (an object) is required"))
        })?;
    let arg_name = required_str(argument, "name", method)?;
    let value = argument
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let completers = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => {
            let name = required_str(reference, "name", method)?;
            &tables
                .prompt(name)
                .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {name}")))?
                .completers
        }
        Some("ref/resource") => {
            let uri = required_str(reference, "uri", method)?;
            &tables
                .template(uri)
                .ok_or_else(|| {
                    ErrorObject::invalid_params(format!("Unknown resource template: {uri}"))
                })?
                .completers
        }
        other => {
            return Err(ErrorObject::invalid_params(format!(
                "{method}: `ref.type` must be \"ref/prompt\" or \"ref/resource\", not {}",
                other.unwrap_or("missing")
            )));
        }
    };
    let completion = match completers
        .iter()
        .find(|(n, _)| n == arg_name)
        .map(|(_, c)| c)
    {
        None => Completion::new(Vec::<String>::new()),
        Some(Completer::Values(values)) => {
            let prefix = value.to_lowercase();
            Completion::new(
                values
                    .iter()
                    .filter(|v| v.to_lowercase().starts_with(&prefix))
                    .cloned(),
            )
        }
        Some(Completer::Function(f)) => {
            let mut c = f(ctx, value).await;
            if c.values.len() > Completion::MAX_VALUES {
                c = Completion::new(c.values);
            }
            c
        }
    };
    Ok(json!({ "completion": completion }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_len_is_what_serde_json_writes() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for text in [
            "",
            r#"{"result":5}"#,
            "tab\tquote\"back\\slash",
            "é ∑ 🦀",
            every_ascii.as_str(),
        ] {
            let quoted = serde_json::to_string(text).unwrap();
            assert_eq!(escaped_len(text) + 2, quoted.len(), "{text:?}");
        }
    }

    #[test]
    fn a_structured_result_carries_its_json_as_text() {
        let wrapped = structured_result("[1,\"two\"]".to_owned(), true).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(wrapped.get()).unwrap(),
            json!({
                "content": [{ "type": "text", "text": r#"{"result":[1,"two"]}"# }],
                "structuredContent": { "result": [1, "two"] }
            })
        );
        let object = structured_result(r#"{"a":"\n"}"#.to_owned(), false).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(object.get()).unwrap(),
            json!({
                "content": [{ "type": "text", "text": "{\"a\":\"\\n\"}" }],
                "structuredContent": { "a": "\n" }
            })
        );
    }
}
