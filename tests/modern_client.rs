//! Our `Client` speaking MCP 2026-07-28: it finds the era with `server/discover`, sends
//! the per-request `_meta`, answers multi-round requests with the same handlers a legacy
//! session uses, listens with `subscriptions/listen`, mirrors the request-metadata headers
//! over Streamable HTTP, cancels by closing the response stream, and falls back to
//! `initialize` for a server that speaks only a legacy revision.
//!
//! Against `examples/everything` over a real stdio pipe and real HTTP, and against
//! in-process servers; every message the client receives is checked against the 2026-07-28
//! schema when `MCP_SPEC_DIR` is set.

mod common;
mod peers;

use common::Wire;
use mcp_runtime::client::Era;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, Notification, Role,
    Root, SubscriptionFilter,
};
use mcp_runtime::{ClientBuilder, Error};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{oneshot, watch};

const WAIT: Duration = Duration::from_secs(10);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a client received and asked, to assert on.
#[derive(Clone, Default)]
struct Seen {
    notifications: Arc<Mutex<Vec<Notification>>>,
    changed: Arc<watch::Sender<usize>>,
    elicited: Arc<Mutex<Vec<String>>>,
    sampled: Arc<Mutex<usize>>,
}

impl Seen {
    /// A builder that answers every question: a form with a name and a colour, the
    /// model's "Paris", one root; and records what arrives.
    fn builder(&self, wire: &Wire) -> ClientBuilder {
        let (notes, changed) = (self.notifications.clone(), self.changed.clone());
        let (elicited, sampled) = (self.elicited.clone(), self.sampled.clone());
        let builder = Client::builder()
            .on_notification(move |n| {
                lock(&notes).push(n);
                changed.send_modify(|c| *c += 1);
            })
            .on_elicitation(move |params: Map<String, Value>| {
                let message = params["message"].as_str().unwrap_or_default().to_owned();
                lock(&elicited).push(message);
                let content = json!({ "name": "Ada", "color": "blue", "context": "tests" });
                async move {
                    Ok(ElicitResult {
                        action: ElicitAction::Accept,
                        content: content.as_object().cloned(),
                    })
                }
            })
            .on_sampling(move |_: CreateMessageRequest| {
                *lock(&sampled) += 1;
                async {
                    Ok(CreateMessageResult {
                        role: Role::Assistant,
                        content: Content::text("Paris"),
                        model: "test-model".into(),
                        stop_reason: Some("endTurn".into()),
                        meta: None,
                    })
                }
            })
            .roots(vec![Root {
                uri: "file:///work".into(),
                name: Some("work".into()),
            }]);
        // The wire pins the era it checks; this client asks for nothing (Era::Auto).
        wire.attach(builder).era(Era::Auto)
    }

    fn of(&self, method: &str) -> Vec<Notification> {
        lock(&self.notifications)
            .iter()
            .filter(|n| n.method == method)
            .cloned()
            .collect()
    }

    async fn wait_for(&self, method: &str) -> Notification {
        let mut changed = self.changed.subscribe();
        let arrived = changed.wait_for(|_| !self.of(method).is_empty());
        if tokio::time::timeout(WAIT, arrived).await.is_err() {
            panic!(
                "no {method} within {WAIT:?}; got {:?}",
                lock(&self.notifications)
            );
        }
        self.of(method).remove(0)
    }
}

async fn text(client: &Client, wire: &Wire, tool: &str, arguments: Value) -> String {
    wire.expect("tools/call");
    let result = client
        .call_tool(tool, arguments)
        .await
        .unwrap_or_else(|e| panic!("tools/call {tool}: {e}"));
    assert!(!result.is_error(), "{tool} failed: {}", result.text());
    result.text()
}

/// Everything a modern client does with `examples/everything`, over one transport.
async fn speaks_2026_07_28_with_everything(client: Client, wire: Wire, seen: Seen, http: bool) {
    assert_eq!(client.era(), Era::Modern);
    let server = client.server().expect("the discovered server");
    assert_eq!(server.protocol_version, "2026-07-28");
    assert!(!server.server_info.name.is_empty(), "serverInfo from _meta");

    // Over HTTP the client lists the tools before its first call, to learn their
    // x-mcp-header parameters; list them here so the wire knows the method.
    wire.expect("tools/list");
    let tools = client.list_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "test_custom_headers"));

    // Multi-round requests: answered by the handlers, the same bodies finish.
    let hello = text(
        &client,
        &wire,
        "test_input_required_result_elicitation",
        json!({}),
    );
    assert_eq!(hello.await, "Hello, Ada!");
    let sampled = text(
        &client,
        &wire,
        "test_input_required_result_sampling",
        json!({}),
    );
    assert_eq!(sampled.await, "Sampling response: Paris");
    let roots = text(
        &client,
        &wire,
        "test_input_required_result_list_roots",
        json!({}),
    );
    assert_eq!(roots.await, "Client roots: file:///work");
    let all = text(
        &client,
        &wire,
        "test_input_required_result_multiple_inputs",
        json!({}),
    );
    assert_eq!(all.await, "Paris Ada (1 roots)");
    let two_rounds = text(
        &client,
        &wire,
        "test_input_required_result_multi_round",
        json!({}),
    );
    assert_eq!(two_rounds.await, "Hello, Ada! Your favorite color is blue.");
    wire.expect("prompts/get");
    let prompt = client
        .get_prompt("test_input_required_result_prompt", json!({}))
        .await
        .expect("a multi-round prompts/get");
    assert!(
        serde_json::to_string(&prompt)
            .unwrap_or_default()
            .contains("Answer with this context in mind: tests"),
        "{prompt:?}"
    );
    assert!(*lock(&seen.sampled) >= 2);
    assert!(
        lock(&seen.elicited).iter().any(|m| m.contains("Step 2")),
        "the second round's question reached the handler"
    );
    // No server→client request came as a JSON-RPC request: all were inputRequests.
    let requests: Vec<Value> = wire
        .received()
        .into_iter()
        .filter(|m| m.get("method").is_some() && m.get("id").is_some())
        .collect();
    assert!(requests.is_empty(), "{requests:?}");

    // Header parameters: the server refuses a call whose Mcp-Param-Region is missing.
    let ran = text(
        &client,
        &wire,
        "test_custom_headers",
        json!({ "region": "eu-west-1", "query": "SELECT 1" }),
    );
    assert_eq!(ran.await, "ran \"SELECT 1\" in eu-west-1");
    if http {
        let unicode = text(
            &client,
            &wire,
            "test_custom_headers",
            json!({ "region": "Zürich ", "query": "x" }),
        );
        assert_eq!(unicode.await, "ran \"x\" in Zürich ");
    }

    // Logs only once a level is set, then on the request's own stream.
    text(&client, &wire, "test_tool_with_logging", json!({})).await;
    assert!(seen.of("notifications/message").is_empty());
    client
        .set_log_level(mcp_runtime::protocol::LoggingLevel::Debug)
        .await
        .expect("the level");
    text(&client, &wire, "test_tool_with_logging", json!({})).await;
    seen.wait_for("notifications/message").await;

    // Progress.
    wire.expect("tools/call");
    let reports = Arc::new(Mutex::new(0));
    let count = reports.clone();
    let progress = client
        .call_tool_with_progress("test_tool_with_progress", json!({}), move |_, _, _| {
            *lock(&count) += 1
        })
        .await
        .expect("a call with progress");
    assert!(!progress.is_error());
    assert!(*lock(&reports) >= 1, "progress reached the handler");

    // List changes reach the client through the listen stream it opened at connect.
    text(&client, &wire, "test_trigger_tool_change", json!({})).await;
    let changed = seen.wait_for("notifications/tools/list_changed").await;
    assert!(
        changed
            .params
            .as_ref()
            .is_some_and(|p| p["_meta"]["io.modelcontextprotocol/subscriptionId"].is_number()),
        "{changed:?}"
    );

    // ping is a discover round trip in this era.
    wire.expect("server/discover");
    client.ping().await.expect("ping");
    wire.assert_valid();
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_stdio_with_everything() {
    let (wire, seen) = (Wire::modern(), Seen::default());
    wire.expect("server/discover");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_everything"));
    command.env("RUST_LOG", "warn");
    let client = seen
        .builder(&wire)
        .stdio(command)
        .await
        .expect("connecting over stdio");
    speaks_2026_07_28_with_everything(client, wire, seen, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_with_everything() {
    let server = peers::NotesHttp::start_binary(env!("CARGO_BIN_EXE_everything"));
    let (wire, seen) = (Wire::modern(), Seen::default());
    wire.expect("server/discover");
    let client = seen
        .builder(&wire)
        .http(server.url())
        .await
        .expect("connecting over HTTP");
    speaks_2026_07_28_with_everything(client, wire, seen, true).await;
}

// ----- in-process servers ----------------------------------------------------------------

#[derive(Default)]
struct Probe {
    started: watch::Sender<bool>,
    cancelled: Arc<watch::Sender<bool>>,
}

/// Tells the probe the call was cancelled when dropped: a server may cancel a call by
/// dropping it (HTTP, when the client closes the connection before any response byte)
/// as well as by tripping its token.
struct Dropped(Option<Arc<watch::Sender<bool>>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        if let Some(cancelled) = self.0.take() {
            cancelled.send_replace(true);
        }
    }
}

/// Runs until cancelled, telling the probe.
#[tool]
async fn wait_for_cancellation(ctx: Context, probe: State<Probe>) -> &'static str {
    let mut guard = Dropped(Some(probe.cancelled.clone()));
    probe.started.send_replace(true);
    tokio::select! {
        () = ctx.cancelled() => "cancelled",
        () = tokio::time::sleep(WAIT * 3) => {
            guard.0 = None;
            "never cancelled"
        }
    }
}

/// A greeting.
#[resource("mem://greeting", mime_type = "text/plain")]
fn greeting() -> &'static str {
    "Hello."
}

fn probed_server(probe: Arc<Probe>) -> Server {
    Server::builder()
        .tool(wait_for_cancellation)
        .resource(greeting)
        .state_arc(probe)
        .build()
        .unwrap_or_else(|e| panic!("the test server: {e}"))
}

async fn serve_on_loopback(server: Server) -> (String, oneshot::Sender<()>) {
    let (address, stop) = common::serve_http_on_loopback(server).await;
    (format!("http://{address}/mcp"), stop)
}

/// Cancelling a modern call reaches the handler: by `notifications/cancelled` in memory,
/// by closing the response stream over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_reaches_the_handler_in_memory_and_over_http() {
    for http in [false, true] {
        let probe = Arc::new(Probe::default());
        let server = probed_server(probe.clone());
        let (client, _stop) = if http {
            let (url, stop) = serve_on_loopback(server).await;
            (Client::http(&url).await.expect("http"), Some(stop))
        } else {
            (Client::in_memory(&server).await.expect("in memory"), None)
        };
        assert_eq!(client.era(), Era::Modern);
        let params = json!({ "name": "wait_for_cancellation", "arguments": {} });
        let (id, answer) = client
            .begin("tools/call", params)
            .await
            .expect("the call goes out");
        let mut started = probe.started.subscribe();
        tokio::time::timeout(WAIT, started.wait_for(|s| *s))
            .await
            .expect("the handler starts")
            .expect("the probe");
        client.cancel(&id, "changed my mind").await.expect("cancel");
        assert!(matches!(answer.await, Err(Error::Cancelled)));
        let mut cancelled = probe.cancelled.subscribe();
        tokio::time::timeout(WAIT, cancelled.wait_for(|c| *c))
            .await
            .unwrap_or_else(|_| panic!("the cancellation reached the handler (http: {http})"))
            .expect("the probe");
    }
}

/// `subscribe` opens a listen stream for the resource; `unsubscribe` closes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_subscriptions_ride_on_listen_streams() {
    for http in [false, true] {
        let server = probed_server(Arc::default());
        let (wire, seen) = (Wire::modern(), Seen::default());
        wire.expect("server/discover");
        let builder = seen.builder(&wire);
        let (client, _stop) = if http {
            let (url, stop) = serve_on_loopback(server.clone()).await;
            (builder.http(&url).await.expect("http"), Some(stop))
        } else {
            (builder.in_memory(&server).await.expect("in memory"), None)
        };
        wire.expect("subscriptions/listen");
        client.subscribe("mem://greeting").await.expect("subscribe");
        server.notify_resource_updated("mem://greeting");
        let updated = seen.wait_for("notifications/resources/updated").await;
        assert_eq!(
            updated.params.as_ref().map(|p| &p["uri"]),
            Some(&json!("mem://greeting"))
        );
        client
            .unsubscribe("mem://greeting")
            .await
            .expect("unsubscribe");
        // The server sees the stream end; a later update reaches nobody.
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.notify_resource_updated("mem://greeting");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            seen.of("notifications/resources/updated").len(),
            1,
            "http: {http}"
        );

        // listen itself, with what the server agreed to.
        wire.expect("subscriptions/listen");
        let listening = client
            .listen(SubscriptionFilter {
                tools_list_changed: Some(true),
                ..SubscriptionFilter::default()
            })
            .await
            .expect("listen");
        assert_eq!(listening.agreed.tools_list_changed, Some(true));
        client.cancel(&listening.id, "done").await.expect("cancel");
        wire.assert_valid();
    }
}

/// A legacy client still gets a session, and is told that listen is not its method.
#[tokio::test]
async fn a_legacy_client_is_told_listen_is_not_its_method() {
    let server = probed_server(Arc::default());
    let client = Client::builder()
        .era(Era::Legacy)
        .in_memory(&server)
        .await
        .expect("legacy");
    assert_eq!(client.era(), Era::Legacy);
    assert_eq!(
        client.server().map(|s| s.protocol_version.as_str()),
        Some("2025-11-25")
    );
    let refused = client.listen(SubscriptionFilter::default()).await;
    assert!(
        matches!(&refused, Err(Error::Unsupported(m)) if m.contains("2026-07-28")),
        "{refused:?}"
    );
    // protocol_version picks the era when no era is given.
    let pinned = Client::builder()
        .protocol_version("2025-06-18")
        .in_memory(&server)
        .await
        .expect("2025-06-18");
    assert_eq!(pinned.era(), Era::Legacy);
}

// ----- a server that speaks only 2025-11-25 ---------------------------------------------------

/// A minimal legacy server on a byte stream, as servers before 2026-07-28 behave:
/// `server/discover` is an unknown method; `initialize` starts the session.
async fn legacy_only_server(stream: tokio::io::DuplexStream) {
    let (read, mut write) = tokio::io::split(stream);
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let Some(id) = message.get("id").cloned() else {
            continue;
        };
        let reply = match message["method"].as_str() {
            Some("initialize") => json!({ "jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": "2025-11-25",
                "capabilities": { "tools": {} },
                "serverInfo": { "name": "legacy", "version": "1.0.0" },
            }}),
            Some("tools/call") => json!({ "jsonrpc": "2.0", "id": id, "result": {
                "content": [{ "type": "text", "text": "legacy answer" }],
            }}),
            Some(other) => json!({ "jsonrpc": "2.0", "id": id, "error": {
                "code": -32601, "message": format!("Method not found: {other}"),
            }}),
            None => continue,
        };
        let mut bytes = reply.to_string().into_bytes();
        bytes.push(b'\n');
        if write.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

fn connect_to_legacy(builder: ClientBuilder) -> impl Future<Output = mcp_runtime::Result<Client>> {
    let (ours, theirs) = tokio::io::duplex(64 << 10);
    tokio::spawn(legacy_only_server(theirs));
    let (read, write) = tokio::io::split(ours);
    builder.connect_io(read, write, None)
}

#[tokio::test]
async fn an_auto_client_falls_back_to_initialize_for_a_legacy_server() {
    let client = connect_to_legacy(Client::builder())
        .await
        .expect("the fallback");
    assert_eq!(client.era(), Era::Legacy);
    assert_eq!(
        client.server().map(|s| s.server_info.name.as_str()),
        Some("legacy")
    );
    let answer = client
        .call_tool("anything", json!({}))
        .await
        .expect("a call");
    assert_eq!(answer.text(), "legacy answer");

    // A client that insists on 2026-07-28 says what went wrong.
    let refused = connect_to_legacy(Client::builder().era(Era::Modern)).await;
    match refused {
        Err(Error::Rpc(e)) => assert_eq!(e.code, -32601),
        other => panic!(
            "expected the server's -32601, got {:?}",
            other.map(|c| c.era())
        ),
    }
}
