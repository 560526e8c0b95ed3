//! Authorization for Streamable HTTP (MCP `basic/authorization`): the server is an OAuth
//! 2.1 resource server. Each request's bearer token (from the `Authorization` header
//! only) is checked by a [`TokenVerifier`] before anything else; the caller it names
//! reaches handlers as [`Caller`](crate::Caller), and the scopes that tools, resources and
//! prompts declare are enforced before they run.
//!
//! - [`AuthSettings`]: what `--auth-issuer`, `--auth-jwks`, `--auth-audience` and the
//!   other flags (or `MCP_AUTH_*`) set; with the `auth` cargo feature, JWTs are checked
//!   against the issuer's JWKS ([`JwtVerifier`]).
//! - The Protected Resource Metadata (RFC 9728) is served at
//!   `/.well-known/oauth-protected-resource` and at the form with the endpoint's path.
//! - A request without a token gets 401 with `WWW-Authenticate: Bearer
//!   resource_metadata="..."`; a bad token 401 with `error="invalid_token"`; a token
//!   without a scope the operation needs 403 with `error="insufficient_scope"`.

#[cfg(feature = "auth")]
mod fetch;
#[cfg(feature = "auth")]
mod introspect;
#[cfg(feature = "auth")]
mod jwt;

#[cfg(feature = "auth")]
pub use introspect::IntrospectionVerifier;
#[cfg(feature = "auth")]
pub use jwt::JwtVerifier;

use crate::server::Caller;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Checks an access token and says who it belongs to.
///
/// [`JwtVerifier`] (cargo feature `auth`) checks JWTs against the issuer's keys; implement
/// it for other schemes (opaque tokens, an in-house service).
pub trait TokenVerifier: Send + Sync + 'static {
    /// The caller `token` (the bearer token, as sent) belongs to, or why it is refused.
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a>;
}

/// What [`TokenVerifier::verify`] returns.
pub type VerifyFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Caller, TokenError>> + Send + 'a>>;

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token is malformed, expired, not for this resource, or not signed by a key of
    /// the issuer: 401 with `error="invalid_token"`.
    #[error("{0}")]
    Invalid(String),
    /// The token cannot be checked now (the issuer's keys cannot be fetched): refused with
    /// 503, never let through.
    #[error("{0}")]
    Unavailable(String),
}

/// How the HTTP transport authenticates requests. `None` in
/// [`HttpConfig::auth`](crate::transport::HttpConfig): every request is served (keep
/// such a server on loopback).
#[derive(Clone)]
pub struct AuthSettings {
    /// The authorization server's issuer identifier (`iss`). Its metadata (RFC 8414, or
    /// OpenID discovery) gives the JWKS URL unless [`AuthSettings::jwks`] is set; it is
    /// the `authorization_servers` entry of the Protected Resource Metadata.
    pub issuer: String,
    /// The JWKS: a URL, or a file path. Default: the `jwks_uri` of the issuer's metadata.
    pub jwks: Option<String>,
    /// This resource's canonical URI: tokens must name it in `aud` (RFC 8707), and it is
    /// the `resource` of the metadata. Default: the server's public URL
    /// ([`HttpConfig::public_url`](crate::transport::HttpConfig::public_url)), else the
    /// URL it serves.
    pub audience: Option<String>,
    /// Other audiences accepted.
    pub extra_audiences: Vec<String>,
    /// Scopes every request needs (403 without them), besides those of each item.
    pub required_scopes: Vec<String>,
    /// Clock skew tolerated on `exp` and `nbf`. Default 30 s.
    pub leeway: Duration,
    /// A token naming a key the cached JWKS lacks makes it be fetched again, at most once
    /// per this interval (so that rotated keys are picked up and unknown ones cannot make
    /// the server hammer the issuer). Default 30 s.
    pub jwks_refetch_interval: Duration,
    /// Opaque tokens: checked at this introspection endpoint (RFC 7662) instead of as
    /// JWTs.
    pub introspection: Option<Introspection>,
    /// Checks tokens instead of the JWT verifier (a scheme of the program's own).
    pub verifier: Option<Arc<dyn TokenVerifier>>,
    /// `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list` leave
    /// out what the caller's scopes do not allow. Default false: everything is listed,
    /// and a call without the scopes gets 403.
    pub hide_unauthorized: bool,
}

/// Set on a request's extensions by the transport when lists hide what the caller may
/// not use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HideUnauthorized;

/// An introspection endpoint and this server's client credentials for it.
#[derive(Clone)]
pub struct Introspection {
    /// The endpoint's URL.
    pub endpoint: String,
    /// This resource server's client id at the authorization server.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
}

impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspection")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<secret>")
            .finish()
    }
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("issuer", &self.issuer)
            .field("jwks", &self.jwks)
            .field("audience", &self.audience)
            .field("extra_audiences", &self.extra_audiences)
            .field("required_scopes", &self.required_scopes)
            .field("leeway", &self.leeway)
            .field("jwks_refetch_interval", &self.jwks_refetch_interval)
            .field("introspection", &self.introspection)
            .field("verifier", &self.verifier.is_some())
            .field("hide_unauthorized", &self.hide_unauthorized)
            .finish()
    }
}

impl AuthSettings {
    /// Tokens of `issuer`, checked with its published keys.
    pub fn new(issuer: impl Into<String>) -> Self {
        AuthSettings {
            issuer: issuer.into(),
            jwks: None,
            audience: None,
            extra_audiences: Vec::new(),
            required_scopes: Vec::new(),
            leeway: Duration::from_secs(30),
            jwks_refetch_interval: Duration::from_secs(30),
            introspection: None,
            verifier: None,
            hide_unauthorized: false,
        }
    }

    /// The verifier these settings make: the custom one, else a JWT verifier (which needs
    /// the `auth` cargo feature).
    pub(crate) fn verifier(
        &self,
        audiences: Vec<String>,
    ) -> Result<Arc<dyn TokenVerifier>, String> {
        if let Some(verifier) = &self.verifier {
            return Ok(verifier.clone());
        }
        #[cfg(feature = "auth")]
        {
            if let Some(i) = &self.introspection {
                return Ok(Arc::new(IntrospectionVerifier::new(
                    i.endpoint.clone(),
                    &i.client_id,
                    &i.client_secret,
                    audiences,
                    Some(self.issuer.clone()),
                )?));
            }
            Ok(Arc::new(JwtVerifier::new(
                &self.issuer,
                self.jwks.clone(),
                audiences,
                self.leeway,
                self.jwks_refetch_interval,
            )?))
        }
        #[cfg(not(feature = "auth"))]
        {
            let _ = audiences;
            Err("authentication is configured (--auth-issuer), but this server was built without the `auth` cargo feature of mcp-runtime that checks JWTs: enable it, or give AuthSettings a verifier of your own".into())
        }
    }
}

/// A resource server, ready: the verifier, and what the metadata and challenges say.
pub(crate) struct ResourceServer {
    pub(crate) verifier: Arc<dyn TokenVerifier>,
    /// The canonical URI of the endpoint.
    pub(crate) resource: String,
    pub(crate) issuer: String,
    pub(crate) required_scopes: Vec<String>,
    /// Every scope the program declares, and the required ones.
    pub(crate) scopes_supported: Vec<String>,
    /// The URL of the metadata document, for `WWW-Authenticate`.
    pub(crate) metadata_url: String,
    pub(crate) hide_unauthorized: bool,
    /// Tokens verified lately: a token's signature is checked once, not once per call.
    cache: TokenCache,
}

/// Verified tokens by their SHA-256, each until its `exp` (or [`CACHE_AT_MOST`] when
/// that comes first or it has none), at most [`CACHE_ENTRIES`] of them.
#[derive(Default)]
struct TokenCache(
    std::sync::Mutex<
        std::collections::HashMap<[u8; 32], (Caller, u64), foldhash::fast::RandomState>,
    >,
);

/// How long a verified token is trusted without a new check.
const CACHE_AT_MOST: u64 = 300;
/// Tokens kept at most.
const CACHE_ENTRIES: usize = 10_000;

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenCache {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<[u8; 32], (Caller, u64), foldhash::fast::RandomState>,
    > {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &[u8; 32]) -> Option<Caller> {
        let mut map = self.lock();
        match map.get(key) {
            Some((caller, until)) if *until > now_secs() => Some(caller.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: [u8; 32], caller: &Caller) {
        let now = now_secs();
        let exp = caller
            .claims()
            .get("exp")
            .and_then(serde_json::Value::as_u64);
        let until = exp.map_or(now + CACHE_AT_MOST, |exp| exp.min(now + CACHE_AT_MOST));
        let mut map = self.lock();
        if map.len() >= CACHE_ENTRIES {
            map.retain(|_, (_, t)| *t > now);
            if map.len() >= CACHE_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (caller.clone(), until));
    }
}

impl ResourceServer {
    /// Built from `settings` for the endpoint whose URL is `served` (used as the resource
    /// when neither the audience nor a public URL is set).
    pub(crate) fn new(
        settings: &AuthSettings,
        public_url: Option<&str>,
        served: Option<&str>,
        scopes: Vec<String>,
    ) -> Result<Self, String> {
        let resource = settings
            .audience
            .as_deref()
            .or(public_url)
            .or(served)
            .ok_or("authentication needs this resource's URI: set --auth-audience or --public-url")?
            .trim_end_matches('/')
            .to_owned();
        let metadata_url = metadata_url(&resource)?;
        let mut audiences = vec![resource.clone()];
        audiences.extend(settings.extra_audiences.iter().cloned());
        let verifier = settings.verifier(audiences)?;
        let mut scopes_supported = settings.required_scopes.clone();
        for scope in scopes {
            if !scopes_supported.contains(&scope) {
                scopes_supported.push(scope);
            }
        }
        Ok(ResourceServer {
            verifier,
            resource,
            issuer: settings.issuer.clone(),
            required_scopes: settings.required_scopes.clone(),
            scopes_supported,
            metadata_url,
            hide_unauthorized: settings.hide_unauthorized,
            cache: TokenCache::default(),
        })
    }

    /// The caller `token` belongs to: from the cache when it was verified lately, else
    /// from the verifier (and then cached until it expires).
    pub(crate) async fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        use sha2::Digest as _;
        let key: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        if let Some(caller) = self.cache.get(&key) {
            return Ok(caller);
        }
        let caller = self.verifier.verify(token).await?;
        self.cache.put(key, &caller);
        Ok(caller)
    }

    /// The Protected Resource Metadata document (RFC 9728).
    pub(crate) fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": self.scopes_supported,
            "bearer_methods_supported": ["header"],
        })
    }

    /// `WWW-Authenticate` for a challenge: `error` (none for a missing token), its
    /// description, and the scopes to ask for.
    pub(crate) fn challenge(
        &self,
        error: Option<&str>,
        description: Option<&str>,
        scopes: &[String],
    ) -> String {
        let mut out = format!("Bearer resource_metadata=\"{}\"", self.metadata_url);
        if let Some(error) = error {
            out.push_str(&format!(", error=\"{error}\""));
        }
        if !scopes.is_empty() {
            out.push_str(&format!(", scope=\"{}\"", scopes.join(" ")));
        }
        if let Some(description) = description {
            // A quoted-string: no quotes or backslashes, visible ASCII only.
            let clean: String = description
                .chars()
                .map(|c| {
                    if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                        '\''
                    } else {
                        c
                    }
                })
                .collect();
            out.push_str(&format!(", error_description=\"{clean}\""));
        }
        out
    }
}

/// The metadata URL of `resource` (RFC 9728 §3.1: the well-known path inserted between
/// the host and the resource's path).
fn metadata_url(resource: &str) -> Result<String, String> {
    let uri: http::Uri = resource
        .parse()
        .map_err(|e| format!("the resource URI {resource:?} does not parse: {e}"))?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(format!(
            "the resource URI {resource:?} must be absolute (https://host/path)"
        ));
    };
    let path = uri.path().trim_end_matches('/');
    Ok(format!("{scheme}://{authority}{WELL_KNOWN}{path}"))
}

/// The well-known path of the Protected Resource Metadata.
pub(crate) const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The bearer token of an `Authorization` header value (`Bearer <token>`, the scheme in
/// any case).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_inserts_the_well_known_path() {
        assert_eq!(
            metadata_url("https://mcp.example.com/mcp").unwrap(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8000").unwrap(),
            "http://127.0.0.1:8000/.well-known/oauth-protected-resource"
        );
        assert!(metadata_url("/mcp").is_err());
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
