//! The official MCP TypeScript SDK (@modelcontextprotocol/sdk 1.32.2), as a real client
//! of the `notes` example server: its `Client` over `StdioClientTransport` and over
//! `StreamableHTTPClientTransport`.
//!
//! The client script, `tests/typescript/notes_client.mjs`, makes the same checks as the
//! Python one. It runs under Node 22 (`MCP_NODE22`) and loads the SDK from the npm
//! project `cargo xtask test` installs (`MCP_NODE_MODULES`, i.e.
//! `target/peers/node/node_modules`) through a `require` anchored in that directory, so
//! nothing is copied or linked next to the script; see the script's `loadSdk`.

mod peers;

use peers::{NotesHttp, peer_paths, run_peer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The script gives up after 60 s without finishing; this bounds a peer that hangs anyway.
const TIMEOUT: Duration = Duration::from_secs(120);

fn client(node: &Path, node_modules: &Path) -> Command {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/typescript/notes_client.mjs");
    let mut command = Command::new(node);
    command.arg(script).env("MCP_NODE_MODULES", node_modules);
    command
}

#[test]
fn typescript_sdk_client_uses_every_feature_over_stdio() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let output = run_peer(
        client(&node, &node_modules).args(["stdio", env!("CARGO_BIN_EXE_notes")]),
        TIMEOUT,
    );
    output.assert_success(None);
}

#[test]
fn typescript_sdk_client_uses_every_feature_over_streamable_http() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let server = NotesHttp::start();
    let output = run_peer(
        client(&node, &node_modules).args(["streamable-http", server.url()]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}

/// The SDK's OAuth support against the flagship started with `--auth-issuer`: from the
/// 401 it reaches our Protected Resource Metadata, then the issuer the metadata names,
/// and starts the authorization for our resource and scopes (the script plays the
/// issuer's metadata).
#[test]
fn typescript_sdk_oauth_discovery_reaches_our_metadata_from_the_401() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    // A free port for the script's issuer (the server never calls it: its keys are in
    // a file).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let jwks = std::env::temp_dir().join(format!("mcp-ts-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks, r#"{"keys":[]}"#).expect("the JWKS is written");
    let issuer = format!("http://127.0.0.1:{port}");
    let jwks_arg = jwks.to_string_lossy().into_owned();
    let server = NotesHttp::start_command(
        Command::new(env!("CARGO_BIN_EXE_notes")),
        &["--auth-issuer", &issuer, "--auth-jwks", &jwks_arg],
    );
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/typescript/oauth_discovery.mjs");
    let output = run_peer(
        Command::new(&node)
            .arg(script)
            .env("MCP_NODE_MODULES", &node_modules)
            .args([server.url(), &port.to_string()]),
        TIMEOUT,
    );
    output.assert_success(Some(&server));
}

/// Our `Client` in its default era (`Era::Auto`) against a server that speaks only the
/// legacy revisions, the TypeScript SDK's (`tests/typescript/legacy_server.mjs`): its
/// `server/discover` probe fails (-32601 over stdio, the SDK's 400 without a session over
/// HTTP), and it falls back to `initialize`, over both transports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_falls_back_to_initialize_with_the_typescript_sdk_server() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/typescript/legacy_server.mjs");
    let server = |mode: &str| {
        let mut command = tokio::process::Command::new(&node);
        command
            .arg(&script)
            .arg(mode)
            .env("MCP_NODE_MODULES", &node_modules)
            .kill_on_drop(true);
        command
    };

    let client = mcp_runtime::Client::stdio(server("stdio"))
        .await
        .unwrap_or_else(|e| panic!("connecting to the TypeScript SDK's server over stdio: {e}"));
    speaks_legacy_with_the_typescript_sdk(&client).await;
    let _ = client.close().await;

    let mut http = server("streamable-http");
    let mut child = http
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
    let stdout = child
        .stdout
        .take()
        .unwrap_or_else(|| panic!("the server's stdout"));
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("the TypeScript SDK's server did not say where it listens"))
        .ok()
        .flatten()
        .unwrap_or_default();
    let url = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"));
    let client = mcp_runtime::Client::http(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the TypeScript SDK's server over HTTP: {e}"));
    speaks_legacy_with_the_typescript_sdk(&client).await;
    let _ = client.close().await;
}

async fn speaks_legacy_with_the_typescript_sdk(client: &mcp_runtime::Client) {
    assert_eq!(client.era(), mcp_runtime::client::Era::Legacy);
    let server = client
        .server()
        .unwrap_or_else(|| panic!("the initialize result"));
    assert_eq!(server.server_info.name, "ts-legacy");
    assert_eq!(server.protocol_version, "2025-11-25");
    let tools = client
        .list_tools()
        .await
        .unwrap_or_else(|e| panic!("tools/list: {e}"));
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["echo"]);
    let echoed = client
        .call_tool("echo", serde_json::json!({ "text": "hello, legacy" }))
        .await
        .unwrap_or_else(|e| panic!("tools/call echo: {e}"));
    assert_eq!(echoed.text(), "hello, legacy");
}
