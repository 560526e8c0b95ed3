//! JWT access tokens, checked against the issuer's JWKS: asymmetric signatures only
//! (RS*, PS*, ES256/384, EdDSA; never `none`, never HMAC), `iss`, `aud` (this resource),
//! `exp` and `nbf` with a leeway, and a `sub`.

use super::VerifyFuture;
use super::fetch::Fetcher;
use super::{TokenError, TokenVerifier};
use crate::server::Caller;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Checks JWTs signed by an issuer's keys (the `auth` cargo feature).
pub struct JwtVerifier {
    issuer: String,
    audiences: Vec<String>,
    leeway: Duration,
    keys: Keys,
}

/// The issuer's keys, fetched when first needed and again when a token names one they
/// lack, at most once per `refetch`.
struct Keys {
    /// Where the JWKS is; `None`: the `jwks_uri` of the issuer's metadata.
    location: Option<String>,
    issuer: String,
    fetcher: Fetcher,
    refetch: Duration,
    cached: RwLock<Option<Arc<JwkSet>>>,
    /// When the keys were last fetched (or tried): refetches wait `refetch` after it.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Tokens of `issuer` for `audiences` (the first is this resource), checked with the
    /// keys at `jwks` (a URL or a file; `None`: discovered from the issuer's metadata).
    pub fn new(
        issuer: &str,
        jwks: Option<String>,
        audiences: Vec<String>,
        leeway: Duration,
        refetch: Duration,
    ) -> Result<Self, String> {
        if audiences.is_empty() {
            return Err("a JWT verifier needs at least one audience (this resource's URI)".into());
        }
        // One backend, chosen here; a program that installed another keeps it.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        Ok(JwtVerifier {
            issuer: issuer.to_owned(),
            audiences,
            leeway,
            keys: Keys {
                location: jwks,
                issuer: issuer.trim_end_matches('/').to_owned(),
                fetcher: Fetcher::new()?,
                refetch,
                cached: RwLock::new(None),
                last_fetch: tokio::sync::Mutex::new(None),
            },
        })
    }

    async fn check(&self, token: &str) -> Result<Caller, TokenError> {
        let invalid = |why: String| TokenError::Invalid(why);
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| invalid(format!("the token is not a well-formed JWT: {e}")))?;
        let alg = header.alg;
        if matches!(alg.family(), AlgorithmFamily::Hmac) {
            return Err(invalid(format!(
                "the token is signed with {alg:?}, a shared-secret algorithm this server does not accept"
            )));
        }
        let jwk = self.keys.find(header.kid.as_deref(), alg).await?;
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|e| invalid(format!("the issuer's key cannot be used: {e}")))?;
        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| invalid(describe(&e)))?;
        let claims = data.claims;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("the token has no subject (`sub`)".into()))?
            .to_owned();
        Ok(Caller::new(subject, scopes_of(&claims), claims))
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }
}

/// The scopes a token grants: `scope` (space-separated, RFC 9068) or `scp` (a list, or a
/// string as some issuers write it).
fn scopes_of(claims: &Map<String, Value>) -> Vec<String> {
    let split = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => split(s),
        (_, Some(Value::Array(items))) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        (_, Some(Value::String(s))) => split(s),
        _ => Vec::new(),
    }
}

fn describe(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => "the token was issued by another issuer".into(),
        ErrorKind::InvalidAudience => {
            "the token is for another resource (aud does not name this server)".into()
        }
        ErrorKind::InvalidSignature => "the token's signature does not verify".into(),
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not fit its key".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        other => format!("the token is invalid: {other:?}"),
    }
}

/// True when `jwk` is an asymmetric key usable with `alg` (and made for it, when it says).
fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let family = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
        AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
        AlgorithmParameters::OctetKeyPair(_) => AlgorithmFamily::Ed,
        // Shared secrets never verify access tokens here (nor kinds this crate does not
        // know).
        _ => return false,
    };
    // A key that names its algorithm is for that one only (one this server cannot read
    // is for none).
    let stated_fits = jwk.common.key_algorithm.is_none_or(|stated| {
        <Algorithm as std::str::FromStr>::from_str(&stated.to_string()).is_ok_and(|s| s == alg)
    });
    family == alg.family() && stated_fits
}

impl Keys {
    /// The key `kid` names (or, without a kid, the only key that fits `alg`).
    async fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<Jwk, TokenError> {
        if let Some(set) = self.cached()
            && let Some(jwk) = pick(&set, kid, alg)
        {
            return Ok(jwk);
        }
        // Unknown: the keys may have rotated. Fetched again unless they were just now.
        let set = self.refresh().await?;
        pick(&set, kid, alg).ok_or_else(|| {
            TokenError::Invalid(match kid {
                Some(kid) => {
                    format!("the token names a key (kid {kid:?}) the issuer does not publish")
                }
                None => "the token names no key (kid) and the issuer publishes several".into(),
            })
        })
    }

    fn cached(&self) -> Option<Arc<JwkSet>> {
        self.cached
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The keys, fetched again if the last fetch is older than `refetch`.
    async fn refresh(&self) -> Result<Arc<JwkSet>, TokenError> {
        let mut last = self.last_fetch.lock().await;
        if let Some(at) = *last
            && at.elapsed() < self.refetch
        {
            return self.cached().ok_or_else(|| {
                TokenError::Unavailable(
                    "the issuer's keys could not be fetched; the server tries again shortly".into(),
                )
            });
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(set) => {
                let set = Arc::new(set);
                *self
                    .cached
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(set.clone());
                Ok(set)
            }
            Err(e) => {
                tracing::error!(issuer = %self.issuer, error = %e, "the issuer's keys cannot be fetched: tokens are refused until they can");
                // Keys fetched before still serve.
                self.cached().ok_or(TokenError::Unavailable(format!(
                    "the issuer's keys cannot be fetched: {e}"
                )))
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let location = match &self.location {
            Some(location) => location.clone(),
            None => self.discover().await?,
        };
        let json = self.fetcher.json(&location).await?;
        serde_json::from_value(json).map_err(|e| format!("{location} is not a JWKS: {e}"))
    }

    /// The `jwks_uri` of the issuer's metadata: RFC 8414 (the well-known path inserted
    /// before the issuer's path), else OpenID discovery.
    async fn discover(&self) -> Result<String, String> {
        let issuer = &self.issuer;
        let (origin, path) = match issuer.find("://").map(|i| i + 3) {
            Some(start) => match issuer[start..].find('/') {
                Some(slash) => issuer.split_at(start + slash),
                None => (issuer.as_str(), ""),
            },
            None => return Err(format!("the issuer {issuer:?} is not an https:// URL")),
        };
        let candidates = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{issuer}/.well-known/openid-configuration"),
        ];
        let mut errors = Vec::new();
        for url in candidates {
            match self.fetcher.json(&url).await {
                Ok(metadata) => {
                    // RFC 8414 §3.3: the metadata must be the issuer's own.
                    let named = metadata.get("issuer").and_then(Value::as_str);
                    if named.map(|n| n.trim_end_matches('/')) != Some(issuer.as_str()) {
                        errors.push(format!("{url} names another issuer ({named:?})"));
                        continue;
                    }
                    return metadata
                        .get("jwks_uri")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{url} has no jwks_uri"));
                }
                Err(e) => errors.push(e),
            }
        }
        Err(format!(
            "the issuer's metadata cannot be read: {}",
            errors.join("; ")
        ))
    }
}

fn pick(set: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<Jwk> {
    match kid {
        Some(kid) => set.find(kid).filter(|k| fits(k, alg)).cloned(),
        None => {
            let mut fitting = set.keys.iter().filter(|k| fits(k, alg));
            match (fitting.next(), fitting.next()) {
                (Some(only), None) => Some(only.clone()),
                _ => None,
            }
        }
    }
}
