//! Signing keys and tokens for the authorization tests: keys made by `openssl`, their
//! JWKs, and JWTs signed with them.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A signing key, its JWK (public part) and algorithm.
pub struct Key {
    pub encoding: EncodingKey,
    pub jwk: Jwk,
    pub alg: Algorithm,
    pub kid: String,
    /// The public key's PEM, for the HMAC-confusion attack.
    pub public_pem: Vec<u8>,
}

/// A key made by `openssl genpkey` with `args`; `None` when openssl is missing.
pub fn key(kid: &str, alg: Algorithm, args: &[&str]) -> Option<Key> {
    // Tests run at once: each key gets a directory of its own.
    static MADE: AtomicUsize = AtomicUsize::new(0);
    let n = MADE.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("mcp-auth-{}-{n}-{kid}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let private = dir.join("key.pem");
    let public = dir.join("pub.pem");
    let made = Command::new("openssl")
        .arg("genpkey")
        .args(args)
        .arg("-out")
        .arg(&private)
        .output()
        .ok()?;
    assert!(
        made.status.success(),
        "openssl genpkey: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let exported = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .output()
        .ok()?;
    assert!(exported.status.success());
    let pem = std::fs::read(&private).ok()?;
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_ed_pem(&pem),
    }
    .expect("openssl's key loads");
    let mut jwk = Jwk::from_encoding_key(&encoding, alg).expect("a JWK of the key");
    jwk.common.key_id = Some(kid.to_owned());
    Some(Key {
        encoding,
        jwk,
        alg,
        kid: kid.to_owned(),
        public_pem: std::fs::read(&public).ok()?,
    })
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

pub fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("a signed token")
}
