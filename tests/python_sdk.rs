//! The official MCP Python SDK (mcp==2.3.0), as a real client of the `notes` example
//! server, over stdio and over Streamable HTTP.
//!
//! The client script, `tests/python/notes_client.py`, connects, lists and calls every
//! tool, reads every resource and gets every prompt, checking each answer; the checks are
//! the same for both transports. It needs the Python SDK, which `cargo xtask test`
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

#[test]
fn python_sdk_client_uses_every_feature_over_stdio() {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["stdio", env!("CARGO_BIN_EXE_notes")]),
        TIMEOUT,
    );
    output.assert_success(None);
}

#[test]
fn python_sdk_client_uses_every_feature_over_streamable_http() {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let server = NotesHttp::start();
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["streamable-http", server.url()]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}
