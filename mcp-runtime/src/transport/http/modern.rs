//! Streamable HTTP for MCP 2026-07-28: the request headers that mirror the body
//! (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*` from `x-mcp-header`)
//! must match it, or the request is refused with 400 and -32020 (HeaderMismatch).

use crate::protocol::{
    CallTool, ErrorCode, ErrorObject, GetPrompt, Method as _, ReadResource, Request,
};
use crate::server::Server;
use crate::server::tasks;
use base64::Engine as _;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// What the headers of a modern request are checked against, read once from its params
/// (borrowed from their text).
#[derive(Deserialize, Default)]
pub(super) struct Fields<'a> {
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    uri: Option<&'a RawValue>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    /// `tasks/get`, `tasks/update`, `tasks/cancel` (the tasks extension).
    #[serde(borrow, default, rename = "taskId")]
    task_id: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "_meta")]
    meta: Option<MetaFields<'a>>,
}

#[derive(Deserialize, Default)]
struct MetaFields<'a> {
    #[serde(borrow, default, rename = "io.modelcontextprotocol/protocolVersion")]
    version: Option<&'a RawValue>,
}

impl Fields<'_> {
    /// The protocol version the `_meta` names, as text (a JSON string's value, else the
    /// JSON itself).
    pub(super) fn version(&self) -> Option<String> {
        let raw = self.meta.as_ref()?.version?;
        Some(serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_owned()))
    }
}

/// The fields of a request whose `_meta` names a protocol version (a modern request);
/// `None` for a legacy one.
pub(super) fn read(request: &Request) -> Option<(Fields<'_>, String)> {
    let params = request.params.as_deref()?;
    if !crate::protocol::may_be_modern(params.get()) {
        return None;
    }
    let fields: Fields<'_> = serde_json::from_str(params.get()).ok()?;
    let version = fields.version()?;
    Some((fields, version))
}

fn text_of(raw: Option<&RawValue>) -> Option<String> {
    serde_json::from_str::<String>(raw?.get()).ok()
}

fn mismatch(message: String) -> ErrorObject {
    ErrorObject::new(
        ErrorCode::HEADER_MISMATCH,
        format!("Header mismatch: {message}"),
    )
}

/// The single value of header `name`, as text: `None` when absent; an error when it
/// repeats or holds characters a header value may not.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ErrorObject> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(mismatch(format!(
            "the {name} header appears more than once"
        )));
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| mismatch(format!("the {name} header holds characters other than visible ASCII; encode the value as =?base64?...?=")))
}

/// A header value as sent: plain, or the Base64 sentinel form `=?base64?...?=`.
fn decoded(name: &str, value: &str) -> Result<String, ErrorObject> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                mismatch(format!(
                    "the {name} header is not valid Base64 of UTF-8 text"
                ))
            }),
        None => Ok(value.to_owned()),
    }
}

/// Checks the headers of a modern request against its body (`version` is the body's).
pub(super) fn check(
    server: &Server,
    headers: &HeaderMap,
    request: &Request,
    fields: &Fields<'_>,
    version: &str,
) -> Result<(), ErrorObject> {
    match header(headers, "mcp-protocol-version")? {
        None => {
            return Err(mismatch(
                "the MCP-Protocol-Version header is required and must match _meta[\"io.modelcontextprotocol/protocolVersion\"]".into(),
            ));
        }
        Some(h) if h != version => {
            return Err(mismatch(format!(
                "MCP-Protocol-Version header value '{h}' does not match body value '{version}'"
            )));
        }
        Some(_) => {}
    }
    let method = request.method.as_str();
    match header(headers, "mcp-method")? {
        None => return Err(mismatch("the Mcp-Method header is required".into())),
        Some(h) if h != method => {
            return Err(mismatch(format!(
                "Mcp-Method header value '{h}' does not match body value '{method}'"
            )));
        }
        Some(_) => {}
    }
    // The body field `Mcp-Name` mirrors: the tool or prompt, the resource, or the task
    // (SEP-2663: so that a balancer can route a task's requests to where it lives).
    let named = match method {
        CallTool::NAME | GetPrompt::NAME => fields.name,
        ReadResource::NAME => fields.uri,
        tasks::GET | tasks::UPDATE | tasks::CANCEL => fields.task_id,
        _ => return Ok(()),
    };
    let body_name = text_of(named);
    let body_name = body_name.as_deref();
    match header(headers, "mcp-name")? {
        None => {
            return Err(mismatch(
                "the Mcp-Name header is required for this method".into(),
            ));
        }
        Some(h) => {
            let h = decoded("Mcp-Name", h)?;
            if Some(h.as_str()) != body_name {
                return Err(mismatch(format!(
                    "Mcp-Name header value '{h}' does not match body value '{}'",
                    body_name.unwrap_or("")
                )));
            }
        }
    }
    if method != CallTool::NAME {
        return Ok(());
    }
    let Some(tool) = body_name else {
        return Ok(());
    };
    let tables = server.tables();
    let Some(def) = tables.tool(tool) else {
        return Ok(());
    };
    if def.headers.is_empty() {
        return Ok(());
    }
    let arguments: Map<String, Value> = fields
        .arguments
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    for (name, path) in &def.headers {
        let header_name = format!("mcp-param-{}", name.to_ascii_lowercase());
        let sent = header(headers, &header_name)?;
        let value = value_at(&arguments, path).filter(|v| !v.is_null());
        match (sent, value) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(mismatch(format!(
                    "the Mcp-Param-{name} header is required: the argument `{}` is in the body",
                    path.join(".")
                )));
            }
            (Some(_), None) => {
                return Err(mismatch(format!(
                    "the Mcp-Param-{name} header is sent but the argument `{}` is not in the body",
                    path.join(".")
                )));
            }
            (Some(h), Some(v)) => {
                let h = decoded(&format!("Mcp-Param-{name}"), h)?;
                if !same(&h, v) {
                    return Err(mismatch(format!(
                        "Mcp-Param-{name} header value '{h}' does not match body value '{}'",
                        match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A header's text against a body value: strings exactly, integers numerically, booleans
/// as `true`/`false`.
fn same(header: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => s == header,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => match (header.trim().parse::<f64>(), n.as_f64()) {
            (Ok(h), Some(v)) => h == v,
            _ => false,
        },
        _ => false,
    }
}

fn value_at<'a>(arguments: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut value = arguments.get(first)?;
    for key in rest {
        value = value.as_object()?.get(key)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_compare_as_the_spec_says() {
        assert!(same("42", &serde_json::json!(42)));
        assert!(same("42.0", &serde_json::json!(42)));
        assert!(!same("43", &serde_json::json!(42)));
        assert!(same("true", &serde_json::json!(true)));
        assert!(!same("True", &serde_json::json!(true)));
        assert_eq!(
            decoded("x", "=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(),
            "Hello, 世界"
        );
        assert!(decoded("x", "=?base64?***?=").is_err());
    }
}
