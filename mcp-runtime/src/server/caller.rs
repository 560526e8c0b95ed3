//! Who made a request, when the transport authenticated it ([`Caller`]), and the scopes
//! that tools, resources and prompts require of it.

use super::context::{Context, FromContext, Rejection};
use crate::protocol::{ErrorCode, ErrorObject};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The authenticated caller of a request: the subject of its access token, the scopes it
/// grants, and every claim. Streamable HTTP with authentication on (`--auth-issuer`) sets
/// it on every request it serves; stdio and servers without authentication have none.
///
/// Take it as a parameter of any tool, resource or prompt (`Option<Caller>` where
/// authentication may be off), or read it with [`Context::caller`]:
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Who am I?
/// #[tool]
/// fn whoami(caller: Option<Caller>) -> String {
///     caller.map_or_else(|| "anonymous (no authentication)".into(), |c| c.subject().to_owned())
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Caller(Arc<CallerInner>);

#[derive(Debug, PartialEq)]
struct CallerInner {
    subject: String,
    scopes: Vec<String>,
    claims: Map<String, Value>,
}

impl Caller {
    /// A caller: what a [`TokenVerifier`](crate::auth::TokenVerifier) returns for a valid
    /// token.
    pub fn new(
        subject: impl Into<String>,
        scopes: Vec<String>,
        claims: Map<String, Value>,
    ) -> Self {
        Caller(Arc::new(CallerInner {
            subject: subject.into(),
            scopes,
            claims,
        }))
    }

    /// The token's subject (`sub`): who the caller is, as the authorization server knows
    /// it.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The scopes the token grants.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// True when the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|s| s == scope)
    }

    /// Every claim of the token (`iss`, `aud`, `exp`, custom ones), as it came.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
    }

    /// The scopes of `required` this caller lacks.
    pub(crate) fn missing<'a>(&self, required: &'a [String]) -> Vec<&'a str> {
        required
            .iter()
            .filter(|s| !self.has_scope(s))
            .map(String::as_str)
            .collect()
    }
}

impl FromContext for Caller {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        ctx.caller().cloned().ok_or_else(|| {
            Rejection(
                "this request is not authenticated (the server runs without authentication, or over stdio): take `Option<Caller>` to serve anonymous callers too".into(),
            )
        })
    }
}

impl FromContext for Option<Caller> {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        Ok(ctx.caller().cloned())
    }
}

/// The JSON-RPC error of a call whose token lacks scopes the item requires (the HTTP
/// transport answers it with 403 and `WWW-Authenticate: Bearer error="insufficient_scope"`).
pub(crate) fn insufficient_scope(kind: &str, name: &str, missing: &[&str]) -> ErrorObject {
    ErrorObject::new(
        ErrorCode::INSUFFICIENT_SCOPE,
        format!(
            "Forbidden: {kind} `{name}` requires the scope{} {}, which the access token does not grant",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(" ")
        ),
    )
    .with_data(serde_json::json!({ "requiredScopes": missing }))
}

/// The scopes an error of [`insufficient_scope`] names.
pub(crate) fn required_scopes(error: &ErrorObject) -> Option<Vec<String>> {
    if error.code != ErrorCode::INSUFFICIENT_SCOPE {
        return None;
    }
    let scopes = error.data.as_ref()?.get("requiredScopes")?.as_array()?;
    Some(
        scopes
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}
