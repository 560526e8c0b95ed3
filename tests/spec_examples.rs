//! Every example message of `$MCP_SPEC_DIR/2026-07-28/examples/` that a server receives
//! decodes: into this crate's types for its method, and through a real server over stdio,
//! whose answer is never a parse, framing or `_meta` error (the examples name tools and
//! resources this test server does not have, so "unknown tool" answers are expected; they
//! prove the request itself was read). Skipped, saying so, without `MCP_SPEC_DIR`.

use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{
    CallTool, ClientCapabilities, Complete, Discover, GetPrompt, ListPrompts,
    ListResourceTemplates, ListResources, ListTools, Listen, Method, ReadResource,
};
use mcp_runtime::transport::serve_io;
use serde_json::Value;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn examples_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("MCP_SPEC_DIR").filter(|d| !d.is_empty()) else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: MCP_SPEC_DIR is not set (CI sets it to ../shared/spec)"
        );
        return None;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join("2026-07-28/examples");
    assert!(
        dir.is_dir(),
        "MCP_SPEC_DIR is set, but {} is missing",
        dir.display()
    );
    Some(dir)
}

/// The JSON files of one example directory.
fn examples(dir: &std::path::Path, name: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let folder = dir.join(name);
    let entries = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", folder.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        out.push((path.display().to_string(), value));
    }
    assert!(!out.is_empty(), "{} holds no example", folder.display());
    out
}

fn decodes<M: Method>(file: &str, message: &Value) {
    assert_eq!(message["method"], M::NAME, "{file}");
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    if let Err(e) = serde_json::from_value::<M::Params>(params) {
        panic!("{file}: the params of {} do not decode: {e}", M::NAME);
    }
}

const REQUESTS: &[&str] = &[
    "CallToolRequest",
    "CompleteRequest",
    "DiscoverRequest",
    "GetPromptRequest",
    "ListPromptsRequest",
    "ListResourceTemplatesRequest",
    "ListResourcesRequest",
    "ListToolsRequest",
    "ReadResourceRequest",
    "SubscriptionsListenRequest",
];

#[tokio::test]
async fn every_example_a_server_receives_decodes() {
    let Some(dir) = examples_dir() else {
        return;
    };
    let mut messages = Vec::new();
    for name in REQUESTS {
        for (file, message) in examples(&dir, name) {
            match *name {
                "CallToolRequest" => decodes::<CallTool>(&file, &message),
                "CompleteRequest" => decodes::<Complete>(&file, &message),
                "DiscoverRequest" => decodes::<Discover>(&file, &message),
                "GetPromptRequest" => decodes::<GetPrompt>(&file, &message),
                "ListPromptsRequest" => decodes::<ListPrompts>(&file, &message),
                "ListResourceTemplatesRequest" => decodes::<ListResourceTemplates>(&file, &message),
                "ListResourcesRequest" => decodes::<ListResources>(&file, &message),
                "ListToolsRequest" => decodes::<ListTools>(&file, &message),
                "ReadResourceRequest" => decodes::<ReadResource>(&file, &message),
                "SubscriptionsListenRequest" => decodes::<Listen>(&file, &message),
                other => unreachable!("{other}"),
            }
            messages.push((file, message));
        }
    }
    for (file, caps) in examples(&dir, "ClientCapabilities") {
        if let Err(e) = serde_json::from_value::<ClientCapabilities>(caps) {
            panic!("{file}: ClientCapabilities do not decode: {e}");
        }
    }
    for (file, responses) in examples(&dir, "InputResponses") {
        assert!(responses.is_object(), "{file}: InputResponses is an object");
    }
    let cancelled = examples(&dir, "CancelledNotification");

    // Through a real server: each request on its own stdio stream (a listen stays open).
    for (file, message) in &messages {
        let server = Server::builder()
            .name("examples")
            .tool(add)
            .build()
            .expect("builds");
        let (mut client, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, from_server) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let _ = serve_io(&server, server_in, server_out).await;
        });
        let mut lines = BufReader::new(from_server).lines();
        let mut line = message.to_string();
        line.push('\n');
        client.write_all(line.as_bytes()).await.expect("written");
        let answer = loop {
            let next = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("{file}: no answer"))
                .expect("readable")
                .expect("a line");
            let value: Value = serde_json::from_str(&next).expect("JSON");
            // A listen's acknowledgement comes first: it was read and served.
            if value["method"] == "notifications/subscriptions/acknowledged" {
                break value;
            }
            if value.get("id") == message.get("id") {
                break value;
            }
        };
        if let Some(error) = answer.get("error") {
            let code = error["code"].as_i64().unwrap_or_default();
            let text = error["message"].as_str().unwrap_or_default();
            let unknown_item = code == -32602
                && (text.starts_with("Unknown") || text.starts_with("Resource not found"));
            assert!(
                unknown_item,
                "{file}: the server did not read the example: {answer}"
            );
        }
    }
    for (file, message) in cancelled {
        assert_eq!(message["method"], "notifications/cancelled", "{file}");
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        if let Err(e) = serde_json::from_value::<
            <mcp_runtime::protocol::Cancelled as mcp_runtime::protocol::NotificationMethod>::Params,
        >(params)
        {
            panic!("{file}: notifications/cancelled does not decode: {e}");
        }
    }
}
