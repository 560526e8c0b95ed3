//! JSON-RPC 2.0 framing: the envelope every MCP message travels in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// A request id: MCP allows strings and integers, never `null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
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
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Correlates the response with this request.
    pub id: RequestId,
    /// The method, e.g. `tools/call`.
    pub method: String,
    /// The parameters, an object when present.
    pub params: Option<Map<String, Value>>,
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
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The id of the request answered; absent only when the request's id could not be read.
    pub id: Option<RequestId>,
    /// The result or the error.
    pub outcome: Result<Value, ErrorObject>,
}

impl Response {
    /// A successful response.
    pub fn result(id: RequestId, result: Value) -> Self {
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

/// The error member of an error response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`ErrorCode`](crate::ErrorCode)).
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
                Some(id) => Message::Request(Request { id, method, params }),
                None => Message::Notification(Notification { method, params }),
            });
        }
        let outcome = match (obj.remove("result"), obj.remove("error")) {
            (Some(result), None) => Ok(result),
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
    params: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
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
                env.params = r.params.as_ref();
            }
            Message::Notification(n) => {
                env.method = Some(&n.method);
                env.params = n.params.as_ref();
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
