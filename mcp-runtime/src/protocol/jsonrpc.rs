//! JSON-RPC 2.0 framing: the envelope every MCP message travels in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;

/// A request id: MCP allows strings and integers, never `null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

// By hand rather than `#[serde(untagged)]`, which buffers the value before trying each
// variant: ids are decoded with every message.
impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = RequestId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<RequestId, E> {
                Ok(RequestId::Number(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<RequestId, E> {
                i64::try_from(n)
                    .map(RequestId::Number)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }
            // JSON's `-0` is an integer, but it has no i64 form: serde_json reads it as the
            // float -0.0. It is the integer 0; any other float is refused.
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<RequestId, E> {
                if n == 0.0 {
                    Ok(RequestId::Number(0))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Float(n), &self))
                }
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RequestId, E> {
                Ok(RequestId::String(s.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<RequestId, E> {
                Ok(RequestId::String(s))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A request: a method call that expects a response with the same id.
#[derive(Clone, Debug)]
pub struct Request {
    /// Correlates the response with this request.
    pub id: RequestId,
    /// The method, e.g. `tools/call`.
    pub method: String,
    /// The parameters (a JSON object when present) as the text they arrived as: each
    /// method reads them into its own type, without an intermediate `Value`.
    pub params: Option<Box<RawValue>>,
}

impl Request {
    /// A request whose parameters are `params` (an object).
    pub fn new(
        id: RequestId,
        method: impl Into<String>,
        params: Option<&Map<String, Value>>,
    ) -> Self {
        Request {
            id,
            method: method.into(),
            // A map of JSON values always serializes.
            params: params.and_then(|p| serde_json::value::to_raw_value(p).ok()),
        }
    }

    /// The parameters as a map (empty when absent).
    pub fn params_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        read_params(self.params.as_deref())
    }
}

/// Raw parameters as a map (empty when absent).
pub(crate) fn read_params(raw: Option<&RawValue>) -> Result<Map<String, Value>, serde_json::Error> {
    match raw {
        Some(raw) => serde_json::from_str(raw.get()),
        None => Ok(Map::new()),
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.method == other.method
            && self.params.as_ref().map(|p| p.get()) == other.params.as_ref().map(|p| p.get())
    }
}

/// A notification: a one-way message, never answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// The method, e.g. `notifications/initialized`.
    pub method: String,
    /// The parameters, an object when present.
    pub params: Option<Map<String, Value>>,
}

/// A response: the result of a request, or its error.
#[derive(Clone, Debug)]
pub struct Response {
    /// The id of the request answered; absent only when the request's id could not be read.
    pub id: Option<RequestId>,
    /// The result, as the JSON text it travels as (a result is serialized once, straight
    /// from the handler's type, and read by whoever needs it typed), or the error.
    pub outcome: Result<Box<RawValue>, ErrorObject>,
}

impl PartialEq for Response {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && match (&self.outcome, &other.outcome) {
                (Ok(a), Ok(b)) => a.get() == b.get(),
                (Err(a), Err(b)) => a == b,
                _ => false,
            }
    }
}

impl Response {
    /// A successful response.
    pub fn result(id: RequestId, result: Box<RawValue>) -> Self {
        Response {
            id: Some(id),
            outcome: Ok(result),
        }
    }

    /// An error response.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Response {
            id,
            outcome: Err(error),
        }
    }
}

/// Any JSON-RPC message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response (result or error).
    Response(Response),
}

/// `value` as raw JSON; an internal error when it cannot be serialized.
pub(crate) fn raw<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, ErrorObject> {
    serde_json::value::to_raw_value(value)
        .map_err(|e| ErrorObject::internal(format!("the result could not be serialized: {e}")))
}

/// The error member of an error response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`ErrorCode`](crate::protocol::ErrorCode)).
    pub code: i64,
    /// A short, human-readable description.
    pub message: String,
    /// Extra information about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The JSON-RPC and MCP error codes.
pub struct ErrorCode;

impl ErrorCode {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// MCP: the requested resource does not exist.
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// The session or connection ended before the request was answered: the session was
    /// deleted or expired, or the server shut down (the code the official TypeScript SDK
    /// uses for a closed connection).
    pub const CONNECTION_CLOSED: i64 = -32000;
    /// MCP 2026-07-28, Streamable HTTP: a header does not match the body, or a required
    /// header is missing or malformed.
    pub const HEADER_MISMATCH: i64 = -32020;
    /// MCP 2026-07-28: the request needs a client capability it did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// MCP 2026-07-28: the request's protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
    /// This server: the access token lacks a scope the tool, resource or prompt requires
    /// (`data.requiredScopes`; over HTTP, 403 with `error="insufficient_scope"`). MCP
    /// defines no code for it; this one is in JSON-RPC's range for servers.
    pub const INSUFFICIENT_SCOPE: i64 = -32003;
}

/// A message that could not be decoded, with the response it deserves.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// The id, when the message had a readable one.
    pub id: Option<RequestId>,
    /// The error to answer with.
    pub error: ErrorObject,
}

impl DecodeError {
    fn new(id: Option<RequestId>, code: i64, message: impl Into<String>) -> Self {
        DecodeError {
            id,
            error: ErrorObject {
                code,
                message: message.into(),
                data: None,
            },
        }
    }

    /// The error response to send back.
    pub fn into_response(self) -> Response {
        tracing::warn!(
            id = ?self.id,
            code = self.error.code,
            error = %self.error.message,
            "invalid message from the client"
        );
        Response::error(self.id, self.error)
    }
}

/// A decoded payload: one message or a batch (JSON-RPC batches are part of MCP 2025-03-26).
#[derive(Debug)]
pub enum Payload {
    /// One message.
    Single(Result<Message, DecodeError>),
    /// A batch of messages.
    Batch(Vec<Result<Message, DecodeError>>),
}

impl Payload {
    /// Decodes one frame of bytes (a stdio line or an HTTP body).
    pub fn decode(bytes: &[u8]) -> Payload {
        // The common case, one well-formed message, is decoded straight from the text;
        // anything else (a batch, a malformed or duplicated member) takes the slower path
        // through `Value`, which says precisely what is wrong.
        if let Ok(envelope) = serde_json::from_slice::<Incoming<'_>>(bytes)
            && let Some(message) = envelope.into_message()
        {
            return Payload::Single(Ok(message));
        }
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                return Payload::Single(Err(DecodeError::new(
                    None,
                    ErrorCode::PARSE_ERROR,
                    format!("Parse error: {e}"),
                )));
            }
        };
        match value {
            Value::Array(items) if !items.is_empty() => {
                Payload::Batch(items.into_iter().map(Message::from_value).collect())
            }
            Value::Array(_) => Payload::Single(Err(DecodeError::new(
                None,
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: an empty batch",
            ))),
            other => Payload::Single(Message::from_value(other)),
        }
    }
}

impl Message {
    /// Classifies a JSON value as a request, notification or response, checking the envelope.
    // The error is the rare path and is answered at once; boxing it would cost the common path.
    #[allow(clippy::result_large_err)]
    pub fn from_value(value: Value) -> Result<Message, DecodeError> {
        let Value::Object(mut obj) = value else {
            return Err(DecodeError::new(
                None,
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: a JSON-RPC message must be an object",
            ));
        };
        let id = match obj.remove("id") {
            None => None,
            Some(raw) => match RequestId::deserialize(&raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    return Err(DecodeError::new(
                        None,
                        ErrorCode::INVALID_REQUEST,
                        format!("Invalid Request: `id` must be a string or an integer, not {raw}"),
                    ));
                }
            },
        };
        let invalid = |msg: String| DecodeError::new(id.clone(), ErrorCode::INVALID_REQUEST, msg);
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(invalid("Invalid Request: `jsonrpc` must be \"2.0\"".into()));
        }
        let params = match obj.remove("params") {
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(invalid(format!(
                    "Invalid Request: `params` must be an object, not {}",
                    type_name(&other)
                )));
            }
        };
        if let Some(method) = obj.remove("method") {
            let Value::String(method) = method else {
                return Err(invalid("Invalid Request: `method` must be a string".into()));
            };
            return Ok(match id {
                Some(id) => Message::Request(Request::new(id, method, params.as_ref())),
                None => Message::Notification(Notification { method, params }),
            });
        }
        let outcome = match (obj.remove("result"), obj.remove("error")) {
            (Some(result), None) => Ok(raw(&result).map_err(|e| invalid(e.message))?),
            (None, Some(error)) => Err(ErrorObject::deserialize(error)
                .map_err(|e| invalid(format!("Invalid Request: malformed `error`: {e}")))?),
            _ => {
                return Err(invalid(
                    "Invalid Request: a message needs `method`, or exactly one of `result` and `error`"
                        .into(),
                ));
            }
        };
        Ok(Message::Response(Response { id, outcome }))
    }
}

/// A well-formed message as it arrives. Members are strict where `Option` would blur a
/// difference: `"id": null` is not an absent id, `"params": null` is not absent params, and
/// `"result": null` is a result.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(borrow)]
    jsonrpc: std::borrow::Cow<'a, str>,
    #[serde(default, deserialize_with = "present")]
    id: Option<RequestId>,
    // `"method": null` must not read as an absent method (a response): it is an invalid
    // request, which the `Value` path answers.
    #[serde(default, deserialize_with = "present")]
    method: Option<String>,
    #[serde(default, deserialize_with = "present")]
    params: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "present")]
    error: Option<ErrorObject>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Incoming<'_> {
    /// The message, or `None` when the envelope is invalid (the `Value` path then says why).
    fn into_message(self) -> Option<Message> {
        if self.jsonrpc != "2.0" {
            return None;
        }
        let Incoming {
            id,
            method,
            params,
            result,
            error,
            ..
        } = self;
        // Parameters must be an object (the `Value` path says so when they are not).
        if params.as_ref().is_some_and(|p| !p.get().starts_with('{')) {
            return None;
        }
        Some(match (method, id) {
            (Some(method), Some(id)) => Message::Request(Request { id, method, params }),
            (Some(method), None) => Message::Notification(Notification {
                method,
                params: match params {
                    Some(raw) => Some(serde_json::from_str(raw.get()).ok()?),
                    None => None,
                },
            }),
            (None, id) => {
                let outcome = match (result, error) {
                    (Some(result), None) => Ok(result),
                    (None, Some(error)) => Err(error),
                    _ => return None,
                };
                Message::Response(Response { id, outcome })
            }
        })
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<Params<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
}

/// A request's parameters travel raw; a notification's as a map.
#[derive(Serialize)]
#[serde(untagged)]
enum Params<'a> {
    Raw(&'a RawValue),
    Map(&'a Map<String, Value>),
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut env = Envelope {
            jsonrpc: "2.0",
            id: None,
            method: None,
            params: None,
            result: None,
            error: None,
        };
        match self {
            Message::Request(r) => {
                env.id = Some(&r.id);
                env.method = Some(&r.method);
                env.params = r.params.as_deref().map(Params::Raw);
            }
            Message::Notification(n) => {
                env.method = Some(&n.method);
                env.params = n.params.as_ref().map(Params::Map);
            }
            Message::Response(r) => {
                env.id = r.id.as_ref();
                match &r.outcome {
                    Ok(v) => env.result = Some(v),
                    Err(e) => env.error = Some(e),
                }
            }
        }
        env.serialize(s)
    }
}

impl Message {
    /// Writes the message as JSON into `out`, as [`Message::to_json`] makes it, without
    /// a buffer of its own.
    pub fn write_json(&self, mut out: impl std::io::Write) -> serde_json::Result<()> {
        let Message::Response(Response {
            id: Some(id),
            outcome: Ok(result),
        }) = self
        else {
            return serde_json::to_writer(out, self);
        };
        out.write_all(br#"{"jsonrpc":"2.0","id":"#)
            .map_err(serde_json::Error::io)?;
        serde_json::to_writer(&mut out, id)?;
        out.write_all(br#","result":"#)
            .map_err(serde_json::Error::io)?;
        out.write_all(result.get().as_bytes())
            .map_err(serde_json::Error::io)?;
        out.write_all(b"}").map_err(serde_json::Error::io)
    }

    /// The message as JSON, exactly as serde would write it. A result response (what a
    /// server sends most) is written directly around its raw result: no serializer walks
    /// the envelope's keys.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let Message::Response(Response {
            id: Some(id),
            outcome: Ok(result),
        }) = self
        else {
            return serde_json::to_vec(self);
        };
        let result = result.get().as_bytes();
        const ENVELOPE: usize = r#"{"jsonrpc":"2.0","id":,"result":}"#.len();
        // Exact for an integer id, so that the buffer becomes `Bytes` without another
        // allocation; a string id may grow it.
        let id_len = match id {
            RequestId::Number(n) => {
                n.unsigned_abs()
                    .checked_ilog10()
                    .map_or(1, |d| d as usize + 1)
                    + usize::from(*n < 0)
            }
            RequestId::String(s) => s.len() + 2,
        };
        let mut out = Vec::with_capacity(ENVELOPE + id_len + result.len());
        out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        serde_json::to_writer(&mut out, id)?;
        out.extend_from_slice(br#","result":"#);
        out.extend_from_slice(result);
        out.push(b'}');
        Ok(out)
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Message::from_value(value).map_err(|e| D::Error::custom(e.error.message))
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Notification> for Message {
    fn from(n: Notification) -> Self {
        Message::Notification(n)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn to_json_writes_what_serde_writes() {
        let result = |json: &str| RawValue::from_string(json.to_owned()).unwrap();
        let messages = [
            Message::Response(Response::result(
                RequestId::Number(7),
                result(r#"{"a":[1,"x"]}"#),
            )),
            Message::Response(Response::result(RequestId::Number(-3), result("{}"))),
            Message::Response(Response::result(RequestId::Number(0), result("[]"))),
            Message::Response(Response::result(RequestId::Number(i64::MIN), result("1"))),
            Message::Response(Response::result(RequestId::Number(i64::MAX), result("1"))),
            Message::Response(Response::result(RequestId::Number(1000), result("1"))),
            Message::Response(Response::result(
                RequestId::String("q\"uo\\te\u{1}é".into()),
                result(r#"{"s":"\"\u0000"}"#),
            )),
            Message::Response(Response::error(
                Some(RequestId::Number(1)),
                ErrorObject::new(-32601, "no such method"),
            )),
            Message::Response(Response::error(None, ErrorObject::new(-32700, "parse"))),
            Message::Request(Request::new(RequestId::Number(2), "ping", None)),
            Message::Notification(Notification {
                method: "notifications/message".into(),
                params: json!({ "level": "info", "data": "hi" })
                    .as_object()
                    .cloned(),
            }),
        ];
        for message in &messages {
            let direct = message.to_json().unwrap();
            let mut written = Vec::new();
            message.write_json(&mut written).unwrap();
            assert_eq!(written, direct, "write_json writes what to_json makes");
            if let Message::Response(Response {
                id: Some(RequestId::Number(_)),
                outcome: Ok(_),
            }) = message
            {
                assert_eq!(
                    direct.len(),
                    direct.capacity(),
                    "exact size for integer ids"
                );
            }
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                serde_json::to_string(message).unwrap()
            );
        }
    }

    #[test]
    fn classifies_messages() {
        let req = Message::from_value(json!({"jsonrpc":"2.0","id":1,"method":"ping"})).unwrap();
        assert!(matches!(
            req,
            Message::Request(Request {
                id: RequestId::Number(1),
                ..
            })
        ));
        let note = Message::from_value(json!({"jsonrpc":"2.0","method":"x"})).unwrap();
        assert!(matches!(note, Message::Notification(_)));
        let resp = Message::from_value(json!({"jsonrpc":"2.0","id":"a","result":{}})).unwrap();
        assert!(matches!(
            resp,
            Message::Response(Response { outcome: Ok(_), .. })
        ));
    }

    #[test]
    fn negative_zero_is_the_integer_zero() {
        for text in [
            r#"{"jsonrpc":"2.0","id":-0,"method":"ping"}"#,
            r#"[{"jsonrpc":"2.0","id":-0,"method":"ping"}]"#,
        ] {
            let message = match Payload::decode(text.as_bytes()) {
                Payload::Single(m) => m,
                Payload::Batch(mut ms) => ms.remove(0),
            };
            match message {
                Ok(Message::Request(r)) => assert_eq!(r.id, RequestId::Number(0), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let Payload::Single(Err(e)) =
            Payload::decode(br#"{"jsonrpc":"2.0","id":0.5,"method":"ping"}"#)
        else {
            panic!("a fractional id is refused");
        };
        assert_eq!(e.id, None);
    }

    #[test]
    fn a_method_that_is_not_a_string_is_an_invalid_request_with_its_id() {
        for text in [
            r#"{"jsonrpc":"2.0","id":1,"method":null,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":7,"error":{"code":1,"message":"x"}}"#,
        ] {
            let Payload::Single(Err(e)) = Payload::decode(text.as_bytes()) else {
                panic!("{text} is not a valid message");
            };
            assert_eq!(e.id, Some(RequestId::Number(1)), "{text}");
            assert_eq!(e.error.code, ErrorCode::INVALID_REQUEST, "{text}");
            assert!(e.error.message.contains("method"), "{text}: {e:?}");
        }
    }

    #[test]
    fn rejects_bad_envelopes() {
        let null_id = Message::from_value(json!({"jsonrpc":"2.0","id":null,"method":"ping"}));
        assert_eq!(null_id.unwrap_err().error.code, ErrorCode::INVALID_REQUEST);
        let no_version = Message::from_value(json!({"id":1,"method":"ping"})).unwrap_err();
        assert_eq!(no_version.id, Some(RequestId::Number(1)));
        let array_params =
            Message::from_value(json!({"jsonrpc":"2.0","id":1,"method":"x","params":[1]}));
        assert!(array_params.unwrap_err().error.message.contains("an array"));
        assert!(
            matches!(Payload::decode(b"{nope"), Payload::Single(Err(e)) if e.error.code == ErrorCode::PARSE_ERROR)
        );
    }

    /// The direct decode of a single message agrees with the `Value` path on every edge
    /// of the envelope, errors included.
    #[test]
    fn direct_decode_agrees_with_the_value_path() {
        let cases = [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2}}}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"ping"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"m","data":[1]}}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":-3,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            r#"{"id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":{"deep":[1,2]}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"a\u00e9"}"#,
            r#"  {"jsonrpc":"2.0","id":1,"method":"ping"}  "#,
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params" :  {"a": [1, {"b": null}]} }"#,
            r#"{"jsonrpc":"2.0","method":"x","params":{"a":1}}"#,
            r#"{"jsonrpc":"2.0","method":"x","params":"text"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{},"params":{"a":1}}"#,
        ];
        for case in cases {
            let direct = match Payload::decode(case.as_bytes()) {
                Payload::Single(m) => m,
                Payload::Batch(_) => panic!("{case}: decoded as a batch"),
            };
            let value: Value = serde_json::from_str(case).unwrap();
            // Compared as JSON: raw parameters keep the sender's spacing.
            let as_json = |m: Result<Message, DecodeError>| match m {
                Ok(m) => Ok((
                    std::mem::discriminant(&m),
                    serde_json::to_value(&m).unwrap(),
                )),
                Err(e) => Err(format!("{e:?}")),
            };
            assert_eq!(
                as_json(direct),
                as_json(Message::from_value(value)),
                "{case}"
            );
        }
    }

    #[test]
    fn serializes_round_trip() {
        let msg = Message::Response(Response::error(
            None,
            ErrorObject {
                code: -32700,
                message: "bad".into(),
                data: None,
            },
        ));
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            text,
            r#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"bad"}}"#
        );
    }
}
