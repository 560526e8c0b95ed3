//! Opaque access tokens, checked by the authorization server's introspection endpoint
//! (RFC 7662): the token must be active, for this resource (`aud`), of the issuer when
//! it says, unexpired, and name a subject.

use super::fetch::Fetcher;
use super::{TokenError, TokenVerifier, VerifyFuture};
use crate::server::Caller;
use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What application/x-www-form-urlencoded escapes: all but alphanumerics and `*-._`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');
use serde_json::Value;

/// Checks tokens with an introspection endpoint (the `auth` cargo feature). Give it to
/// [`AuthSettings::verifier`](super::AuthSettings::verifier), or set
/// [`AuthSettings::introspection`](super::AuthSettings::introspection).
pub struct IntrospectionVerifier {
    endpoint: String,
    /// `Authorization: Basic ...` of the server's own client credentials.
    credentials: String,
    audiences: Vec<String>,
    issuer: Option<String>,
    fetcher: Fetcher,
}

impl std::fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionVerifier")
            .field("endpoint", &self.endpoint)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

impl IntrospectionVerifier {
    /// Tokens introspected at `endpoint` with this server's client credentials, accepted
    /// when their `aud` names one of `audiences` (the first is this resource) and, when
    /// `issuer` is given and the answer names one, their `iss` is it.
    pub fn new(
        endpoint: impl Into<String>,
        client_id: &str,
        client_secret: &str,
        audiences: Vec<String>,
        issuer: Option<String>,
    ) -> Result<Self, String> {
        if audiences.is_empty() {
            return Err("introspection needs at least one audience (this resource's URI)".into());
        }
        // RFC 6749 §2.3.1: each part form-encoded, then Basic.
        let encode = |s: &str| utf8_percent_encode(s, FORM).to_string();
        let pair = format!("{}:{}", encode(client_id), encode(client_secret));
        Ok(IntrospectionVerifier {
            endpoint: endpoint.into(),
            credentials: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
            audiences,
            issuer,
            fetcher: Fetcher::new()?,
        })
    }

    async fn check(&self, token: &str) -> Result<Caller, TokenError> {
        let invalid = |why: &str| TokenError::Invalid(why.to_owned());
        let body = format!(
            "token={}&token_type_hint=access_token",
            utf8_percent_encode(token, FORM)
        );
        let answer = self
            .fetcher
            .post_form(&self.endpoint, body, &self.credentials)
            .await
            .map_err(|e| {
                tracing::error!(endpoint = %self.endpoint, error = %e, "token introspection failed: tokens are refused until it works");
                TokenError::Unavailable(format!("the token cannot be introspected: {e}"))
            })?;
        let Value::Object(claims) = answer else {
            return Err(TokenError::Unavailable(
                "the introspection endpoint answered something other than a JSON object".into(),
            ));
        };
        if claims.get("active") != Some(&Value::Bool(true)) {
            return Err(invalid(
                "the token is not active (revoked, expired or unknown)",
            ));
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_u64) {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            if exp <= now {
                return Err(invalid("the token has expired"));
            }
        }
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        // RFC 8707: only tokens minted for this resource (none that names no audience).
        if !audiences
            .iter()
            .any(|a| self.audiences.iter().any(|ours| ours == a))
        {
            return Err(invalid(
                "the token is for another resource (its aud does not name this server)",
            ));
        }
        if let (Some(ours), Some(theirs)) =
            (&self.issuer, claims.get("iss").and_then(Value::as_str))
            && ours.trim_end_matches('/') != theirs.trim_end_matches('/')
        {
            return Err(invalid("the token was issued by another issuer"));
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("the introspected token has no subject (`sub`)"))?
            .to_owned();
        let scopes = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Caller::new(subject, scopes, claims))
    }
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }
}
