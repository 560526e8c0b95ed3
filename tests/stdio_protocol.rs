//! JSON-RPC edge cases against the `notes` server as a real child process, written as raw
//! lines on its stdin: malformed JSON, wrong envelopes, batches, notifications, end of
//! input with requests in flight, over-long lines. Every line the server writes is
//! checked against the official schema when `MCP_SPEC_DIR` is set (see `common`).

mod common;

use common::{Spec, check_server_message};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Only so that a server that stops answering fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

/// The `notes` server, spoken to in raw lines.
struct Raw {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    /// The method of each request sent, by its id as JSON text.
    methods: HashMap<String, String>,
}

impl Raw {
    fn start() -> Raw {
        Spec::get();
        let mut child = Command::new(env!("CARGO_BIN_EXE_notes"))
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the notes server: {e}"));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        Raw {
            child,
            stdin,
            stdout,
            methods: HashMap::new(),
        }
    }

    /// Writes `text` as it is (no newline added).
    async fn write(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin
            .write_all(text.as_bytes())
            .await
            .expect("the server reads its stdin");
        stdin.flush().await.expect("the server reads its stdin");
    }

    /// Remembers the method of each request in `message` (one or a batch).
    fn remember(&mut self, message: &Value) {
        let items = match message {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for item in items {
            if let (Some(id), Some(method)) = (item.get("id"), item["method"].as_str()) {
                self.methods.insert(id.to_string(), method.to_owned());
            }
        }
    }

    /// Sends one message (or batch) as a line.
    async fn send(&mut self, message: Value) {
        self.remember(&message);
        self.write(&format!("{message}\n")).await;
    }

    /// The next line the server writes, parsed and checked.
    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(PATIENCE, self.stdout.next_line())
            .await
            .expect("the server did not answer")
            .expect("reading the server's stdout")
            .expect("the server closed its stdout");
        self.parse(&line)
    }

    fn parse(&self, line: &str) -> Value {
        let message: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("the server wrote a line that is not JSON ({e}): {line}"));
        if let Some(spec) = Spec::get() {
            let failures = check_server_message(spec, &message, |id| {
                self.methods.get(&id.to_string()).cloned()
            });
            assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        }
        message
    }

    /// The `initialize` handshake.
    async fn initialize(&mut self) {
        self.initialize_as("2025-11-25").await
    }

    async fn initialize_as(&mut self, version: &str) {
        self.send(json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": { "name": "raw-test", "version": "1" }
            }
        }))
        .await;
        let init = self.recv().await;
        assert_eq!(init["id"], 1, "{init}");
        assert_eq!(init["result"]["protocolVersion"], version, "{init}");
        self.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await;
    }

    /// Closes stdin, reads everything the server still writes, and waits for it to exit.
    async fn finish(mut self) -> (Vec<Value>, ExitStatus) {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        loop {
            let line = tokio::time::timeout(PATIENCE, self.stdout.next_line())
                .await
                .expect("the server did not close its stdout after stdin closed")
                .expect("reading the server's stdout");
            match line {
                Some(line) => rest.push(self.parse(&line)),
                None => break,
            }
        }
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("the server did not exit after stdin closed")
            .expect("waiting for the server");
        (rest, status)
    }
}

fn ping(id: impl Into<Value>) -> Value {
    json!({ "jsonrpc": "2.0", "id": id.into(), "method": "ping" })
}

#[tokio::test]
async fn malformed_json_is_a_parse_error_without_an_id() {
    let mut server = Raw::start();
    server.initialize().await;

    server
        .write("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \n")
        .await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32700, "{error}");
    assert!(
        error.get("id").is_none(),
        "the id of unparsable JSON is unknown: {error}"
    );
    assert!(error.get("result").is_none(), "{error}");

    server.send(ping(3)).await;
    assert_eq!(
        server.recv().await,
        json!({ "jsonrpc": "2.0", "id": 3, "result": {} })
    );
    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn the_edge_cases_of_ids_and_methods_are_answered() {
    let mut server = Raw::start();
    server.initialize().await;

    // `-0` is an integer: the ping is answered, with the id 0.
    server
        .write("{\"jsonrpc\":\"2.0\",\"id\":-0,\"method\":\"ping\"}\n")
        .await;
    let pong = server.recv().await;
    assert_eq!(pong["id"], 0, "{pong}");
    assert_eq!(pong["result"], json!({}), "{pong}");

    // A `method` that is present but not a string makes an invalid request, answered with
    // its id, not a response to drop.
    server
        .write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null,\"result\":{}}\n")
        .await;
    let error = server.recv().await;
    assert_eq!(error["id"], 1, "{error}");
    assert_eq!(error["error"]["code"], -32600, "{error}");
}

#[tokio::test]
async fn a_wrong_envelope_is_an_invalid_request() {
    let mut server = Raw::start();
    server.initialize().await;

    server
        .send(json!({ "jsonrpc": "1.0", "id": 2, "method": "ping" }))
        .await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");
    assert_eq!(error["id"], 2, "a readable id is echoed: {error}");

    server.send(json!({ "id": 3, "method": "ping" })).await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");
    assert_eq!(error["id"], 3, "{error}");

    server
        .send(json!({ "jsonrpc": "2.0", "id": 4, "method": "ping", "params": [1, 2] }))
        .await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");

    // A null id is not an MCP request id.
    server
        .send(json!({ "jsonrpc": "2.0", "id": null, "method": "ping" }))
        .await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");

    server.send(json!("just a string")).await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");

    server.send(ping("still-here")).await;
    assert_eq!(server.recv().await["id"], "still-here");
    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn a_batch_is_answered_with_an_array_of_responses() {
    // Batches are part of MCP 2025-03-26 only.
    let mut server = Raw::start();
    server.initialize_as("2025-03-26").await;

    server
        .send(json!([
            ping(10),
            { "jsonrpc": "2.0", "method": "notifications/unknown" },
            { "jsonrpc": "2.0", "id": "list", "method": "tools/list" },
            { "jsonrpc": "1.0", "id": 12, "method": "ping" },
            { "jsonrpc": "2.0", "id": 13, "method": "tools/call",
              "params": { "name": "count_words", "arguments": { "text": "one two three" } } },
        ]))
        .await;
    let replies = server.recv().await;
    let replies = replies
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {replies}"));
    let by_id: BTreeMap<String, &Value> =
        replies.iter().map(|r| (r["id"].to_string(), r)).collect();
    assert_eq!(
        replies.len(),
        4,
        "one response per request, none for the notification: {replies:?}"
    );
    assert_eq!(by_id.len(), 4, "each request answered once: {replies:?}");

    assert_eq!(by_id["10"]["result"], json!({}));
    let names: Vec<&str> = by_id["\"list\""]["result"]["tools"]
        .as_array()
        .expect("tools/list result")
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["add_note", "count_words", "delete_note", "search_notes"]
    );
    assert_eq!(by_id["12"]["error"]["code"], -32600);
    assert_eq!(
        by_id["13"]["result"]["structuredContent"],
        json!({ "result": 3 })
    );

    // An empty batch is not a request.
    server.write("[]\n").await;
    let error = server.recv().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");

    // A batch of notifications gets no answer; `initialize` cannot be in a batch.
    server
        .send(json!([{ "jsonrpc": "2.0", "method": "notifications/in-a-batch" }]))
        .await;
    server
        .send(json!([{ "jsonrpc": "2.0", "id": 20, "method": "initialize", "params": {} }]))
        .await;
    let replies = server.recv().await;
    assert_eq!(replies[0]["id"], 20, "{replies}");
    assert_eq!(replies[0]["error"]["code"], -32600, "{replies}");

    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn a_batch_is_refused_where_the_protocol_version_has_none() {
    let mut server = Raw::start();
    server.send(json!([ping(1)])).await;
    let refused = server.recv().await;
    assert_eq!(
        refused["error"]["code"], -32600,
        "before initialize: {refused}"
    );
    assert!(refused["id"].is_null(), "{refused}");
    server.initialize().await;
    server.send(json!([ping(2), ping(3)])).await;
    let refused = server.recv().await;
    assert_eq!(refused["error"]["code"], -32600, "on 2025-11-25: {refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("2025-11-25"), "{message}");
    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn nothing_but_ping_is_served_before_initialize() {
    let mut server = Raw::start();
    server.send(ping(1)).await;
    assert_eq!(server.recv().await["result"], json!({}));
    server
        .send(json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" }))
        .await;
    let refused = server.recv().await;
    assert_eq!(refused["id"], 2, "{refused}");
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    server.initialize().await;
    server
        .send(json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/list" }))
        .await;
    assert!(server.recv().await["result"]["tools"].is_array());
    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn notifications_and_responses_from_the_client_get_no_answer() {
    let mut server = Raw::start();
    server.initialize().await;

    for message in [
        json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": 99 } }),
        json!({ "jsonrpc": "2.0", "method": "notifications/roots/list_changed" }),
        json!({ "jsonrpc": "2.0", "method": "notifications/made-up", "params": { "x": 1 } }),
        json!({ "jsonrpc": "2.0", "id": 77, "result": {} }),
    ] {
        server.send(message).await;
    }
    server.send(ping(2)).await;

    let (rest, status) = server.finish().await;
    assert_eq!(rest, [json!({ "jsonrpc": "2.0", "id": 2, "result": {} })]);
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn every_request_written_before_end_of_input_is_answered() {
    let mut server = Raw::start();
    let calls = 2..=121;
    let mut burst = String::new();
    let mut messages = vec![json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": { "name": "burst", "version": "1" } }
    })];
    messages.push(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    for id in calls.clone() {
        let text = vec!["word"; id % 13].join(" ");
        messages.push(json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": { "name": "count_words", "arguments": { "text": text } }
        }));
    }
    messages.push(
        json!({ "jsonrpc": "2.0", "id": 200, "method": "resources/read",
                          "params": { "uri": "notes://1" } }),
    );
    messages.push(
        json!({ "jsonrpc": "2.0", "id": 201, "method": "prompts/get",
                          "params": { "name": "review", "arguments": { "code": "x" } } }),
    );
    for message in &messages {
        server.remember(message);
        burst.push_str(&message.to_string());
        burst.push('\n');
    }
    // One write, then end of input: most requests are still in flight when stdin closes.
    server.write(&burst).await;
    let (replies, status) = server.finish().await;
    assert!(status.success(), "{status}");

    let mut by_id: BTreeMap<i64, Value> = BTreeMap::new();
    for reply in replies {
        let id = reply["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id: {reply}"));
        assert!(by_id.insert(id, reply).is_none(), "id {id} answered twice");
    }
    let expected: Vec<i64> = std::iter::once(1)
        .chain(calls.clone().map(|id| id as i64))
        .chain([200, 201])
        .collect();
    assert_eq!(by_id.keys().copied().collect::<Vec<_>>(), expected);
    for id in calls {
        let words = id % 13;
        assert_eq!(
            by_id[&(id as i64)]["result"]["structuredContent"],
            json!({ "result": words }),
            "call {id}"
        );
    }
    assert!(
        by_id[&200]["result"]["contents"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("# Welcome"))
    );
    assert!(by_id[&201]["result"]["messages"].is_array());
}

#[tokio::test]
async fn an_over_long_line_is_refused_and_the_server_keeps_going() {
    let mut server = Raw::start();
    server.initialize().await;

    let padding = "x".repeat((4 << 20) + 1024);
    let huge =
        json!({ "jsonrpc": "2.0", "id": 2, "method": "ping", "params": { "padding": padding } });
    server.send(huge).await;
    server.send(ping(3)).await;

    let first = server.recv().await;
    assert_eq!(first["error"]["code"], -32600, "{first}");
    assert!(
        first.get("id").is_none(),
        "the id of a discarded line is unknown: {first}"
    );
    assert!(
        first["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than"),
        "{first}"
    );
    assert_eq!(
        server.recv().await,
        json!({ "jsonrpc": "2.0", "id": 3, "result": {} })
    );

    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success(), "{status}");
}

/// Over stdio, what a call sends goes out before its result, also for calls answered at
/// once (the reading thread writes those itself, the writer thread the rest): 20 calls
/// written at once, each sending 30 progress notifications without waiting.
#[test]
fn a_calls_notifications_precede_its_result_over_stdio() {
    use std::io::{BufRead as _, Write as _};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_everything"))
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start everything: {e}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut input = String::new();
    input.push_str(
        &json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": { "name": "order", "version": "1" } } })
        .to_string(),
    );
    input.push('\n');
    input.push_str(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    input.push('\n');
    for id in 1..=20 {
        input.push_str(
            &json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "ticker", "arguments": { "steps": 30, "interval_ms": 0 },
            "_meta": { "progressToken": format!("t{id}") } } })
            .to_string(),
        );
        input.push('\n');
    }
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    let mut steps: HashMap<String, Vec<u64>> = HashMap::new();
    let mut answered = 0;
    for line in stdout.lines() {
        let message: Value = serde_json::from_str(&line.expect("a line")).expect("JSON");
        if message["method"] == "notifications/progress" {
            let token = message["params"]["progressToken"]
                .as_str()
                .unwrap_or_default();
            let progress = message["params"]["progress"].as_f64().unwrap_or_default() as u64;
            steps.entry(token.to_owned()).or_default().push(progress);
        } else if let Some(id) = message["id"].as_u64().filter(|id| *id > 0) {
            let seen = steps.get(&format!("t{id}")).cloned().unwrap_or_default();
            assert_eq!(
                seen,
                (1..=30).collect::<Vec<_>>(),
                "call {id} answered before all its progress: {message}"
            );
            answered += 1;
        }
    }
    assert_eq!(answered, 20);
    assert!(child.wait().expect("the server exits").success());
}
