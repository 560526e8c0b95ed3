//! The official MCP Python SDK (mcp==2.3.0), as a real client of the `notes` example
//! server, over stdio and over Streamable HTTP.
//!
//! The client script, `tests/python/notes_client.py`, connects, lists and calls every
//! tool, reads every resource and gets every prompt, checking each answer; the checks are
//! the same for both transports. Each runs twice: in the SDK's default `auto` mode, which
//! probes `server/discover` and so speaks MCP 2026-07-28 with our server, and in its
//! `legacy` mode (the `initialize` handshake, 2025-11-25). It needs the Python SDK, which `cargo xtask test`
//! installs (into `target/peers/python`) and points to with `MCP_PYTHON`.

mod common;
mod peers;

use peers::{NotesHttp, peer_paths, run_peer};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The script's own requests time out after 30 s; this bounds a peer that hangs anyway.
const TIMEOUT: Duration = Duration::from_secs(120);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/notes_client.py")
}

fn over_stdio(mode: &str) {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["stdio", env!("CARGO_BIN_EXE_notes"), mode]),
        TIMEOUT,
    );
    output.assert_success(None);
}

fn over_streamable_http(mode: &str) {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let server = NotesHttp::start();
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["streamable-http", server.url(), mode]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}

#[test]
fn python_sdk_client_in_auto_mode_speaks_2026_07_28_over_stdio() {
    over_stdio("auto");
}

#[test]
fn python_sdk_client_in_legacy_mode_uses_every_feature_over_stdio() {
    over_stdio("legacy");
}

#[test]
fn python_sdk_client_in_auto_mode_speaks_2026_07_28_over_streamable_http() {
    over_streamable_http("auto");
}

#[test]
fn python_sdk_client_in_legacy_mode_uses_every_feature_over_streamable_http() {
    over_streamable_http("legacy");
}

/// The notes server with `--auth-issuer` (its keys in a JWKS file), called by the SDK
/// with bearer tokens: one that grants `notes:write` adds a note, one that does not is
/// refused `add_note` but may search.
fn with_bearer_tokens(mode: &str) {
    use jsonwebtoken::Algorithm;
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let Some(key) = common::keys::key(
        "notes-key",
        Algorithm::ES256,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ) else {
        println!("skipped: openssl is not installed (the test makes its key with it)");
        return;
    };
    let jwks =
        std::env::temp_dir().join(format!("mcp-notes-jwks-{}-{mode}.json", std::process::id()));
    let set = serde_json::json!({ "keys": [key.jwk] });
    std::fs::write(&jwks, set.to_string()).expect("the JWKS is written");
    let issuer = "https://issuer.example";
    let jwks_arg = jwks.to_string_lossy().into_owned();
    let server = NotesHttp::start_command(
        Command::new(env!("CARGO_BIN_EXE_notes")),
        &["--auth-issuer", issuer, "--auth-jwks", &jwks_arg],
    );
    let token = |sub: &str, scope: &str| {
        let now = common::keys::now();
        common::keys::sign(
            &key,
            &serde_json::json!({ "iss": issuer, "aud": server.url(), "sub": sub,
                                  "scope": scope, "iat": now, "exp": now + 600 }),
        )
    };
    let output = run_peer(
        Command::new(python)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/auth_client.py"))
            .args([
                server.url(),
                &token("writer", "notes:read notes:write"),
                &token("reader", "notes:read"),
                mode,
            ]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}

#[test]
fn python_sdk_client_calls_the_flagship_with_a_bearer_token_in_auto_mode() {
    with_bearer_tokens("auto");
}

#[test]
fn python_sdk_client_calls_the_flagship_with_a_bearer_token_in_legacy_mode() {
    with_bearer_tokens("legacy");
}
