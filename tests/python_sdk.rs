//! The official MCP Python SDK (mcp==2.3.0), as a real client of the `notes` example
//! server, over stdio and over Streamable HTTP.
//!
//! The client script, `tests/python/notes_client.py`, connects, lists and calls every
//! tool, reads every resource and gets every prompt, checking each answer; the checks are
//! the same for both transports. Each runs twice: in the SDK's default `auto` mode, which
//! probes `server/discover` and so speaks MCP 2026-07-28 with our server, and in its
//! `legacy` mode (the `initialize` handshake, 2025-11-25). It needs the Python SDK, which `cargo xtask test`
//! installs (into `target/peers/python`) and points to with `MCP_PYTHON`.

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
