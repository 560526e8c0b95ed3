//! The official MCP Python SDK (mcp==2.3.0) as a real client of the `everything` fixture
//! server, over stdio and over Streamable HTTP: what a handler's `Context` sends during a
//! call reaches the SDK's callbacks (progress, logging, sampling, elicitation), and
//! completion answers.
//!
//! The client script is `tests/python/everything_client.py`; its checks are the same for
//! both transports. Each runs in the SDK's default `auto` mode, which speaks MCP
//! 2026-07-28 with our server (sampling and elicitation then travel as multi-round
//! requests: the SDK answers the `InputRequiredResult` with its callbacks and retries, and
//! the same handler body finishes), and in its `legacy` mode (2025-11-25: the server sends
//! the requests mid-call). It needs the Python SDK, which `cargo xtask test` installs (into
//! `target/peers/python`) and points to with `MCP_PYTHON`; without it the tests skip,
//! saying so.

mod peers;

use peers::{NotesHttp, peer_paths, run_peer};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The script's own requests time out after 30 s; this bounds a peer that hangs anyway.
const TIMEOUT: Duration = Duration::from_secs(120);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/everything_client.py")
}

fn over_stdio(mode: &str) {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["stdio", env!("CARGO_BIN_EXE_everything"), mode]),
        TIMEOUT,
    );
    output.assert_success(None);
}

fn over_streamable_http(mode: &str) {
    let Some([python]) = peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let server = NotesHttp::start_binary(env!("CARGO_BIN_EXE_everything"));
    let output = run_peer(
        Command::new(python)
            .arg(script())
            .args(["streamable-http", server.url(), mode]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}

#[test]
fn python_sdk_callbacks_hear_the_context_in_2026_07_28_over_stdio() {
    over_stdio("auto");
}

#[test]
fn python_sdk_callbacks_hear_the_context_in_legacy_mode_over_stdio() {
    over_stdio("legacy");
}

#[test]
fn python_sdk_callbacks_hear_the_context_in_2026_07_28_over_streamable_http() {
    over_streamable_http("auto");
}

#[test]
fn python_sdk_callbacks_hear_the_context_in_legacy_mode_over_streamable_http() {
    over_streamable_http("legacy");
}
