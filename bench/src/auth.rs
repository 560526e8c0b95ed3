//! The bearer token of the auth row: an EC P-256 key made with `openssl`, its JWKS in a
//! file the server reads, and one token signed with it (valid for an hour).

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

pub const ISSUER: &str = "https://issuer.bench.invalid";
pub const AUDIENCE: &str = "https://mcp.bench.invalid/mcp";

/// The JWKS file and a token; `None` (and why) when openssl cannot make the key.
pub fn setup() -> Result<(PathBuf, String), String> {
    let dir = std::env::temp_dir().join(format!("mcp-bench-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let pem = dir.join("key.pem");
    let made = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&pem)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !made.status.success() {
        return Err(String::from_utf8_lossy(&made.stderr).into_owned());
    }
    let pem = std::fs::read(&pem).map_err(|e| e.to_string())?;
    let key = EncodingKey::from_ec_pem(&pem).map_err(|e| e.to_string())?;
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).map_err(|e| e.to_string())?;
    jwk.common.key_id = Some("bench".into());
    let jwks = dir.join("jwks.json");
    let set = serde_json::to_vec(&JwkSet { keys: vec![jwk] }).map_err(|e| e.to_string())?;
    std::fs::write(&jwks, set).map_err(|e| e.to_string())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let claims = serde_json::json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "bench", "iat": now, "exp": now + 3600,
        "scope": "mcp",
    });
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("bench".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())?;
    Ok((jwks, token))
}
