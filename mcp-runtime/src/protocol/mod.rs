//! The wire format: JSON-RPC framing, MCP's data types, and its methods (a name, a
//! params type and a result type each). Pure data, no behaviour.

mod capabilities;
mod features;
mod jsonrpc;
mod methods;
mod modern;
mod params;
mod types;
mod version;

pub use capabilities::*;
pub use features::*;
pub use jsonrpc::*;
pub use methods::*;
pub use modern::*;
pub use params::*;
pub use types::*;
pub use version::ProtocolVersion;

use serde_json::Value;

impl ErrorObject {
    /// An error with this code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches `data`.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// -32602: the parameters are wrong.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        ErrorObject::new(ErrorCode::INVALID_PARAMS, message)
    }

    /// -32603: something failed inside the server.
    pub fn internal(message: impl Into<String>) -> Self {
        ErrorObject::new(ErrorCode::INTERNAL_ERROR, message)
    }

    /// -32601: no such method.
    pub fn method_not_found(method: &str) -> Self {
        ErrorObject::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// -32022: the request's protocol version is not one the server speaks; `data` lists
    /// the ones it does.
    pub fn unsupported_version(requested: &str) -> Self {
        let supported: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
        ErrorObject::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            format!(
                "Unsupported protocol version {requested:?}: this server speaks {}",
                supported.join(", ")
            ),
        )
        .with_data(serde_json::json!({ "supported": supported, "requested": requested }))
    }

    /// -32021: handling the request needs client capabilities it did not declare;
    /// `required` names them (as a `ClientCapabilities` object).
    pub fn missing_capability(required: &[&str]) -> Self {
        let caps: serde_json::Map<String, Value> = required
            .iter()
            .map(|c| ((*c).to_owned(), Value::Object(Default::default())))
            .collect();
        ErrorObject::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!(
                "Missing required client capability: this request needs {}; declare it in _meta[\"io.modelcontextprotocol/clientCapabilities\"]",
                required.join(", ")
            ),
        )
        .with_data(serde_json::json!({ "requiredCapabilities": caps }))
    }

    /// -32021 (Missing Required Client Capability, MCP 2026-07-28) for the extension
    /// `id`, with `data.requiredCapabilities.extensions[id]`.
    pub fn missing_extension(id: &str) -> Self {
        ErrorObject::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!(
                "Missing required client capability: this request needs the extension {id}; declare it in _meta[\"io.modelcontextprotocol/clientCapabilities\"].extensions (MCP 2026-07-28)"
            ),
        )
        .with_data(serde_json::json!({ "requiredCapabilities": { "extensions": { id: {} } } }))
    }

    /// -32002: no such resource.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        ErrorObject::new(ErrorCode::RESOURCE_NOT_FOUND, message)
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for ErrorObject {}

impl From<String> for ErrorObject {
    fn from(message: String) -> Self {
        ErrorObject::internal(message)
    }
}

impl From<&str> for ErrorObject {
    fn from(message: &str) -> Self {
        ErrorObject::internal(message)
    }
}

impl From<std::io::Error> for ErrorObject {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => ErrorObject::resource_not_found(e.to_string()),
            _ => ErrorObject::internal(e.to_string()),
        }
    }
}
