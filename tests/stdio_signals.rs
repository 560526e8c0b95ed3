//! SIGINT over stdio, against the `everything` server as a real child process: reading
//! stops, the requests already read are answered (within the grace period, else with a
//! -32000 error), and the process exits 0.

#![cfg(unix)]

use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Only so that a server that stops answering fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Server {
    /// Starts `everything` on stdio and initializes a session whose client can elicit.
    async fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_everything"))
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the everything server: {e}"));
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let mut server = Server {
            child,
            stdin,
            stdout,
        };
        server
            .send(json!({
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": { "elicitation": {} },
                    "clientInfo": { "name": "signals", "version": "1" }
                }
            }))
            .await;
        let init = server.recv().await;
        assert!(init["result"]["protocolVersion"].is_string(), "{init}");
        server
            .send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await;
        server
    }

    async fn send(&mut self, message: Value) {
        let line = format!("{message}\n");
        self.stdin.write_all(line.as_bytes()).await.expect("write");
        self.stdin.flush().await.expect("flush");
    }

    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(PATIENCE, self.stdout.next_line())
            .await
            .expect("the server answers in time")
            .expect("stdout is readable")
            .expect("the server wrote a line before closing stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// Reads lines until the response to `id`.
    async fn response(&mut self, id: i64) -> Value {
        loop {
            let message = self.recv().await;
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }

    fn interrupt(&self) {
        let pid = self.child.id().expect("the server is running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -INT {pid}");
    }

    /// Waits for the process to end; stdin stays open, so only the signal ends it.
    async fn exit_code(mut self) -> Option<i32> {
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("the server exits after SIGINT")
            .expect("wait");
        drop(self.stdin);
        status.code()
    }
}

#[tokio::test]
async fn sigint_finishes_the_request_in_flight_and_exits_0() {
    let mut server = Server::start().await;
    server
        .send(json!({
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {
                "name": "test_tool_with_progress",
                "arguments": {},
                "_meta": { "progressToken": "p" }
            }
        }))
        .await;
    // The first progress report: the call is running (it takes about 100 ms).
    let progress = server.recv().await;
    assert_eq!(progress["method"], "notifications/progress", "{progress}");
    server.interrupt();
    let reply = server.response(2).await;
    assert_eq!(reply["result"]["content"][0]["text"], "p", "{reply}");
    assert_eq!(server.exit_code().await, Some(0));
}

#[tokio::test]
async fn sigint_answers_a_request_still_running_after_the_grace_period() {
    let mut server = Server::start().await;
    server
        .send(json!({
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": { "name": "test_elicitation", "arguments": { "message": "Name?" } }
        }))
        .await;
    // The call now waits for an answer that this client never sends.
    let ask = server.recv().await;
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    server.interrupt();
    let reply = server.response(2).await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("shutting down"), "{reply}");
    assert_eq!(server.exit_code().await, Some(0));
}
