//! The Streamable HTTP transport (MCP 2025-11-25) over real sockets on 127.0.0.1: the
//! status codes and headers of every rule, SSE answers and their resumption, session
//! bounds and expiry, stateless mode, many concurrent clients, the public `Client` over
//! HTTP, graceful shutdown, and the endpoint mounted in an axum application; for MCP
//! 2026-07-28, the `Mcp-Param-*` headers of `x-mcp-header` arguments and the caching
//! hints of `resources/read`.
//!
//! Raw requests go over a fresh HTTP/1.1 connection each, so a test can drop one
//! connection and keep the others. Nothing here asserts on timing: every wait is bounded
//! by [`WAIT`] and fails with what it was waiting for.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use mcp_runtime::Limits;
use mcp_runtime::client::Era;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::ErrorCode;
use mcp_runtime::transport::{
    HttpConfig, MemoryStore, Session, SessionStore, StoreError, StoreFuture, bind, serve_http,
};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// The longest any single step may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);

// ----- the server under test -------------------------------------------------------------

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The `Mcp-Session-Id` this call arrived with ("" without one).
#[tool]
fn whoami(ctx: Context) -> String {
    ctx.http_request()
        .and_then(|parts| parts.headers.get("mcp-session-id"))
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Log `text` at info level, and return it.
#[tool]
async fn note(text: String, ctx: Context) -> String {
    ctx.info(&text).await;
    text
}

/// Count from 1 to `to`, reporting each step as progress.
#[tool]
async fn count(to: u32, ctx: Context) -> u32 {
    for i in 1..=to {
        ctx.progress_with_message(f64::from(i), Some(f64::from(to)), "counting")
            .await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    to
}

/// Report `steps` steps of progress without ever waiting.
#[tool]
async fn burst(steps: u32, ctx: Context) -> u32 {
    for i in 1..=steps {
        ctx.progress(f64::from(i), Some(f64::from(steps))).await;
    }
    steps
}

/// Lets the test decide when a tool goes on: ordering without sleeps.
#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
}

impl Gate {
    async fn entered(&self) {
        within("the tool to start", self.entered.notified()).await;
    }

    fn release(&self) {
        self.release.notify_one();
    }
}

/// Report step 1, wait for the test, then report steps 2 and 3 and finish.
#[tool]
async fn stepper(gate: State<Gate>, ctx: Context) -> String {
    ctx.progress_with_message(1.0, Some(3.0), "one").await;
    gate.entered.notify_one();
    gate.release.notified().await;
    ctx.progress_with_message(2.0, Some(3.0), "two").await;
    ctx.progress_with_message(3.0, Some(3.0), "three").await;
    "stepped".into()
}

/// Wait for the test, sending nothing before the result.
#[tool]
async fn slow(gate: State<Gate>) -> String {
    gate.entered.notify_one();
    gate.release.notified().await;
    "released".into()
}

/// A greeting.
#[resource("mem://greeting", mime_type = "text/plain")]
fn greeting() -> String {
    "Hello over HTTP.".into()
}

/// Ask for a summary.
#[prompt]
fn summarize(
    /// The text to summarize.
    text: String,
) -> String {
    format!("Summarize:\n\n{text}")
}

fn server(gate: Arc<Gate>, limits: Limits) -> Server {
    Server::builder()
        .limits(limits)
        .name("http-test")
        .tool(add)
        .tool(whoami)
        .tool(count)
        .tool(burst)
        .tool(note)
        .tool(stepper)
        .tool(slow)
        .resource(greeting)
        .prompt(summarize)
        .state_arc(gate)
        .build()
        .unwrap_or_else(|e| panic!("the test server does not build: {e}"))
}

/// A server on 127.0.0.1 that shuts down when this is dropped or [`Running::stop`]ped.
struct Running {
    addr: SocketAddr,
    gate: Arc<Gate>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<mcp_runtime::Result<()>>,
}

impl Running {
    async fn start(config: HttpConfig) -> Running {
        Running::start_with(config, Limits::default()).await
    }

    async fn start_with(config: HttpConfig, limits: Limits) -> Running {
        let gate = Arc::new(Gate::default());
        let server = server(gate.clone(), limits);
        Running::serving(server, gate, config).await
    }

    /// Serves `server`, built by the test.
    async fn serving(server: Server, gate: Arc<Gate>, config: HttpConfig) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            serve_http(&server, listener, config, shutdown).await
        });
        Running {
            addr,
            gate,
            stop: Some(stop),
            task,
        }
    }

    async fn new() -> Running {
        Running::start(HttpConfig::default()).await
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    fn raw(&self) -> Raw {
        Raw { addr: self.addr }
    }

    /// Triggers the shutdown future.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for `serve_http` to return, which it does once in-flight requests are done.
    async fn stopped(self) {
        let outcome = within("serve_http to return", self.task).await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("serve_http failed: {e}"),
            Err(e) => panic!("the server task failed: {e}"),
        }
    }
}

// ----- a raw HTTP/1.1 client -------------------------------------------------------------

/// Builds requests to one server, each sent over its own connection.
#[derive(Clone, Copy)]
struct Raw {
    addr: SocketAddr,
}

impl Raw {
    fn request(&self, method: Method, path: &str) -> Req {
        Req {
            addr: self.addr,
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
        .header("host", &self.addr.to_string())
    }

    /// A POST of `message` with the headers the spec requires of a client.
    fn post(&self, message: &Value) -> Req {
        self.request(Method::POST, "/mcp")
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(message.to_string())
    }

    /// A GET of the session's stream.
    fn get(&self, session: &str) -> Req {
        self.request(Method::GET, "/mcp")
            .header("accept", "text/event-stream")
            .session(session)
    }

    fn delete(&self, session: &str) -> Req {
        self.request(Method::DELETE, "/mcp").session(session)
    }

    /// Initializes a session asking for `version`; returns its id.
    async fn initialize_as(&self, version: &str) -> String {
        let reply = self.post(&initialize(version)).send().await;
        assert_eq!(reply.status, StatusCode::OK, "initialize failed");
        let id = reply
            .header("mcp-session-id")
            .expect("initialize answers with Mcp-Session-Id")
            .to_owned();
        let body = reply.json().await;
        assert_eq!(body["result"]["protocolVersion"], version, "{body}");
        id
    }

    /// A session at the latest version, past `notifications/initialized`.
    async fn session(&self) -> String {
        let id = self.initialize_as("2025-11-25").await;
        let reply = self.post(&initialized()).session(&id).send().await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
        id
    }
}

/// One request, not yet sent.
struct Req {
    addr: SocketAddr,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Req {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        let value = HeaderValue::from_str(value)
            .unwrap_or_else(|e| panic!("{value:?} is not a header value: {e}"));
        self.headers.insert(HeaderName::from_static(name), value);
        self
    }

    /// Adds a value to `name`, keeping the ones it has.
    fn append(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
        self
    }

    fn without(mut self, name: &'static str) -> Self {
        self.headers.remove(name);
        self
    }

    fn session(self, id: &str) -> Self {
        self.header("mcp-session-id", id)
    }

    fn version(self, version: &str) -> Self {
        self.header("mcp-protocol-version", version)
    }

    fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request over a new connection and waits for the response head.
    async fn send(self) -> Reply {
        let what = format!("{} {}", self.method, self.path);
        let stream = within(
            &format!("connecting for {what}"),
            TcpStream::connect(self.addr),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot connect for {what}: {e}"));
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap_or_else(|e| panic!("HTTP handshake for {what} failed: {e}"));
        let conn = Connection(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let mut req = Request::new(Full::new(self.body));
        *req.method_mut() = self.method;
        *req.uri_mut() = self.path.parse().expect("a valid path");
        *req.headers_mut() = self.headers;
        let resp = within(&format!("the answer to {what}"), sender.send_request(req))
            .await
            .unwrap_or_else(|e| panic!("{what} failed: {e}"));
        let (parts, body) = resp.into_parts();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
            conn,
        }
    }
}

/// The task driving one client connection; dropping it closes the connection.
struct Connection(JoinHandle<()>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A response whose body has not been read yet.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Incoming,
    conn: Connection,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| {
            v.to_str()
                .unwrap_or_else(|_| panic!("header {name} is not visible ASCII"))
        })
    }

    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    async fn bytes(self) -> Bytes {
        within("the response body", self.body.collect())
            .await
            .unwrap_or_else(|e| panic!("reading the response body failed: {e}"))
            .to_bytes()
    }

    /// The body as JSON; the response must say it is JSON.
    async fn json(self) -> Value {
        assert_eq!(self.content_type(), Some("application/json"));
        let bytes = self.bytes().await;
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    }

    /// Checks an HTTP error: `status`, and a JSON-RPC error response with `code` and no
    /// id. Returns the error message.
    #[track_caller]
    fn error(self, status: StatusCode, code: i64) -> impl Future<Output = String> {
        assert_eq!(self.status, status, "expected HTTP {status}");
        async move {
            let body = self.json().await;
            assert_eq!(body["jsonrpc"], "2.0", "{body}");
            assert!(body.get("id").is_none(), "an error without id: {body}");
            assert!(body.get("result").is_none(), "{body}");
            assert_eq!(body["error"]["code"], code, "{body}");
            body["error"]["message"]
                .as_str()
                .unwrap_or_else(|| panic!("the error has no message: {body}"))
                .to_owned()
        }
    }

    /// The body as an SSE stream; the response must say it is one.
    fn events(self) -> Events {
        assert_eq!(self.status, StatusCode::OK);
        assert_eq!(self.content_type(), Some("text/event-stream"));
        assert_eq!(self.header("cache-control"), Some("no-cache"));
        Events {
            body: self.body,
            buf: Vec::new(),
            _conn: self.conn,
        }
    }
}

/// One SSE event.
#[derive(Debug, Default)]
struct Event {
    id: Option<String>,
    event: Option<String>,
    retry: Option<u64>,
    data: String,
}

impl Event {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("the event's data is not JSON ({e}): {self:?}"))
    }

    /// A priming event: an id and a retry, no data.
    #[track_caller]
    fn assert_priming(&self, id: &str, retry: Duration) {
        assert_eq!(self.id.as_deref(), Some(id), "{self:?}");
        assert_eq!(self.retry, Some(retry.as_millis() as u64), "{self:?}");
        assert_eq!(self.data, "", "{self:?}");
    }

    /// A message event with this id; returns its JSON.
    #[track_caller]
    fn message(&self, id: &str) -> Value {
        assert_eq!(self.id.as_deref(), Some(id), "{self:?}");
        assert_eq!(self.event.as_deref(), Some("message"), "{self:?}");
        self.json()
    }
}

/// The events of an SSE response, read as they come.
struct Events {
    body: Incoming,
    buf: Vec<u8>,
    _conn: Connection,
}

impl Events {
    /// The next event (keep-alive comments skipped), or `None` when the stream ended.
    async fn next(&mut self) -> Option<Event> {
        within("the next SSE event", self.read_event()).await
    }

    async fn read_event(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                match parse_event(&String::from_utf8_lossy(&block)) {
                    Some(event) => return Some(event),
                    None => continue,
                }
            }
            match self.body.frame().await {
                None => {
                    assert!(self.buf.is_empty(), "the stream ended mid-event");
                    return None;
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => panic!("the SSE stream broke: {e}"),
            }
        }
    }

    async fn expect_next(&mut self) -> Event {
        self.next()
            .await
            .expect("the stream ended before the expected event")
    }

    /// Every event until the server ends the stream.
    async fn rest(mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event);
        }
        events
    }
}

/// Parses one SSE block; `None` when it holds only comments.
fn parse_event(block: &str) -> Option<Event> {
    let mut event = Event::default();
    let mut any = false;
    let mut data: Vec<&str> = Vec::new();
    for line in block
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(':'))
    {
        any = true;
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => event.id = Some(value.to_owned()),
            "event" => event.event = Some(value.to_owned()),
            "retry" => event.retry = Some(value.parse().expect("retry is a number")),
            "data" => data.push(value),
            other => panic!("unknown SSE field {other:?} in {block:?}"),
        }
    }
    event.data = data.join("\n");
    any.then_some(event)
}

// ----- messages --------------------------------------------------------------------------

fn initialize(version: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": { "name": "raw-http-test", "version": "0" },
        },
    })
}

fn initialized() -> Value {
    json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })
}

fn call(id: i64, tool: &str, arguments: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "tools/call",
        "params": { "name": tool, "arguments": arguments },
    })
}

/// A `tools/call` that asks for progress with `token`.
fn call_with_progress(id: i64, tool: &str, arguments: Value, token: &str) -> Value {
    let mut message = call(id, tool, arguments);
    message["params"]["_meta"] = json!({ "progressToken": token });
    message
}

/// The structured result of a successful `tools/call` response.
#[track_caller]
fn structured(response: &Value, id: i64) -> Value {
    assert_eq!(response["jsonrpc"], "2.0", "{response}");
    assert_eq!(response["id"], id, "{response}");
    assert_eq!(response["result"]["isError"], Value::Null, "{response}");
    response["result"]["structuredContent"].clone()
}

/// The text of a successful `tools/call` response whose tool returned a string.
#[track_caller]
fn text(response: &Value, id: i64) -> String {
    assert_eq!(response["jsonrpc"], "2.0", "{response}");
    assert_eq!(response["id"], id, "{response}");
    assert_eq!(response["result"]["isError"], Value::Null, "{response}");
    assert_eq!(
        response["result"]["content"][0]["type"], "text",
        "{response}"
    );
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content: {response}"))
        .to_owned()
}

/// The text a tool returned, through the client.
#[track_caller]
fn text_of(result: &CallToolResult) -> String {
    let value = serde_json::to_value(result).expect("a result serializes");
    value["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content: {value}"))
        .to_owned()
}

/// Checks a `notifications/progress` message.
#[track_caller]
fn assert_progress(message: &Value, token: &str, progress: u32, total: u32) {
    assert_eq!(message["method"], "notifications/progress", "{message}");
    assert!(message.get("id").is_none(), "{message}");
    assert_eq!(message["params"]["progressToken"], token, "{message}");
    assert_eq!(
        message["params"]["progress"],
        f64::from(progress),
        "{message}"
    );
    assert_eq!(message["params"]["total"], f64::from(total), "{message}");
}

async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

// ----- sessions --------------------------------------------------------------------------

#[tokio::test]
async fn initialize_answers_json_with_a_fresh_session_id() {
    let srv = Running::new().await;
    let reply = srv.raw().post(&initialize("2025-11-25")).send().await;
    assert_eq!(reply.status, StatusCode::OK);
    let id = reply
        .header("mcp-session-id")
        .expect("Mcp-Session-Id on the answer to initialize")
        .to_owned();
    assert_eq!(id.len(), 43, "{id:?}");
    assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id:?}");
    let body = reply.json().await;
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 1);
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(body["result"]["serverInfo"]["name"], "http-test");

    let other = srv.raw().initialize_as("2025-11-25").await;
    assert_ne!(other, id, "every initialize starts a new session");
}

#[tokio::test]
async fn requests_need_a_known_session() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;

    let message = call(2, "add", json!({ "a": 2, "b": 3 }));
    let reply = raw.post(&message).send().await;
    let text = reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
    assert!(text.contains("Mcp-Session-Id"), "{text}");

    let unknown = "x".repeat(43);
    let reply = raw.post(&message).session(&unknown).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.post(&initialized()).session(&unknown).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;

    let reply = raw.post(&message).session(&id).send().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("mcp-session-id").is_none());
    assert_eq!(structured(&reply.json().await, 2), json!({ "result": 5 }));
}

#[tokio::test]
async fn delete_ends_the_session() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;

    let reply = raw.delete(&id).send().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.bytes().await.is_empty());

    let message = call(2, "add", json!({ "a": 1, "b": 1 }));
    let reply = raw.post(&message).session(&id).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.get(&id).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.delete(&id).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw
        .request(Method::DELETE, "/mcp")
        .version("2025-11-25")
        .send()
        .await;
    reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test]
async fn notifications_and_responses_are_accepted_with_an_empty_202() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.initialize_as("2025-11-25").await;

    let reply = raw.post(&initialized()).session(&id).send().await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.bytes().await.is_empty());

    let response = json!({ "jsonrpc": "2.0", "id": 7, "result": {} });
    let reply = raw.post(&response).session(&id).send().await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.bytes().await.is_empty());
}

#[tokio::test]
async fn a_session_runs_at_most_its_limit_of_requests_at_once() {
    let srv = Running::start_with(
        HttpConfig::default(),
        Limits {
            max_concurrent_requests: 1,
            ..Limits::default()
        },
    )
    .await;
    let raw = srv.raw();
    let session = raw.initialize_as("2025-11-25").await;
    let slow = raw
        .post(&call(2, "slow", json!({})))
        .session(&session)
        .send();
    let slow = tokio::spawn(slow);
    srv.gate.entered().await;
    let add = raw
        .post(&call(3, "add", json!({ "a": 1, "b": 2 })))
        .session(&session)
        .send();
    let mut add = tokio::spawn(add);
    let early = tokio::time::timeout(Duration::from_millis(300), &mut add).await;
    assert!(early.is_err(), "the second call waits while the first runs");
    // Another session has a limit of its own.
    let other = raw.initialize_as("2025-11-25").await;
    let reply = raw
        .post(&call(4, "add", json!({ "a": 2, "b": 2 })))
        .session(&other)
        .send()
        .await;
    assert_eq!(structured(&reply.json().await, 4), json!({ "result": 4 }));
    srv.gate.release();
    let reply = within("the first call", slow).await.expect("the task runs");
    assert_eq!(text(&reply.json().await, 2), "released");
    let reply = within("the second call", add).await.expect("the task runs");
    assert_eq!(structured(&reply.json().await, 3), json!({ "result": 3 }));
}

#[tokio::test]
async fn the_session_limit_refuses_new_sessions_with_503() {
    let srv = Running::start(HttpConfig {
        max_sessions: 2,
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();
    let first = raw.initialize_as("2025-11-25").await;
    let second = raw.initialize_as("2025-11-25").await;

    let reply = raw.post(&initialize("2025-11-25")).send().await;
    assert!(reply.header("mcp-session-id").is_none());
    reply
        .error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::INTERNAL_ERROR)
        .await;

    // The live sessions still work, and ending one makes room.
    let reply = raw.post(&call(2, "add", json!({ "a": 1, "b": 2 })));
    let reply = reply.session(&second).send().await;
    assert_eq!(structured(&reply.json().await, 2), json!({ "result": 3 }));
    assert_eq!(raw.delete(&first).send().await.status, StatusCode::OK);
    raw.initialize_as("2025-11-25").await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    let idle = Duration::from_millis(100);
    let srv = Running::start(HttpConfig {
        session_idle_timeout: idle,
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();
    let id = raw.initialize_as("2025-11-25").await;
    // Past the idle timeout by any clock: expiry only needs "at least this long".
    tokio::time::sleep(idle * 3).await;
    let reply = raw.post(&initialized()).session(&id).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
}

// ----- headers -----------------------------------------------------------------------------

#[tokio::test]
async fn accept_must_allow_json_and_event_stream() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let message = initialize("2025-11-25");
    for accept in [None, Some("application/json"), Some("text/event-stream")] {
        let req = raw.post(&message).without("accept");
        let req = match accept {
            Some(accept) => req.header("accept", accept),
            None => req,
        };
        let reply = req.send().await;
        assert!(reply.header("mcp-session-id").is_none());
        let text = reply
            .error(StatusCode::NOT_ACCEPTABLE, ErrorCode::INVALID_REQUEST)
            .await;
        assert!(text.contains("Accept"), "{accept:?}: {text}");
    }
    for accept in [
        "*/*",
        "application/*, text/*",
        "text/event-stream;q=0.9, application/json",
    ] {
        let reply = raw.post(&message).header("accept", accept).send().await;
        assert_eq!(reply.status, StatusCode::OK, "Accept: {accept}");
    }
    // The two media types may come in two Accept headers.
    let reply = raw
        .post(&message)
        .without("accept")
        .append("accept", "application/json")
        .append("accept", "text/event-stream")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "Accept in two headers");

    let id = raw.session().await;
    let reply = raw
        .get(&id)
        .header("accept", "application/json")
        .send()
        .await;
    reply
        .error(StatusCode::NOT_ACCEPTABLE, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test]
async fn a_wrong_path_is_told_where_the_endpoint_is() {
    let srv = Running::new().await;
    let raw = srv.raw();
    for method in [Method::POST, Method::GET] {
        let text = raw
            .request(method.clone(), "/")
            .header("accept", "application/json, text/event-stream")
            .send()
            .await
            .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
            .await;
        assert!(text.contains("MCP endpoint is /mcp"), "{method}: {text}");
    }
}

#[tokio::test]
async fn content_type_must_be_json() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let message = initialize("2025-11-25");
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let req = raw.post(&message).without("content-type");
        let req = match content_type {
            Some(ct) => req.header("content-type", ct),
            None => req,
        };
        let reply = req.send().await;
        reply
            .error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::INVALID_REQUEST,
            )
            .await;
    }
    let reply = raw
        .post(&message)
        .header("content-type", "application/json; charset=utf-8")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let srv = Running::start(HttpConfig {
        max_body_bytes: Some(512),
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();
    let id = raw.session().await;
    let big = call(2, "add", json!({ "a": 1, "b": 2, "pad": "x".repeat(4096) }));
    let reply = raw.post(&big).session(&id).send().await;
    let text = reply
        .error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::INVALID_REQUEST)
        .await;
    assert!(text.contains("512"), "{text}");

    let small = call(3, "add", json!({ "a": 1, "b": 2 }));
    let reply = raw.post(&small).session(&id).send().await;
    assert_eq!(structured(&reply.json().await, 3), json!({ "result": 3 }));
}

#[tokio::test]
async fn malformed_json_is_a_parse_error_without_id() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let reply = raw
        .post(&Value::Null)
        .body(r#"{"jsonrpc": "2.0", "id": 5, "method": "#)
        .session(&id)
        .send()
        .await;
    let text = reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::PARSE_ERROR)
        .await;
    assert!(text.starts_with("Parse error"), "{text}");
}

#[tokio::test]
async fn the_protocol_version_header_is_checked() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let message = call(2, "add", json!({ "a": 2, "b": 2 }));

    let reply = raw.post(&message).session(&id).version("1999-01-01");
    let text = reply
        .send()
        .await
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
    assert!(
        text.contains("1999-01-01") && text.contains("2025-11-25"),
        "{text}"
    );

    // Absent, negotiated, or another supported version: accepted (the spec asks for 400
    // only when the version is invalid or unsupported).
    for version in [
        None,
        Some("2025-11-25"),
        Some("2025-06-18"),
        Some("2025-03-26"),
    ] {
        let req = raw.post(&message).session(&id);
        let req = match version {
            Some(v) => req.version(v),
            None => req,
        };
        let reply = req.send().await;
        assert_eq!(structured(&reply.json().await, 2), json!({ "result": 4 }));
    }

    // Unsupported on GET and DELETE too.
    for req in [raw.get(&id), raw.delete(&id)] {
        let reply = req.version("1999-01-01").send().await;
        reply
            .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
            .await;
    }

    // Also on initialize, before any session exists.
    let reply = raw.post(&initialize("2025-11-25")).version("1999-01-01");
    let reply = reply.send().await;
    assert!(reply.header("mcp-session-id").is_none());
    reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test]
async fn batches_only_before_2025_06_18() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let batch = json!([
        call(2, "add", json!({ "a": 1, "b": 1 })),
        call(3, "add", json!({ "a": 2, "b": 2 })),
    ]);
    let latest = raw.session().await;
    let reply = raw.post(&batch).session(&latest).send().await;
    reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;

    let old = raw.initialize_as("2025-03-26").await;
    let reply = raw
        .post(&batch)
        .session(&old)
        .version("2025-03-26")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let answers = reply.json().await;
    assert_eq!(structured(&answers[0], 2), json!({ "result": 2 }));
    assert_eq!(structured(&answers[1], 3), json!({ "result": 4 }));
}

#[tokio::test]
async fn origins_not_allowed_are_forbidden() {
    let srv = Running::new().await;
    let raw = srv.raw();
    for origin in [
        "http://evil.example",
        "https://localhost.evil.example",
        "null",
    ] {
        let reply = raw
            .post(&initialize("2025-11-25"))
            .header("origin", origin)
            .send()
            .await;
        assert!(reply.header("mcp-session-id").is_none());
        let text = reply
            .error(StatusCode::FORBIDDEN, ErrorCode::INVALID_REQUEST)
            .await;
        assert!(text.contains("Origin"), "{origin}: {text}");
    }
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:5173",
        "https://[::1]",
    ] {
        let reply = raw
            .post(&initialize("2025-11-25"))
            .header("origin", origin)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::OK, "Origin: {origin}");
    }
    // Every method is checked, not only POST.
    let id = raw.session().await;
    let reply = raw.delete(&id).header("origin", "http://evil.example");
    reply
        .send()
        .await
        .error(StatusCode::FORBIDDEN, ErrorCode::INVALID_REQUEST)
        .await;
    assert_eq!(raw.delete(&id).send().await.status, StatusCode::OK);
}

#[tokio::test]
async fn hosts_not_allowed_are_forbidden() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let port = srv.addr.port();
    for host in [
        format!("evil.example:{port}"),
        "localhost.evil.example".into(),
    ] {
        let reply = raw
            .post(&initialize("2025-11-25"))
            .header("host", &host)
            .send()
            .await;
        let text = reply
            .error(StatusCode::FORBIDDEN, ErrorCode::INVALID_REQUEST)
            .await;
        assert!(text.contains("Host"), "{host}: {text}");
    }
    let reply = raw
        .post(&initialize("2025-11-25"))
        .header("host", &format!("localhost:{port}"))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let srv = Running::new().await;
    let raw = srv.raw();
    for method in [Method::PUT, Method::PATCH] {
        let reply = raw
            .request(method.clone(), "/mcp")
            .header("content-type", "application/json")
            .body(initialize("2025-11-25").to_string())
            .send()
            .await;
        assert_eq!(reply.header("allow"), Some("GET, POST, DELETE"), "{method}");
        reply
            .error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::INVALID_REQUEST)
            .await;
    }
}

#[tokio::test]
async fn only_the_endpoint_path_is_served() {
    let srv = Running::new().await;
    let raw = srv.raw();
    for path in ["/", "/other", "/mcp/", "/mcp/extra"] {
        let mut req = raw.post(&initialize("2025-11-25"));
        req.path = path.into();
        let reply = req.send().await;
        assert!(reply.header("mcp-session-id").is_none(), "{path}");
        reply
            .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
            .await;
    }

    let srv = Running::start(HttpConfig {
        path: "/custom/endpoint".into(),
        ..HttpConfig::default()
    })
    .await;
    let mut req = srv.raw().post(&initialize("2025-11-25"));
    req.path = "/custom/endpoint".into();
    assert_eq!(req.send().await.status, StatusCode::OK);
    let reply = srv.raw().post(&initialize("2025-11-25")).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test]
async fn bind_refuses_addresses_other_machines_reach() {
    let listener = bind("127.0.0.1", 0, false)
        .await
        .unwrap_or_else(|e| panic!("binding loopback failed: {e}"));
    assert!(listener.local_addr().unwrap().ip().is_loopback());
    match bind("0.0.0.0", 0, false).await {
        Err(mcp_runtime::Error::Unsupported(text)) => {
            assert!(text.contains("--allow-remote"), "{text}")
        }
        other => panic!("0.0.0.0 without allow_remote: {other:?}"),
    }
}

// ----- SSE ---------------------------------------------------------------------------------

#[tokio::test]
async fn get_opens_the_session_stream_once() {
    let retry = Duration::from_millis(2500);
    let srv = Running::start(HttpConfig {
        sse_retry: retry,
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();
    let id = raw.session().await;

    let mut stream = raw.get(&id).send().await.events();
    stream.expect_next().await.assert_priming("0-0", retry);

    let reply = raw.get(&id).send().await;
    let text = reply
        .error(StatusCode::CONFLICT, ErrorCode::INVALID_REQUEST)
        .await;
    assert!(text.contains("already open"), "{text}");

    // Resuming the stream takes it over: the old connection ends.
    let mut resumed = raw
        .get(&id)
        .header("last-event-id", "0-0")
        .send()
        .await
        .events();
    resumed.expect_next().await.assert_priming("0-0", retry);
    assert!(
        stream.next().await.is_none(),
        "the replaced connection ends"
    );

    // Ending the session ends its stream.
    assert_eq!(raw.delete(&id).send().await.status, StatusCode::OK);
    assert!(resumed.next().await.is_none(), "DELETE ends the stream");
}

#[tokio::test]
async fn get_needs_a_session_and_a_valid_last_event_id() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let reply = raw.get(&id).without("mcp-session-id").send().await;
    reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.get(&"y".repeat(43)).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw
        .get(&id)
        .header("last-event-id", "nonsense")
        .send()
        .await;
    reply
        .error(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.get(&id).header("last-event-id", "99-1").send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test]
async fn progress_turns_the_answer_into_an_event_stream() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;

    let message = call_with_progress(2, "count", json!({ "to": 3 }), "tok-1");
    let reply = raw.post(&message).session(&id).send().await;
    let events = reply.events().rest().await;
    assert_eq!(
        events.len(),
        5,
        "priming, 3 × progress, response: {events:?}"
    );
    events[0].assert_priming("1-0", HttpConfig::default().sse_retry);
    for (step, event) in (1..=3).zip(&events[1..4]) {
        let progress = event.message(&format!("1-{step}"));
        assert_progress(&progress, "tok-1", step, 3);
    }
    let response = events[4].message("1-4");
    assert_eq!(structured(&response, 2), json!({ "result": 3 }));

    // Without a progress token nothing is sent before the result: one JSON body.
    let message = call(3, "count", json!({ "to": 3 }));
    let reply = raw.post(&message).session(&id).send().await;
    assert_eq!(structured(&reply.json().await, 3), json!({ "result": 3 }));

    // Progress sent by a handler that never waits still comes before the response.
    let message = call_with_progress(5, "burst", json!({ "steps": 2 }), "tok-3");
    let events = raw.post(&message).session(&id).send().await.events();
    let events = events.rest().await;
    assert_eq!(
        events.len(),
        4,
        "priming, 2 × progress, response: {events:?}"
    );
    assert_progress(&events[1].json(), "tok-3", 1, 2);
    assert_progress(&events[2].json(), "tok-3", 2, 2);
    assert_eq!(structured(&events[3].json(), 5), json!({ "result": 2 }));

    // Each POST stream has its own number, so event ids are unique in the session.
    let message = call_with_progress(4, "count", json!({ "to": 1 }), "tok-2");
    let events = raw.post(&message).session(&id).send().await.events();
    let events = events.rest().await;
    let ids: Vec<_> = events.iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["3-0", "3-1", "3-2"]);
}

#[tokio::test]
async fn a_dropped_stream_resumes_with_last_event_id() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let retry = HttpConfig::default().sse_retry;

    let message = call_with_progress(2, "stepper", json!({}), "steps");
    let mut first = raw.post(&message).session(&id).send().await.events();
    first.expect_next().await.assert_priming("1-0", retry);
    assert_progress(&first.expect_next().await.message("1-1"), "steps", 1, 3);
    srv.gate.entered().await;
    // The connection breaks; the request goes on.
    drop(first);

    let mut resumed = raw
        .get(&id)
        .header("last-event-id", "1-1")
        .send()
        .await
        .events();
    resumed.expect_next().await.assert_priming("1-1", retry);
    srv.gate.release();
    let events = resumed.rest().await;
    assert_eq!(
        events.len(),
        3,
        "steps 2 and 3, then the response: {events:?}"
    );
    assert_progress(&events[0].message("1-2"), "steps", 2, 3);
    assert_progress(&events[1].message("1-3"), "steps", 3, 3);
    let response = events[2].message("1-4");
    assert_eq!(text(&response, 2), "stepped");

    // A finished stream is still replayed from its buffer, then ends.
    let replay = raw
        .get(&id)
        .header("last-event-id", "1-2")
        .send()
        .await
        .events();
    let events = replay.rest().await;
    let ids: Vec<_> = events.iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(
        ids,
        ["1-2", "1-3", "1-4"],
        "priming, then what followed 1-2"
    );
    assert_eq!(text(&events[2].json(), 2), "stepped");
}

// ----- stateless mode ----------------------------------------------------------------------

#[tokio::test]
async fn stateless_mode_answers_each_post_alone() {
    let srv = Running::start(HttpConfig {
        stateless: true,
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();

    let reply = raw.post(&initialize("2025-11-25")).send().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("mcp-session-id").is_none());
    assert_eq!(
        reply.json().await["result"]["protocolVersion"],
        "2025-11-25"
    );

    // No initialize needed, no session header given.
    let message = call(2, "add", json!({ "a": 20, "b": 22 }));
    let reply = raw.post(&message).version("2025-11-25").send().await;
    assert!(reply.header("mcp-session-id").is_none());
    assert_eq!(structured(&reply.json().await, 2), json!({ "result": 42 }));
    let reply = raw.post(&message).send().await;
    assert_eq!(structured(&reply.json().await, 2), json!({ "result": 42 }));
    let reply = raw.post(&initialized()).send().await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.bytes().await.is_empty());

    // Progress still streams.
    let message = call_with_progress(3, "count", json!({ "to": 2 }), "t");
    let events = raw.post(&message).send().await.events().rest().await;
    assert_eq!(events.len(), 4, "{events:?}");
    assert_progress(&events[1].json(), "t", 1, 2);
    assert_progress(&events[2].json(), "t", 2, 2);
    assert_eq!(structured(&events[3].json(), 3), json!({ "result": 2 }));

    // Nothing one request sets outlives it: a log level, a subscription.
    for (id, method, params) in [
        (4, "logging/setLevel", json!({ "level": "emergency" })),
        (5, "resources/subscribe", json!({ "uri": "mem://greeting" })),
    ] {
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let reply = raw.post(&message).version("2025-11-25").send().await;
        assert_eq!(reply.json().await["result"], json!({}), "{method}");
    }
    let message = call(6, "note", json!({ "text": "still heard" }));
    let events = raw
        .post(&message)
        .version("2025-11-25")
        .send()
        .await
        .events()
        .rest()
        .await;
    assert_eq!(
        events.len(),
        3,
        "priming, the log message, the result: {events:?}"
    );
    assert_eq!(events[1].json()["method"], "notifications/message");
    assert_eq!(events[1].json()["params"]["data"], "still heard");

    for req in [raw.get("ignored"), raw.delete("ignored")] {
        let reply = req.send().await;
        assert_eq!(reply.header("allow"), Some("POST"));
        reply
            .error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::INVALID_REQUEST)
            .await;
    }
}

// ----- the client ----------------------------------------------------------------------------

#[tokio::test]
async fn the_client_works_over_http() {
    let srv = Running::new().await;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let client = Client::builder()
        .era(Era::Legacy)
        .inspect(move |m| {
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(m.clone())
        })
        .http(&srv.url())
        .await
        .unwrap_or_else(|e| panic!("connecting over HTTP failed: {e}"));
    assert_eq!(client.server().unwrap().server_info.name, "http-test");

    let tools = client.list_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["add", "burst", "count", "note", "slow", "stepper", "whoami"]
    );

    let sum = client.call_tool("add", json!({ "a": 40, "b": 2 })).await;
    assert_eq!(
        sum.unwrap().structured_content,
        Some(json!({ "result": 42 }))
    );

    let resources = client.list_resources().await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].uri, "mem://greeting");
    let read = client.read_resource("mem://greeting").await.unwrap();
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        json!({ "contents": [{
            "uri": "mem://greeting",
            "mimeType": "text/plain",
            "text": "Hello over HTTP.",
        }] })
    );

    let prompts = client.list_prompts().await.unwrap();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].name, "summarize");
    let prompt = client
        .get_prompt("summarize", json!({ "text": "a long story" }))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&prompt.messages).unwrap(),
        json!([{
            "role": "user",
            "content": { "type": "text", "text": "Summarize:\n\na long story" },
        }])
    );

    // An answer that comes as an event stream, progress first.
    let params = json!({
        "name": "count",
        "arguments": { "to": 3 },
        "_meta": { "progressToken": "client" },
    });
    let result = client.request("tools/call", params).await.unwrap();
    assert_eq!(result["structuredContent"], json!({ "result": 3 }));
    let seen_now = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let progress: Vec<&Value> = seen_now
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress.len(), 3, "{seen_now:?}");
    for (i, message) in progress.iter().enumerate() {
        assert_progress(message, "client", i as u32 + 1, 3);
    }

    let session = text_of(&client.call_tool("whoami", json!({})).await.unwrap());
    assert_eq!(
        session.len(),
        43,
        "the client sends its session id: {session:?}"
    );

    // The server ending the session: the client MUST start a new one (spec), and the
    // call that met the 404 goes through in it.
    assert_eq!(
        srv.raw().delete(&session).send().await.status,
        StatusCode::OK
    );
    client
        .ping()
        .await
        .expect("a ping after the session ended, in a new session");
    let renewed = text_of(&client.call_tool("whoami", json!({})).await.unwrap());
    assert_eq!(renewed.len(), 43, "a new session id: {renewed:?}");
    assert_ne!(renewed, session, "the old session is not reused");
}

#[tokio::test]
async fn closing_the_client_deletes_its_session() {
    let srv = Running::new().await;
    let client = Client::builder()
        .era(Era::Legacy)
        .http(&srv.url())
        .await
        .unwrap();
    let session = text_of(&client.call_tool("whoami", json!({})).await.unwrap());
    within("the client to close", client.close())
        .await
        .unwrap_or_else(|e| panic!("closing failed: {e}"));
    let reply = srv
        .raw()
        .post(&initialized())
        .session(&session)
        .send()
        .await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_at_once() {
    const CLIENTS: i64 = 200;
    const CALLS: i64 = 20;
    let srv = Running::new().await;
    let url = srv.url();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let url = url.clone();
        tasks.spawn(async move {
            let client = Client::builder()
                .era(Era::Legacy)
                .http(&url)
                .await
                .unwrap_or_else(|e| panic!("client {c} could not connect: {e}"));
            for i in 0..CALLS {
                let result = client
                    .call_tool("add", json!({ "a": c * 1000, "b": i }))
                    .await
                    .unwrap_or_else(|e| panic!("client {c}, call {i}: {e}"));
                assert_eq!(
                    result.structured_content,
                    Some(json!({ "result": c * 1000 + i })),
                    "client {c}, call {i}"
                );
            }
            // The client is dropped, not closed: see `closing_the_client_deletes_its_session`.
            text_of(&client.call_tool("whoami", json!({})).await.unwrap())
        });
    }
    let mut sessions = HashSet::new();
    while let Some(joined) = within("the clients to finish", tasks.join_next()).await {
        let session = joined.unwrap_or_else(|e| panic!("a client task failed: {e}"));
        assert_eq!(session.len(), 43);
        sessions.insert(session);
    }
    assert_eq!(sessions.len(), CLIENTS as usize, "one session per client");
}

/// A client whose inspector keeps every message it receives.
async fn watched_client(url: &str) -> (Client, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let client = Client::builder()
        .era(Era::Legacy)
        .inspect(move |m| {
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(m.clone())
        })
        .http(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url} failed: {e}"));
    (client, seen)
}

/// The `progress` of every `notifications/progress` among `seen`, in order.
fn progress_values(seen: &Mutex<Vec<Value>>) -> Vec<f64> {
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    seen.iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| {
            m["params"]["progress"]
                .as_f64()
                .expect("progress is a number")
        })
        .collect()
}

/// A TCP proxy that breaks, once, the first connection on which the server sends the
/// bytes `cut_after`: it forwards up to the end of that SSE event, then closes both
/// sides, as a network failure would.
struct FlakyProxy {
    addr: SocketAddr,
    resumptions: Arc<AtomicUsize>,
}

impl FlakyProxy {
    async fn start(target: SocketAddr, cut_after: &'static [u8]) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let resumptions = Arc::new(AtomicUsize::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        let counter = resumptions.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(target).await.unwrap();
                let (counter, cut) = (counter.clone(), cut.clone());
                tokio::spawn(async move {
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    // Whichever direction ends first closes the whole connection.
                    tokio::select! {
                        () = upstream(client_read, server_write, counter) => {}
                        () = downstream(server_read, client_write, cut, cut_after) => {}
                    }
                });
            }
        });
        FlakyProxy { addr, resumptions }
    }

    /// GET requests that carried `Last-Event-ID`.
    fn resumptions(&self) -> usize {
        self.resumptions.load(Ordering::SeqCst)
    }
}

/// Client to server, counting the requests that resume a stream.
async fn upstream(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    resumptions: Arc<AtomicUsize>,
) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let before = occurrences(&seen, b"last-event-id:");
        seen.extend_from_slice(&buf[..n]);
        resumptions.fetch_add(
            occurrences(&seen, b"last-event-id:") - before,
            Ordering::SeqCst,
        );
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Server to client, cutting once after the event that holds `cut_after`.
async fn downstream(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    cut: Arc<AtomicBool>,
    cut_after: &[u8],
) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let start = seen.len();
        seen.extend_from_slice(&buf[..n]);
        let end = find(&seen, cut_after).and_then(|at| {
            let after = at + cut_after.len();
            find(&seen[after..], b"\n\n").map(|i| after + i + 2)
        });
        match end {
            Some(end) if !cut.swap(true, Ordering::SeqCst) => {
                let _ = to.write_all(&seen[start..end.max(start)]).await;
                return;
            }
            _ => {
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

#[tokio::test]
async fn the_client_resumes_an_answer_whose_connection_broke() {
    let srv = Running::start(HttpConfig {
        sse_retry: Duration::from_millis(10),
        ..HttpConfig::default()
    })
    .await;
    let proxy = FlakyProxy::start(srv.addr, b"id: 1-1\n").await;
    let (client, seen) = watched_client(&format!("http://{}/mcp", proxy.addr)).await;

    let params = json!({
        "name": "stepper",
        "arguments": {},
        "_meta": { "progressToken": "resume" },
    });
    let caller = client.clone();
    let call = tokio::spawn(async move { caller.request("tools/call", params).await });
    srv.gate.entered().await;
    srv.gate.release();
    let result = within("the resumed answer", call).await.unwrap();
    let result = result.unwrap_or_else(|e| panic!("the call failed: {e}"));
    assert_eq!(result["content"][0]["text"], "stepped");
    assert_eq!(progress_values(&seen), [1.0, 2.0, 3.0], "each step once");
    assert_eq!(proxy.resumptions(), 1, "one GET with Last-Event-ID");
}

#[tokio::test]
async fn a_call_whose_session_ends_fails_instead_of_hanging() {
    let srv = Running::start(HttpConfig {
        sse_retry: Duration::from_millis(10),
        ..HttpConfig::default()
    })
    .await;
    // The client waits longer than the test does: a hang fails the test.
    let client = Client::builder()
        .era(Era::Legacy)
        .timeout(WAIT * 4)
        .http(&srv.url())
        .await
        .unwrap();
    let session = text_of(&client.call_tool("whoami", json!({})).await.unwrap());
    let params = json!({
        "name": "stepper",
        "arguments": {},
        "_meta": { "progressToken": "ended" },
    });
    let caller = client.clone();
    let call = tokio::spawn(async move { caller.request("tools/call", params).await });
    srv.gate.entered().await;

    assert_eq!(
        srv.raw().delete(&session).send().await.status,
        StatusCode::OK
    );
    match within("the call to fail", call).await.unwrap() {
        Err(mcp_runtime::Error::Rpc(e)) => {
            assert_eq!(e.code, ErrorCode::CONNECTION_CLOSED, "{e:?}");
            assert!(e.message.contains("session ended"), "{e:?}");
        }
        other => panic!("a call in an ended session: {other:?}"),
    }
    srv.gate.release();
}

// ----- hostile clients -----------------------------------------------------------------------

/// Sends `head` (and `body`) as raw bytes over a new connection and reads until the server
/// closes it: the whole exchange as text, for requests a well-behaved client cannot make.
async fn raw_exchange(addr: SocketAddr, head: &[u8], body: &[u8]) -> String {
    let mut stream = within("connecting", TcpStream::connect(addr))
        .await
        .unwrap_or_else(|e| panic!("cannot connect: {e}"));
    stream.write_all(head).await.expect("the head is sent");
    stream.write_all(body).await.expect("the body is sent");
    read_to_close(&mut stream).await
}

/// Everything the server sends until it closes the connection (a reset counts as closed).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = within("the server to close the connection", async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw HTTP/1.1 response.
fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

/// A raw POST head for `body` with `headers` (raw bytes, each line ending in CRLF).
fn initialize_head(headers: impl AsRef<[u8]>, body: &str) -> Vec<u8> {
    let rest = format!(
        "accept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    [
        b"POST /mcp HTTP/1.1\r\n".as_slice(),
        headers.as_ref(),
        rest.as_bytes(),
    ]
    .concat()
}

#[tokio::test]
async fn host_and_origin_checks_fail_closed() {
    let srv = Running::new().await;
    let body = initialize("2025-11-25").to_string();
    let port = srv.addr.port();
    let cases: [(&str, Vec<u8>, u16); 8] = [
        ("no Host", initialize_head("", &body), 400),
        (
            "a Host that is not ASCII",
            initialize_head(b"host: localhost\xff\r\n", &body),
            400,
        ),
        (
            "an allowed Host, then a forbidden one",
            initialize_head(format!("host: localhost:{port}\r\nhost: evil.example\r\n"), &body),
            400,
        ),
        (
            "a forbidden Host, then an allowed one",
            initialize_head(format!("host: evil.example\r\nhost: localhost:{port}\r\n"), &body),
            400,
        ),
        (
            "an allowed Origin, then a forbidden one",
            initialize_head(
                "host: localhost\r\norigin: http://localhost\r\norigin: http://evil.example\r\n",
                &body,
            ),
            400,
        ),
        (
            "an Origin that is not ASCII",
            initialize_head(b"host: localhost\r\norigin: http://localhost\xe9\r\n", &body),
            403,
        ),
        (
            "an absolute target naming another host",
            format!(
                "POST http://evil.example/mcp HTTP/1.1\r\nhost: localhost\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            403,
        ),
        (
            "Origin \"null\"",
            initialize_head("host: localhost\r\norigin: null\r\n", &body),
            403,
        ),
    ];
    for (what, head, status) in cases {
        let response = raw_exchange(srv.addr, &head, body.as_bytes()).await;
        assert_eq!(status_of(&response), status, "{what}: {response}");
        assert!(
            !response.to_ascii_lowercase().contains("mcp-session-id"),
            "{what}: no session is made: {response}"
        );
    }
    // The same request, well-formed, is served.
    let ok = initialize_head(
        format!("host: localhost:{port}\r\norigin: http://localhost:3000\r\n"),
        &body,
    );
    let response = raw_exchange(srv.addr, &ok, body.as_bytes()).await;
    assert_eq!(status_of(&response), 200, "{response}");
}

#[tokio::test]
async fn connections_that_send_nothing_or_stall_are_closed() {
    let srv = Running::start(HttpConfig {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    })
    .await;
    // Silent connections, and one that stops in the middle of its head.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(srv.addr).await.expect("connects"));
    }
    let mut half_head = TcpStream::connect(srv.addr).await.expect("connects");
    half_head
        .write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        .await
        .expect("sent");
    for stream in &mut silent {
        assert_eq!(read_to_close(stream).await, "", "closed without a word");
    }
    // hyper answers a head that timed out halfway with 408, or closes.
    let answer = read_to_close(&mut half_head).await;
    assert!(answer.is_empty() || status_of(&answer) == 408, "{answer}");

    // A head, then part of the body: 408, and the connection closes.
    let body = call(2, "add", json!({ "a": 1, "b": 2 })).to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let response = raw_exchange(srv.addr, head.as_bytes(), &body.as_bytes()[..10]).await;
    assert_eq!(status_of(&response), 408, "{response}");
    assert!(response.contains("did not arrive"), "{response}");

    // An idle keep-alive connection is closed too, after its answer.
    let mut kept = TcpStream::connect(srv.addr).await.expect("connects");
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ping}",
        ping.len()
    );
    kept.write_all(head.as_bytes()).await.expect("sent");
    let answer = read_to_close(&mut kept).await;
    assert_eq!(
        status_of(&answer),
        400,
        "a ping without a session: {answer}"
    );

    // Meanwhile the server still serves.
    let raw = srv.raw();
    let id = raw.session().await;
    let reply = raw
        .post(&call(3, "add", json!({"a": 2, "b": 2})))
        .session(&id)
        .send()
        .await;
    assert_eq!(structured(&reply.json().await, 3), json!({ "result": 4 }));
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_at_once() {
    let srv = Running::new().await;
    // Nothing of the body follows: the 413 must not wait for it.
    let head = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n";
    let response = raw_exchange(srv.addr, head.as_bytes(), b"{").await;
    assert_eq!(status_of(&response), 413, "{response}");
    assert!(response.contains(&(4usize << 20).to_string()), "{response}");
}

#[tokio::test]
async fn buffered_bodies_share_a_server_wide_budget() {
    let srv = Running::start(HttpConfig {
        max_body_bytes: Some(1000),
        max_buffered_body_bytes: 1500,
        ..HttpConfig::default()
    })
    .await;
    // A body of 1000 declared bytes, held open halfway: its bytes stay reserved.
    let head = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
    let mut holding = TcpStream::connect(srv.addr).await.expect("connects");
    holding.write_all(head.as_bytes()).await.expect("sent");
    holding.write_all(&[b' '; 500]).await.expect("sent");
    // The reservation happens once the head is read; wait until a second large body is
    // refused (bounded by WAIT).
    let big = call(2, "add", json!({"a": 1, "b": 2, "pad": "x".repeat(700)}));
    let refused = within("the budget to be taken", async {
        loop {
            let reply = srv.raw().post(&big).send().await;
            if reply.status == StatusCode::SERVICE_UNAVAILABLE {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(refused.header("retry-after"), Some("1"));
    let text = refused
        .error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::INTERNAL_ERROR)
        .await;
    assert!(text.contains("1500"), "{text}");
    // A small body still fits, and once the held body is given up, large ones do again.
    let raw = srv.raw();
    let id = raw.session().await;
    drop(holding);
    let reply = within("the budget to be given back", async {
        loop {
            let reply = raw.post(&big).session(&id).send().await;
            if reply.status == StatusCode::OK {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let body = reply.json().await;
    assert_eq!(body["id"], 2, "a large body is read again: {body}");
}

#[tokio::test]
async fn the_edge_cases_of_ids_and_methods_are_answered() {
    let srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let reply = raw
        .post(&json!(null))
        .body(r#"{"jsonrpc":"2.0","id":-0,"method":"ping"}"#)
        .session(&id)
        .send()
        .await;
    let pong = reply.json().await;
    assert_eq!(pong["id"], 0, "{pong}");
    assert_eq!(pong["result"], json!({}), "{pong}");

    let reply = raw
        .post(&json!(null))
        .body(r#"{"jsonrpc":"2.0","id":1,"method":null,"result":{}}"#)
        .session(&id)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let error = reply.json().await;
    assert_eq!(error["id"], 1, "{error}");
    assert_eq!(
        error["error"]["code"],
        ErrorCode::INVALID_REQUEST,
        "{error}"
    );
}

#[tokio::test]
async fn a_failed_initialize_makes_no_session() {
    let srv = Running::start(HttpConfig {
        max_sessions: 1,
        ..HttpConfig::default()
    })
    .await;
    let raw = srv.raw();
    for _ in 0..3 {
        let bad = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}});
        let reply = raw.post(&bad).send().await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.header("mcp-session-id").is_none(),
            "no session for a failed initialize"
        );
        let body = reply.json().await;
        assert_eq!(body["error"]["code"], ErrorCode::INVALID_PARAMS, "{body}");
        assert_eq!(body["id"], 1, "{body}");
    }
    // The one session the limit allows is still free.
    raw.session().await;
}

#[tokio::test]
async fn delete_during_a_call_answers_the_call() {
    let srv = Running::new().await;
    let raw = srv.raw();
    // A call that answers with one JSON body, and one that streams.
    for streaming in [false, true] {
        let id = raw.session().await;
        let message = if streaming {
            call_with_progress(2, "stepper", json!({}), "d")
        } else {
            call(2, "slow", json!({}))
        };
        let in_flight = tokio::spawn(raw.post(&message).session(&id).send());
        srv.gate.entered().await;
        assert_eq!(raw.delete(&id).send().await.status, StatusCode::OK);
        let reply = within("the call's answer", in_flight).await.unwrap();
        let answer = if streaming {
            let events = reply.events().rest().await;
            events.last().expect("events").json()
        } else {
            reply.json().await
        };
        assert_eq!(answer["id"], 2, "{answer}");
        assert_eq!(
            answer["error"]["code"],
            ErrorCode::CONNECTION_CLOSED,
            "{answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("session ended"),
            "{answer}"
        );
    }
}

// ----- shutdown ------------------------------------------------------------------------------

/// True once `addr` refuses connections; bounded by [`WAIT`].
async fn refuses_connections(addr: SocketAddr) -> bool {
    within("the listener to close", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return true,
                // Accepted by the kernel, or reset as the listener closed: not yet.
                Ok(_) => tokio::task::yield_now().await,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    tokio::task::yield_now().await
                }
                Err(e) => panic!("connecting failed otherwise: {e}"),
            }
        }
    })
    .await
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_call_answer_and_refuses_new_connections() {
    let mut srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let message = call(2, "slow", json!({}));
    let in_flight = tokio::spawn(raw.post(&message).session(&id).send());
    srv.gate.entered().await;

    srv.stop();
    assert!(refuses_connections(srv.addr).await);
    srv.gate.release();
    let reply = within("the in-flight call", in_flight).await.unwrap();
    assert_eq!(text(&reply.json().await, 2), "released");
    srv.stopped().await;
}

#[tokio::test]
async fn shutdown_lets_a_streaming_call_finish_and_ends_get_streams() {
    let mut srv = Running::new().await;
    let raw = srv.raw();
    let id = raw.session().await;
    let mut listening = raw.get(&id).send().await.events();
    listening
        .expect_next()
        .await
        .assert_priming("0-0", HttpConfig::default().sse_retry);
    let message = call_with_progress(2, "stepper", json!({}), "s");
    let mut streaming = raw.post(&message).session(&id).send().await.events();
    streaming.expect_next().await;
    streaming.expect_next().await;
    srv.gate.entered().await;

    srv.stop();
    assert!(
        listening.next().await.is_none(),
        "shutdown ends the GET stream"
    );
    assert!(refuses_connections(srv.addr).await);
    srv.gate.release();
    let events = streaming.rest().await;
    assert_eq!(
        events.len(),
        3,
        "steps 2 and 3, then the response: {events:?}"
    );
    assert_eq!(text(&events[2].json(), 2), "stepped");
    srv.stopped().await;
}

#[tokio::test]
async fn calls_still_running_after_the_grace_period_get_an_error() {
    for stateless in [false, true] {
        let mut srv = Running::start(HttpConfig {
            shutdown_grace: Duration::from_millis(200),
            stateless,
            ..HttpConfig::default()
        })
        .await;
        let raw = srv.raw();
        let message = call(2, "slow", json!({}));
        let in_flight = if stateless {
            tokio::spawn(raw.post(&message).send())
        } else {
            let id = raw.session().await;
            tokio::spawn(raw.post(&message).session(&id).send())
        };
        srv.gate.entered().await;
        srv.stop();
        // The tool never finishes: the gate is not released.
        let reply = within("the stopped call's answer", in_flight)
            .await
            .unwrap();
        let answer = reply.json().await;
        assert_eq!(answer["id"], 2, "{answer}");
        assert_eq!(
            answer["error"]["code"],
            ErrorCode::CONNECTION_CLOSED,
            "{answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("shutting down"),
            "{answer}"
        );
        srv.stopped().await;
    }
}

// ----- embedding -----------------------------------------------------------------------------

#[tokio::test]
async fn the_service_mounts_in_axum() {
    let gate = Arc::new(Gate::default());
    let svc = server(gate, Limits::default()).http_service(HttpConfig::default());
    let app = axum::Router::new().route_service("/mcp", svc);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder()
        .era(Era::Legacy)
        .http(&format!("http://{addr}/mcp"))
        .await
        .unwrap_or_else(|e| panic!("connecting through axum failed: {e}"));
    let sum = client.call_tool("add", json!({ "a": 1, "b": 2 })).await;
    assert_eq!(
        sum.unwrap().structured_content,
        Some(json!({ "result": 3 }))
    );
    let params = json!({
        "name": "count",
        "arguments": { "to": 2 },
        "_meta": { "progressToken": "axum" },
    });
    let result = client.request("tools/call", params).await.unwrap();
    assert_eq!(result["structuredContent"], json!({ "result": 2 }));
    let session = text_of(&client.call_tool("whoami", json!({})).await.unwrap());
    let raw = Raw { addr };
    assert_eq!(raw.delete(&session).send().await.status, StatusCode::OK);
    let reply = raw.post(&initialized()).session(&session).send().await;
    reply
        .error(StatusCode::NOT_FOUND, ErrorCode::INVALID_REQUEST)
        .await;
    let reply = raw.request(Method::PUT, "/mcp").send().await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    serving.abort();
}

/// A session store that holds nothing and cannot be reached after its first `n` uses.
struct Flaky {
    inner: MemoryStore,
    left: std::sync::atomic::AtomicUsize,
}

impl Flaky {
    fn up(&self) -> Result<(), StoreError> {
        let left = self.left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        if left == 0 || left > 1 << 20 {
            self.left.store(0, std::sync::atomic::Ordering::SeqCst);
            return Err(StoreError::Unavailable("connection refused".into()));
        }
        Ok(())
    }
}

impl SessionStore for Flaky {
    fn insert(&self, session: Arc<Session>) -> StoreFuture<'_, Result<String, StoreError>> {
        match self.up() {
            Ok(()) => self.inner.insert(session),
            Err(e) => Box::pin(async { Err(e) }),
        }
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<Arc<Session>>, StoreError>> {
        match self.up() {
            Ok(()) => self.inner.get(id),
            Err(e) => Box::pin(async { Err(e) }),
        }
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<bool, StoreError>> {
        match self.up() {
            Ok(()) => self.inner.remove(id),
            Err(e) => Box::pin(async { Err(e) }),
        }
    }

    fn forget_all(&self) -> Vec<Arc<Session>> {
        self.inner.forget_all()
    }
}

#[tokio::test]
async fn sessions_live_in_the_store_given_and_an_unavailable_one_fails_closed() {
    let gate = Arc::new(Gate::default());
    let store = Arc::new(Flaky {
        inner: MemoryStore::new(10, Duration::from_secs(60)),
        left: std::sync::atomic::AtomicUsize::new(2),
    });
    let svc = server(gate, Limits::default())
        .http_service_with_store(HttpConfig::default(), store.clone());
    let app = axum::Router::new().route_service("/mcp", svc);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let raw = Raw { addr };
    // Two uses: the session is kept, then found.
    let session = raw.initialize_as("2025-11-25").await;
    assert_eq!(store.inner.len(), 1, "the session is in the store given");
    let reply = raw.post(&call(2, "add", json!({ "a": 1, "b": 2 })));
    let reply = reply.session(&session).send().await;
    assert_eq!(structured(&reply.json().await, 2), json!({ "result": 3 }));
    // Then the store is down: the request is refused at once, with a reason.
    let reply = raw.post(&call(3, "add", json!({ "a": 1, "b": 2 })));
    let reply = reply.session(&session).send().await;
    assert_eq!(
        reply.header("retry-after"),
        Some("1"),
        "503 says when to retry"
    );
    reply
        .error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::INTERNAL_ERROR)
        .await;
    let reply = raw.post(&initialize("2025-11-25")).send().await;
    reply
        .error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::INTERNAL_ERROR)
        .await;
    serving.abort();
}

// ----- MCP 2026-07-28: headers that mirror the body, caching hints -----------------------

/// Run a query in a region: proxies route on `Mcp-Param-Region` without reading the body.
#[tool(headers(region = "Region", shard = "Shard"))]
fn execute_sql(region: String, query: String, shard: Option<u32>) -> String {
    format!("{query} in {region} (shard {shard:?})")
}

/// Fresh for a minute, for this user only.
#[resource("weather://{city}", ttl_ms = 60000, cache_scope = "private")]
fn forecast(city: String) -> String {
    format!("sunny in {city}")
}

/// Fresh for five seconds, for anyone.
#[resource("mem://motd", ttl_ms = 5000, cache_scope = "public")]
fn motd() -> String {
    "Hello.".into()
}

/// A server of the modern items, over HTTP.
async fn modern_server() -> Running {
    let server = Server::builder()
        .name("http-modern-test")
        .tool(execute_sql)
        .resource(forecast)
        .resource(motd)
        .resource(greeting)
        .build()
        .unwrap_or_else(|e| panic!("the test server does not build: {e}"));
    Running::serving(server, Arc::default(), HttpConfig::default()).await
}

/// A request of MCP 2026-07-28: its version and the client's capabilities in `_meta`.
fn modern(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

impl Raw {
    /// A POST of a modern request with the headers that mirror its body: the version,
    /// the method and `name` (the tool's) or `uri` (the resource's).
    fn post_modern(&self, message: &Value) -> Req {
        let params = &message["params"];
        let name = params["name"].as_str().or(params["uri"].as_str());
        let req = self
            .post(message)
            .version("2026-07-28")
            .header("mcp-method", message["method"].as_str().unwrap_or_default());
        match name {
            Some(name) => req.header("mcp-name", name),
            None => req,
        }
    }
}

impl Reply {
    /// Checks a refused modern request: 400 and a JSON-RPC HeaderMismatch (-32020) that
    /// answers request `id`. Returns the error message.
    async fn header_mismatch(self, id: i64) -> String {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "expected HTTP 400");
        let body = self.json().await;
        assert_eq!(body["id"], id, "{body}");
        assert_eq!(body["error"]["code"], -32020, "{body}");
        body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("the error has no message: {body}"))
            .to_owned()
    }
}

#[tokio::test]
async fn x_mcp_header_arguments_must_be_mirrored_in_matching_headers() {
    let server = modern_server().await;
    let raw = server.raw();
    let sql = |id: i64, arguments: Value| {
        modern(
            id,
            "tools/call",
            json!({ "name": "execute_sql", "arguments": arguments }),
        )
    };
    let args = json!({ "region": "us-west1", "query": "SELECT 1" });

    // The schema tells clients which arguments to mirror.
    let list = raw
        .post_modern(&modern(1, "tools/list", json!({})))
        .send()
        .await
        .json()
        .await;
    let properties = &list["result"]["tools"][0]["inputSchema"]["properties"];
    assert_eq!(properties["region"]["x-mcp-header"], "Region", "{list}");
    assert_eq!(properties["shard"]["x-mcp-header"], "Shard", "{list}");
    assert!(properties["query"].get("x-mcp-header").is_none(), "{list}");

    // A matching header is accepted; the absent `shard` needs none.
    let reply = raw
        .post_modern(&sql(2, args.clone()))
        .header("mcp-param-region", "us-west1")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json().await;
    assert_eq!(text(&body, 2), "SELECT 1 in us-west1 (shard None)");

    // Integers compare as numbers.
    let reply = raw
        .post_modern(&sql(
            3,
            json!({ "region": "us-west1", "query": "q", "shard": 7 }),
        ))
        .header("mcp-param-region", "us-west1")
        .header("mcp-param-shard", "7")
        .send()
        .await;
    assert_eq!(
        text(&reply.json().await, 3),
        "q in us-west1 (shard Some(7))"
    );

    // Missing, mismatched, or sent for an argument that is not there: 400, -32020.
    let message = raw.post_modern(&sql(4, args.clone())).send().await;
    let message = message.header_mismatch(4).await;
    assert!(
        message.contains("the Mcp-Param-Region header is required"),
        "{message}"
    );
    let reply = raw
        .post_modern(&sql(5, args.clone()))
        .header("mcp-param-region", "eu-west1")
        .send()
        .await;
    let message = reply.header_mismatch(5).await;
    assert!(
        message.contains(
            "Mcp-Param-Region header value 'eu-west1' does not match body value 'us-west1'"
        ),
        "{message}"
    );
    let reply = raw
        .post_modern(&sql(6, args.clone()))
        .header("mcp-param-region", "us-west1")
        .header("mcp-param-shard", "7")
        .send()
        .await;
    let message = reply.header_mismatch(6).await;
    assert!(
        message.contains("the argument `shard` is not in the body"),
        "{message}"
    );

    // Invalid: bytes that are not visible ASCII, Base64 that does not decode, and a
    // header given twice.
    let reply = raw
        .post_modern(&sql(7, json!({ "region": "Zürich", "query": "q" })))
        .header("mcp-param-region", "Zürich")
        .send()
        .await;
    let message = reply.header_mismatch(7).await;
    assert!(message.contains("=?base64?"), "{message}");
    let reply = raw
        .post_modern(&sql(8, args.clone()))
        .header("mcp-param-region", "=?base64?not base64!?=")
        .send()
        .await;
    let message = reply.header_mismatch(8).await;
    assert!(message.contains("not valid Base64"), "{message}");
    let reply = raw
        .post_modern(&sql(9, args.clone()))
        .append("mcp-param-region", "us-west1")
        .append("mcp-param-region", "us-west1")
        .send()
        .await;
    let message = reply.header_mismatch(9).await;
    assert!(message.contains("more than once"), "{message}");

    // A value outside visible ASCII comes Base64-encoded, and is decoded before comparing.
    let reply = raw
        .post_modern(&sql(10, json!({ "region": "Zürich", "query": "q" })))
        .header("mcp-param-region", "=?base64?WsO8cmljaA==?=")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(text(&reply.json().await, 10), "q in Zürich (shard None)");
    let reply = raw
        .post_modern(&sql(11, json!({ "region": "Zürich", "query": "q" })))
        .header("mcp-param-region", "=?base64?WsO8cmljaA?=")
        .send()
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "unpadded Base64 is refused"
    );
}

#[tokio::test]
async fn resources_read_carries_the_caching_hints_of_its_attribute() {
    let server = modern_server().await;
    let raw = server.raw();
    let read = |id: i64, uri: &str| modern(id, "resources/read", json!({ "uri": uri }));
    let hints = |body: &Value| {
        (
            body["result"]["ttlMs"].clone(),
            body["result"]["cacheScope"].clone(),
        )
    };

    let body = raw
        .post_modern(&read(1, "weather://paris"))
        .send()
        .await
        .json()
        .await;
    assert_eq!(
        body["result"]["contents"][0]["text"], "sunny in paris",
        "{body}"
    );
    assert_eq!(body["result"]["resultType"], "complete", "{body}");
    assert_eq!(hints(&body), (json!(60000), json!("private")), "{body}");

    let body = raw
        .post_modern(&read(2, "mem://motd"))
        .send()
        .await
        .json()
        .await;
    assert_eq!(hints(&body), (json!(5000), json!("public")), "{body}");

    // Without the options, the server's default: fresh for 0 ms, private.
    let body = raw
        .post_modern(&read(3, "mem://greeting"))
        .send()
        .await
        .json()
        .await;
    assert_eq!(hints(&body), (json!(0), json!("private")), "{body}");
}
