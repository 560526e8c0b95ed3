//! What a handler can do with its `Context` while it runs, as a client sees it: progress,
//! logging, cancellation, sampling, elicitation, roots, list changes, resource updates and
//! completion; through the public [`Client`] API, over every transport.
//!
//! Each behaviour is one `async fn` taking the [`Transport`]; `over_every_transport!` runs
//! it in memory, over stdio (a child process) and over Streamable HTTP (in this process, on
//! a loopback port), as the tests `<behaviour>::in_memory`, `::stdio` and `::http`.
//!
//! The server is the conformance fixture, `examples/everything`, compiled in here (its
//! items register themselves as any user's do), plus the tools below. Over stdio, a
//! behaviour that needs only the fixture's items talks to the `everything` binary; the
//! others talk to this test binary started again as a stdio server (see [`stdio_child`]).
//!
//! With `MCP_SPEC_DIR` set, every message the client receives is validated against
//! `$MCP_SPEC_DIR/2025-11-25/schema.json` (by `tests/common`'s [`Wire`]), each result
//! against the result type of its method.

mod common;
#[path = "../examples/everything/main.rs"]
#[allow(dead_code)]
mod everything;

use common::Wire;
use mcp_runtime::define::ToolDef;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{
    Completion, CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult,
    Notification, Root, SamplingMessage, Tool,
};
use mcp_runtime::transport::serve_io;
use mcp_runtime::{ClientBuilder, Error, Limits};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

/// The longest any single wait of these tests lasts before it fails, saying what it
/// waited for (a loaded machine is slow, never this slow).
const WAIT: Duration = Duration::from_secs(20);

/// The server's `client_request_timeout` in [`Flavor::ShortTimeout`].
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

/// Names the flavor of server the re-launched test binary serves on stdio.
const CHILD_ENV: &str = "MCP_CONTEXT_TEST_STDIO_SERVER";

// ----- the tools of this test ---------------------------------------------------------

/// Where [`wait_for_cancellation`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Phase {
    Idle,
    Started,
    Cancelled,
}

/// What the tools below share with the tests: the phase of the cancellable call, and the
/// server itself (to change its tables while it serves).
struct Probe {
    phase: watch::Sender<Phase>,
    // The server holds this probe as its state: a cycle, harmless in a test.
    server: OnceLock<Server>,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            phase: watch::Sender::new(Phase::Idle),
            server: OnceLock::new(),
        }
    }
}

impl Probe {
    fn server(&self) -> Result<&Server, String> {
        self.server
            .get()
            .ok_or_else(|| "the probe was given no server".to_owned())
    }
}

/// Logs one message at each of debug, info and error.
#[tool]
async fn log_levels(ctx: Context) -> &'static str {
    ctx.debug("a debug message").await;
    ctx.info("an info message").await;
    ctx.error("an error message").await;
    "logged"
}

/// Runs until the call is cancelled, telling the probe when it starts and when the
/// cancellation reaches it.
#[tool]
async fn wait_for_cancellation(ctx: Context, probe: State<Probe>) -> &'static str {
    probe.phase.send_replace(Phase::Started);
    tokio::select! {
        () = ctx.cancelled() => {
            probe.phase.send_replace(Phase::Cancelled);
            "cancelled"
        }
        () = tokio::time::sleep(WAIT * 3) => "never cancelled",
    }
}

/// Waits until `wait_for_cancellation` reaches `phase`.
#[tool]
async fn await_phase(phase: Phase, probe: State<Probe>) -> Result<String, String> {
    let mut seen = probe.phase.subscribe();
    let reached = tokio::time::timeout(WAIT, seen.wait_for(|p| *p == phase))
        .await
        .is_ok_and(|r| r.is_ok());
    if reached {
        Ok(json!(phase).as_str().unwrap_or_default().to_owned())
    } else {
        Err(format!(
            "wait_for_cancellation did not reach {phase:?} within {WAIT:?}: it is {:?}",
            *seen.borrow()
        ))
    }
}

/// Where to sit.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Area {
    Indoor,
    Terrace,
}

fn terrace() -> Area {
    Area::Terrace
}

/// The form of `book_table`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Booking {
    /// How many people.
    guests: u32,
    /// Any dietary needs.
    notes: Option<String>,
    /// Where to sit.
    #[serde(default = "terrace")]
    area: Area,
}

/// Books a table, asking the user for the details with `message`.
#[tool]
async fn book_table(message: String, ctx: Context) -> Result<String, ClientRequestError> {
    Ok(match ctx.elicit::<Booking>(&message).await? {
        Elicitation::Accept(booking) => format!("accepted: {}", json!(booking)),
        Elicitation::Decline => "declined".into(),
        Elicitation::Cancel => "cancelled".into(),
    })
}

/// A place: a nested object, which a form cannot show.
#[derive(Deserialize, JsonSchema)]
struct Place {
    #[allow(dead_code)]
    city: String,
}

/// A form with a nested object.
#[derive(Deserialize, JsonSchema)]
struct Trip {
    /// Where to.
    #[allow(dead_code)]
    destination: Place,
}

/// Asks for a form that cannot be one.
#[tool]
async fn plan_trip(ctx: Context) -> Result<String, ClientRequestError> {
    ctx.elicit::<Trip>("Where to?").await?;
    Ok("planned".into())
}

const SIGN_IN_URL: &str = "https://auth.example.com/authorize?session=42";

/// Asks the user to sign in on a web page (URL-mode elicitation).
#[tool]
async fn sign_in(ctx: Context) -> Result<String, ClientRequestError> {
    let action = ctx
        .elicit_url("Sign in to continue", SIGN_IN_URL, "sign-in-42")
        .await?;
    Ok(json!(action).as_str().unwrap_or_default().to_owned())
}

/// The client's roots, as JSON.
#[tool]
async fn show_roots(ctx: Context) -> Result<String, ClientRequestError> {
    Ok(json!(ctx.list_roots().await?).to_string())
}

/// Adds (`add`) or removes the tool `dynamic_echo` while the server serves.
#[tool]
fn edit_tools(add: bool, probe: State<Probe>) -> Result<&'static str, String> {
    let server = probe.server()?;
    if add {
        server.add_tool(dynamic_echo()).map_err(|e| e.to_string())?;
        Ok("added")
    } else if server.remove_tool("dynamic_echo") {
        Ok("removed")
    } else {
        Err("there was no dynamic_echo to remove".into())
    }
}

/// Tells the subscribers of `uri` that it changed.
#[tool]
fn touch(uri: String, probe: State<Probe>) -> Result<&'static str, String> {
    probe.server()?.notify_resource_updated(&uri);
    Ok("touched")
}

/// A tool built by hand, as a plugin would add one while the server runs.
fn dynamic_echo() -> ToolDef {
    let tool: Tool = serde_json::from_value(json!({
        "name": "dynamic_echo",
        "description": "Echo the text back.",
        "inputSchema": {
            "type": "object",
            "properties": { "text": { "type": "string" } },
            "required": ["text"]
        }
    }))
    .unwrap_or_else(|e| panic!("dynamic_echo's description: {e}"));
    ToolDef::new(tool, |_ctx, args| {
        let text: String = args.get("text").unwrap_or_default();
        let result = CallToolResult::success(vec![Content::text(text)]);
        Box::pin(async move { result.into() })
    })
}

/// Reports progress, drops the connection of its SSE stream, and reports more: over HTTP
/// the client must resume the stream to see the rest.
#[tool]
async fn progress_across_reconnect(ctx: Context) -> &'static str {
    ctx.progress_with_message(1.0, Some(2.0), "before").await;
    ctx.close_sse_stream().await;
    ctx.progress_with_message(2.0, Some(2.0), "after").await;
    "resumed"
}

/// How to travel.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum TravelMode {
    Train,
    Tram,
    Bus,
    Bicycle,
}

impl FromStr for TravelMode {
    type Err = serde_json::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(json!(s))
    }
}

/// Plans a journey.
#[prompt]
fn journey(
    /// How to travel.
    mode: TravelMode,
    /// Where to.
    destination: String,
) -> String {
    format!("Go to {destination} by {mode:?}.")
}

/// 250 catalogue items, `item-000` to `item-249`, those that start with `prefix`.
fn catalogue(prefix: &str) -> Vec<String> {
    (0..250)
        .map(|i| format!("item-{i:03}"))
        .filter(|item| item.starts_with(prefix))
        .collect()
}

/// Describes a catalogue item.
#[prompt(complete(item = catalogue))]
fn lookup(
    /// The item.
    item: String,
) -> String {
    format!("Describe {item}.")
}

fn file_names(prefix: &str) -> Vec<String> {
    ["alpha.txt", "beta.txt"]
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// A file, by name.
#[resource("fixture://files/{name}", complete(name = file_names))]
fn file(name: String) -> String {
    format!("the content of {name}")
}

/// A note.
#[resource("fixture://note", mime_type = "text/plain")]
fn note() -> &'static str {
    "a note"
}

/// The method of the HTTP request that carried the call, or "none".
#[tool]
fn carrier(ctx: Context) -> String {
    ctx.http_request()
        .map_or("none", |request| request.method.as_str())
        .to_owned()
}

/// Says the text back.
#[tool]
fn echo(text: String) -> String {
    text
}

/// Greets someone.
#[prompt]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

// ----- servers ------------------------------------------------------------------------

/// Which server a behaviour needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    /// `examples/everything`'s items (over stdio: the `everything` binary itself).
    Everything,
    /// Everything's items and this file's.
    Fixture,
    /// The fixture, where requests to the client time out after [`SHORT_TIMEOUT`].
    ShortTimeout,
    /// A tool, a static resource, and a prompt with a plain string argument: nothing to
    /// complete.
    NoCompleters,
}

impl Flavor {
    const ALL: [Flavor; 4] = [
        Flavor::Everything,
        Flavor::Fixture,
        Flavor::ShortTimeout,
        Flavor::NoCompleters,
    ];

    fn name(self) -> String {
        format!("{self:?}")
    }

    fn server(self) -> Server {
        let probe = Arc::new(Probe::default());
        let builder = match self {
            Flavor::NoCompleters => Server::builder().tool(echo).prompt(greet).resource(note),
            Flavor::Everything => Server::builder()
                .registered()
                .name("mcp-conformance-test-server")
                .version("1.0.0"),
            Flavor::Fixture => Server::builder().registered(),
            Flavor::ShortTimeout => Server::builder().registered().limits(Limits {
                client_request_timeout: SHORT_TIMEOUT,
                ..Limits::default()
            }),
        };
        let server = builder
            .state_arc(probe.clone())
            .build()
            .unwrap_or_else(|e| panic!("the {self:?} server does not build: {e}"));
        let _ = probe.server.set(server.clone());
        server
    }

    /// The stdio server process: the `everything` binary, or this test binary serving
    /// this flavor.
    fn command(self) -> tokio::process::Command {
        let mut command = if self == Flavor::Everything {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_everything"))
        } else {
            let exe = std::env::current_exe()
                .unwrap_or_else(|e| panic!("where is this test binary? {e}"));
            let mut command = tokio::process::Command::new(exe);
            command
                .args(["stdio_child", "--exact", "--quiet", "--test-threads", "1"])
                .env(CHILD_ENV, self.name());
            command
        };
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        command
    }
}

/// Not a test: the stdio server of [`Flavor::command`], when this binary is started again
/// with `MCP_CONTEXT_TEST_STDIO_SERVER` set. The test harness writes a header line to
/// stdout first ("running 1 test"); the client skips lines that are not JSON.
#[test]
fn stdio_child() {
    let Ok(name) = std::env::var(CHILD_ENV) else {
        return;
    };
    let flavor = Flavor::ALL
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no flavor {name:?}"));
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("no runtime: {e}"));
    let served = runtime.block_on(async {
        let server = flavor.server();
        serve_io(&server, tokio::io::stdin(), tokio::io::stdout()).await
    });
    if let Err(e) = served {
        panic!("serving stdio failed: {e}");
    }
    // Skip the harness's report: nobody reads it, and the client has hung up.
    std::process::exit(0);
}

// ----- clients ------------------------------------------------------------------------

/// How a test reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    InMemory,
    Stdio,
    Http,
}

/// What the client received, in order: every message, checked against the MCP schema
/// when `MCP_SPEC_DIR` is set (by [`Wire`]), and every notification.
#[derive(Clone)]
struct Seen {
    wire: Wire,
    notifications: watch::Sender<Vec<Notification>>,
}

impl Seen {
    fn new() -> Self {
        Seen {
            wire: Wire::new(),
            notifications: watch::Sender::new(Vec::new()),
        }
    }

    /// `builder`, recording into this.
    fn attach(&self, builder: ClientBuilder) -> ClientBuilder {
        let notifications = self.notifications.clone();
        self.wire
            .attach(builder)
            .on_notification(move |n| notifications.send_modify(|all| all.push(n)))
    }

    fn messages(&self) -> Vec<Value> {
        self.wire.received()
    }

    fn notifications(&self, method: &str) -> Vec<Notification> {
        self.notifications
            .borrow()
            .iter()
            .filter(|n| n.method == method)
            .cloned()
            .collect()
    }

    /// Waits until `count` notifications of `method` have arrived; returns them all.
    async fn wait_for(&self, method: &str, count: usize) -> Vec<Notification> {
        let mut seen = self.notifications.subscribe();
        let arrived =
            seen.wait_for(|all| all.iter().filter(|n| n.method == method).count() >= count);
        if tokio::time::timeout(WAIT, arrived).await.is_err() {
            panic!(
                "{count} × {method} did not arrive within {WAIT:?}; the client received:\n{:#?}",
                self.messages()
            );
        }
        self.notifications(method)
    }
}

/// A connected client, what it received, and the server it talks to. Each request goes
/// through a method here that first tells the [`Wire`] its method, so that the result is
/// checked against the schema of that method's result.
struct Peer {
    client: Client,
    seen: Seen,
    /// Stops the in-process HTTP server when dropped.
    _http: Option<oneshot::Sender<()>>,
}

impl Transport {
    /// Connects a client made by `builder` (recording into a [`Seen`]) to a `flavor` server.
    async fn connect(self, flavor: Flavor, builder: ClientBuilder) -> Peer {
        match self {
            Transport::InMemory => {
                let server = flavor.server();
                Peer::connect(builder, |b| b.in_memory(&server), None).await
            }
            Transport::Stdio => Peer::connect(builder, |b| b.stdio(flavor.command()), None).await,
            Transport::Http => {
                let (address, stop) = common::serve_http_on_loopback(flavor.server()).await;
                let url = format!("http://{address}/mcp");
                Peer::connect(builder, |b| b.http(&url), Some(stop)).await
            }
        }
    }
}

impl Peer {
    /// Connects `builder` (recording into a [`Seen`]) with `connect`.
    async fn connect<F>(
        builder: ClientBuilder,
        connect: impl FnOnce(ClientBuilder) -> F,
        http: Option<oneshot::Sender<()>>,
    ) -> Peer
    where
        F: Future<Output = mcp_runtime::Result<Client>>,
    {
        let seen = Seen::new();
        seen.wire.expect("initialize");
        let client = connect(seen.attach(builder))
            .await
            .unwrap_or_else(|e| panic!("connecting failed: {e}"));
        Peer {
            client,
            seen,
            _http: http,
        }
    }

    /// Announces the method of the next request to the [`Wire`].
    fn expect(&self, method: &str) {
        self.seen.wire.expect(method);
    }

    async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        self.expect("tools/call");
        self.client
            .call_tool(tool, arguments.clone())
            .await
            .unwrap_or_else(|e| panic!("tools/call {tool} {arguments}: {e}"))
    }

    /// The text of a successful call.
    async fn text(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments.clone()).await;
        assert!(
            !result.is_error(),
            "tools/call {tool} {arguments} failed: {}",
            result.text()
        );
        result.text()
    }

    /// The text of a call that failed as a tool (`isError`).
    async fn tool_error(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments.clone()).await;
        assert!(
            result.is_error(),
            "tools/call {tool} {arguments} should fail, but returned: {}",
            result.text()
        );
        result.text()
    }

    /// The JSON-RPC error of a request that must fail with one.
    async fn rpc_error(&self, method: &str, params: Value) -> ErrorObject {
        self.expect(method);
        common::rpc_error(self.client.request(method, params).await)
    }

    async fn ping(&self) {
        self.expect("ping");
        self.client.ping().await.expect("ping");
    }

    async fn set_log_level(&self, level: LoggingLevel) {
        self.expect("logging/setLevel");
        let set = self.client.set_log_level(level).await;
        set.unwrap_or_else(|e| panic!("logging/setLevel {level:?}: {e}"));
    }

    async fn subscribe(&self, uri: &str) {
        self.expect("resources/subscribe");
        let subscribed = self.client.subscribe(uri).await;
        subscribed.unwrap_or_else(|e| panic!("resources/subscribe {uri}: {e}"));
    }

    async fn unsubscribe(&self, uri: &str) {
        self.expect("resources/unsubscribe");
        let unsubscribed = self.client.unsubscribe(uri).await;
        unsubscribed.unwrap_or_else(|e| panic!("resources/unsubscribe {uri}: {e}"));
    }

    async fn tool_names(&self) -> Vec<String> {
        self.expect("tools/list");
        let tools = self.client.list_tools().await.expect("tools/list");
        tools.into_iter().map(|t| t.name).collect()
    }

    async fn complete(&self, reference: Value, argument: &str, value: &str) -> Completion {
        self.expect("completion/complete");
        let completion = self
            .client
            .complete(reference.clone(), argument, value)
            .await;
        completion
            .unwrap_or_else(|e| panic!("completion/complete {reference} {argument}={value:?}: {e}"))
    }

    /// The requests the server sent the client, by method.
    fn requests(&self, method: &str) -> Vec<Value> {
        self.seen
            .messages()
            .into_iter()
            .filter(|m| m.get("id").is_some() && m["method"] == method)
            .collect()
    }

    /// Every message the client received matched the MCP schema.
    fn assert_valid(&self) {
        self.seen.wire.assert_valid();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `(level, data)` of log notifications.
fn logs(notifications: &[Notification]) -> Vec<(String, Value)> {
    notifications
        .iter()
        .map(|n| {
            let params = n.params.clone().unwrap_or_default();
            (
                params["level"].as_str().unwrap_or_default().to_owned(),
                params["data"].clone(),
            )
        })
        .collect()
}

/// Runs each behaviour once per transport, as `<behaviour>::in_memory`, `::stdio` and
/// `::http`.
macro_rules! over_every_transport {
    ($($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            use super::Transport;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn in_memory() {
                super::$behaviour(Transport::InMemory).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn stdio() {
                super::$behaviour(Transport::Stdio).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn http() {
                super::$behaviour(Transport::Http).await;
            }
        }
    )*};
}

over_every_transport!(
    progress_reports_arrive_in_order_before_the_result,
    no_progress_without_a_token,
    progress_survives_a_dropped_stream,
    log_messages_follow_the_level_set,
    conformance_logging,
    an_invalid_log_level_is_invalid_params,
    a_cancelled_call_trips_its_token_and_gets_no_response,
    sampling_round_trip,
    sampling_needs_the_client_capability,
    conformance_elicitation_forms,
    typed_elicitation_form,
    a_nested_form_is_refused_before_asking,
    url_elicitation,
    roots,
    a_client_that_never_answers_times_out,
    tool_list_changes_reach_the_client,
    resource_updates_reach_subscribers_only,
    conformance_completion,
    completion_of_enums_functions_and_templates,
    capabilities_advertise_completions,
    capabilities_without_completers_leave_completions_out,
    conformance_reconnection,
    the_http_request_is_there_over_http_only,
);

async fn the_http_request_is_there_over_http_only(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let expected = if t == Transport::Http { "POST" } else { "none" };
    assert_eq!(peer.text("carrier", json!({})).await, expected);
    peer.assert_valid();
}

// ----- progress -----------------------------------------------------------------------

type ProgressReports = Arc<Mutex<Vec<(f64, Option<f64>, Option<String>)>>>;

async fn call_with_progress(peer: &Peer, tool: &str) -> (CallToolResult, ProgressReports) {
    let reports = ProgressReports::default();
    let sink = reports.clone();
    peer.expect("tools/call");
    let result = peer
        .client
        .call_tool_with_progress(tool, json!({}), move |progress, total, message| {
            lock(&sink).push((progress, total, message));
        })
        .await
        .unwrap_or_else(|e| panic!("tools/call {tool} with progress: {e}"));
    (result, reports)
}

async fn progress_reports_arrive_in_order_before_the_result(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    let (result, reports) = call_with_progress(&peer, "test_tool_with_progress").await;
    // The tool answers with the token it was given.
    let token = result.text();
    assert!(!token.is_empty(), "the tool saw no progress token");
    let step = |n: f64| (n, Some(100.0), Some(format!("Completed step {n} of 100")));
    assert_eq!(*lock(&reports), vec![step(0.0), step(50.0), step(100.0)]);

    let messages = peer.seen.messages();
    let answer = messages
        .iter()
        .position(|m| m.pointer("/result/content/0/text") == Some(&json!(token)))
        .unwrap_or_else(|| panic!("no answer in {messages:#?}"));
    let progress: Vec<(usize, &Value)> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m["method"] == "notifications/progress")
        .collect();
    let params: Vec<&Value> = progress.iter().map(|(_, m)| &m["params"]).collect();
    let expected: Vec<Value> = [0.0, 50.0, 100.0]
        .map(|n| json!({"progressToken": token, "progress": n, "total": 100.0, "message": format!("Completed step {n} of 100")}))
        .into();
    assert_eq!(params, expected.iter().collect::<Vec<_>>());
    assert!(
        progress.iter().all(|(at, _)| *at < answer),
        "progress after the result: {messages:#?}"
    );
    peer.assert_valid();
}

async fn no_progress_without_a_token(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    assert_eq!(peer.text("test_tool_with_progress", json!({})).await, "");
    let progress: Vec<Value> = peer
        .seen
        .messages()
        .into_iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress, Vec::<Value>::new());
    peer.assert_valid();
}

async fn progress_survives_a_dropped_stream(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let (result, reports) = call_with_progress(&peer, "progress_across_reconnect").await;
    assert_eq!(result.text(), "resumed");
    assert_eq!(
        *lock(&reports),
        vec![
            (1.0, Some(2.0), Some("before".to_owned())),
            (2.0, Some(2.0), Some("after".to_owned()))
        ]
    );
    peer.assert_valid();
}

async fn conformance_reconnection(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    assert_eq!(
        peer.text("test_reconnection", json!({})).await,
        "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
    );
    peer.assert_valid();
}

// ----- logging ------------------------------------------------------------------------

/// The log messages a call of `tool` sends.
async fn logs_of(peer: &Peer, tool: &str) -> Vec<(String, Value)> {
    let before = peer.seen.notifications("notifications/message").len();
    peer.text(tool, json!({})).await;
    // Log messages travel with the call, ahead of its result.
    logs(&peer.seen.notifications("notifications/message")[before..])
}

fn log(level: &str, data: &str) -> (String, Value) {
    (level.to_owned(), json!(data))
}

async fn log_messages_follow_the_level_set(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let (debug, info, error) = (
        log("debug", "a debug message"),
        log("info", "an info message"),
        log("error", "an error message"),
    );
    // Until the client sets a level: info and above.
    assert_eq!(
        logs_of(&peer, "log_levels").await,
        [info.clone(), error.clone()]
    );
    peer.set_log_level(LoggingLevel::Debug).await;
    assert_eq!(
        logs_of(&peer, "log_levels").await,
        [debug, info, error.clone()]
    );
    peer.set_log_level(LoggingLevel::Error).await;
    assert_eq!(logs_of(&peer, "log_levels").await, [error]);
    peer.assert_valid();
}

async fn conformance_logging(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    peer.set_log_level(LoggingLevel::Debug).await;
    assert_eq!(
        logs_of(&peer, "test_tool_with_logging").await,
        [
            log("info", "Tool execution started"),
            log("info", "Tool processing data"),
            log("info", "Tool execution completed"),
        ]
    );
    peer.set_log_level(LoggingLevel::Error).await;
    assert_eq!(logs_of(&peer, "test_tool_with_logging").await, []);
    peer.assert_valid();
}

async fn an_invalid_log_level_is_invalid_params(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    let cases = [
        (json!("verbose"), "invalid value: string \"verbose\""),
        (Value::Null, "invalid type: null"),
    ];
    let levels =
        "expected a log level: debug, info, notice, warning, error, critical, alert or emergency";
    for (level, why) in cases {
        let error = peer
            .rpc_error("logging/setLevel", json!({ "level": level }))
            .await;
        assert_eq!(error.code, -32602);
        assert_eq!(
            error.message,
            format!("logging/setLevel: `level`: {why}, {levels}")
        );
    }
    peer.client.ping().await.expect("ping after the errors");
    peer.assert_valid();
}

// ----- cancellation -------------------------------------------------------------------

async fn a_cancelled_call_trips_its_token_and_gets_no_response(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let call = json!({ "name": "wait_for_cancellation", "arguments": {} });
    peer.expect("tools/call");
    let (id, answer) = peer
        .client
        .begin("tools/call", call)
        .await
        .expect("tools/call wait_for_cancellation sent");
    let phase = |phase: &str| peer.text("await_phase", json!({ "phase": phase }));
    assert_eq!(phase("started").await, "started");

    peer.client
        .cancel(&id, "the user changed their mind")
        .await
        .expect("notifications/cancelled sent");
    match tokio::time::timeout(WAIT, answer).await {
        Ok(Err(Error::Cancelled)) => {}
        other => panic!("the cancelled call should end as Error::Cancelled, got {other:?}"),
    }
    // The tool saw its cancellation token trip.
    assert_eq!(phase("cancelled").await, "cancelled");
    // The server goes on serving, and never answers the cancelled request.
    peer.ping().await;
    let answers: Vec<Value> = peer
        .seen
        .messages()
        .into_iter()
        .filter(|m| m.get("method").is_none() && m["id"] == json!(id))
        .collect();
    assert_eq!(
        answers,
        Vec::<Value>::new(),
        "answers to the cancelled request"
    );
    peer.assert_valid();
}

// ----- sampling -----------------------------------------------------------------------

async fn sampling_round_trip(t: Transport) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let builder = Client::builder().on_sampling(move |request: CreateMessageRequest| {
        lock(&record).push(request);
        async {
            Ok(CreateMessageResult {
                role: Role::Assistant,
                content: Content::text("Paris."),
                model: "test-model".into(),
                stop_reason: Some("endTurn".into()),
                meta: None,
            })
        }
    });
    let peer = t.connect(Flavor::Everything, builder).await;
    assert_eq!(
        peer.text(
            "test_sampling",
            json!({ "prompt": "The capital of France?" })
        )
        .await,
        "LLM response: Paris."
    );
    assert_eq!(
        *lock(&asked),
        vec![CreateMessageRequest {
            messages: vec![SamplingMessage::user("The capital of France?")],
            max_tokens: 100,
            ..CreateMessageRequest::default()
        }]
    );
    assert_eq!(peer.requests("sampling/createMessage").len(), 1);
    peer.assert_valid();
}

async fn sampling_needs_the_client_capability(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    assert_eq!(
        peer.text("test_sampling", json!({ "prompt": "Anyone there?" }))
            .await,
        "Sampling not supported or error: the client does not support sampling: it did not declare that capability"
    );
    assert_eq!(peer.requests("sampling/createMessage"), Vec::<Value>::new());
    peer.assert_valid();
}

/// Sends on its channel when dropped: shows that a handler's future was stopped.
struct DropSignal(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

async fn a_client_that_never_answers_times_out(t: Transport) {
    // The handler never answers; when the server cancels its request, the client stops it.
    let (stopped_tx, stopped) = tokio::sync::oneshot::channel();
    let signal = Arc::new(Mutex::new(Some(stopped_tx)));
    let builder = Client::builder().on_sampling(move |_| {
        let guard = DropSignal(signal.lock().unwrap_or_else(|e| e.into_inner()).take());
        async move {
            let _guard = guard;
            std::future::pending::<Result<CreateMessageResult, ErrorObject>>().await
        }
    });
    let peer = t.connect(Flavor::ShortTimeout, builder).await;
    let timed_out = format!("the client did not answer within {SHORT_TIMEOUT:?}");
    assert_eq!(
        peer.text("test_sampling", json!({ "prompt": "Hello?" }))
            .await,
        format!("Sampling not supported or error: {timed_out}")
    );
    let asked = peer.requests("sampling/createMessage");
    assert_eq!(asked.len(), 1, "sampling requests: {asked:#?}");
    // The server told the client to stop, ahead of the call's result.
    let cancelled = peer.seen.notifications("notifications/cancelled");
    let params: Vec<Value> = cancelled
        .iter()
        .map(|n| json!(n.params.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        params,
        [json!({ "requestId": asked[0]["id"], "reason": timed_out })]
    );
    tokio::time::timeout(WAIT, stopped)
        .await
        .expect("the client should stop a handler whose request the server cancelled")
        .expect("the handler's signal");
    peer.ping().await;
    peer.assert_valid();
}

// ----- elicitation --------------------------------------------------------------------

/// The params of the elicitation requests a client got.
type Asked = Arc<Mutex<Vec<Map<String, Value>>>>;

/// A client whose user declines a request whose message says "decline", dismisses one
/// that says "cancel" or "dismiss", and accepts any other (a form with `content`). Returns
/// the params of the requests it got too.
fn eliciting_client(content: Value) -> (ClientBuilder, Asked) {
    let asked = Asked::default();
    let record = asked.clone();
    let content = content.as_object().cloned();
    let builder = Client::builder().on_elicitation(move |params: Map<String, Value>| {
        let message = params["message"].as_str().unwrap_or_default();
        let action = if message.contains("decline") {
            ElicitAction::Decline
        } else if message.contains("cancel") || message.contains("dismiss") {
            ElicitAction::Cancel
        } else {
            ElicitAction::Accept
        };
        let is_form = params["mode"] == "form";
        let result = ElicitResult {
            action,
            content: content
                .clone()
                .filter(|_| is_form && action == ElicitAction::Accept),
        };
        lock(&record).push(params);
        async move { Ok(result) }
    });
    (builder, asked)
}

async fn conformance_elicitation_forms(t: Transport) {
    let (builder, asked) = eliciting_client(json!({ "response": "yes", "age": 41 }));
    let peer = t.connect(Flavor::Everything, builder).await;
    let elicit = |message: &str| peer.text("test_elicitation", json!({ "message": message }));
    assert_eq!(
        elicit("Please accept").await,
        r#"User response: action=accept, content={"response":"yes"}"#
    );
    assert_eq!(
        elicit("Please decline").await,
        "User response: action=decline, content={}"
    );
    assert_eq!(
        elicit("Please cancel").await,
        "User response: action=cancel, content={}"
    );
    let form = json!({
        "type": "object",
        "properties": { "response": { "type": "string", "description": "User's response" } },
        "required": ["response"]
    });
    let expected: Vec<Value> = ["Please accept", "Please decline", "Please cancel"]
        .map(|message| json!({ "mode": "form", "message": message, "requestedSchema": form }))
        .into();
    assert_eq!(params_of(&asked), expected);

    // SEP-1034: every field has a default, none is required; fields the user left out
    // take their defaults.
    lock(&asked).clear();
    assert_eq!(
        peer.text("test_elicitation_sep1034_defaults", json!({}))
            .await,
        r#"Elicitation completed: action=accept, content={"name":"John Doe","age":41,"score":95.5,"status":"active","verified":true}"#
    );
    let defaults = json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "description": "User name", "default": "John Doe" },
            "age": { "type": "integer", "description": "User age", "default": 30 },
            "score": { "type": "number", "description": "User score", "default": 95.5 },
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active"
            },
            "verified": { "type": "boolean", "description": "Verification status", "default": true }
        }
    });
    assert_eq!(
        params_of(&asked),
        [json!({
            "mode": "form",
            "message": "Please review and update the form fields with defaults",
            "requestedSchema": defaults
        })]
    );
    peer.assert_valid();
}

fn params_of(asked: &Asked) -> Vec<Value> {
    lock(asked).iter().cloned().map(Value::Object).collect()
}

async fn typed_elicitation_form(t: Transport) {
    let (builder, asked) = eliciting_client(json!({ "guests": 4, "notes": "one vegan" }));
    let peer = t.connect(Flavor::Fixture, builder).await;
    let book = |message: &str| peer.text("book_table", json!({ "message": message }));
    assert_eq!(
        book("Please accept").await,
        r#"accepted: {"guests":4,"notes":"one vegan","area":"terrace"}"#
    );
    assert_eq!(book("Please decline").await, "declined");
    assert_eq!(book("Please dismiss").await, "cancelled");
    // Flat, with the fields' docs as descriptions; `Option` and defaulted fields are
    // not required; integers lose their Rust format.
    let form = json!({
        "type": "object",
        "properties": {
            "guests": { "type": "integer", "description": "How many people.", "minimum": 0, "maximum": 4294967295u32 },
            "notes": { "type": "string", "description": "Any dietary needs." },
            "area": {
                "type": "string",
                "description": "Where to sit.",
                "enum": ["indoor", "terrace"],
                "default": "terrace"
            }
        },
        "required": ["guests"]
    });
    let expected: Vec<Value> = ["Please accept", "Please decline", "Please dismiss"]
        .map(|message| json!({ "mode": "form", "message": message, "requestedSchema": form }))
        .into();
    assert_eq!(params_of(&asked), expected);
    peer.assert_valid();
}

async fn a_nested_form_is_refused_before_asking(t: Transport) {
    let (builder, asked) = eliciting_client(json!({}));
    let peer = t.connect(Flavor::Fixture, builder).await;
    assert_eq!(
        peer.tool_error("plan_trip", json!({})).await,
        "invalid form: field `destination` is an object: a form field must be a string, number, boolean, enum, or list of enums"
    );
    assert_eq!(params_of(&asked), Vec::<Value>::new());
    peer.assert_valid();
}

async fn url_elicitation(t: Transport) {
    let (builder, asked) = eliciting_client(json!({}));
    let peer = t.connect(Flavor::Fixture, builder).await;
    assert_eq!(peer.text("sign_in", json!({})).await, "accept");
    assert_eq!(
        params_of(&asked),
        [json!({
            "mode": "url",
            "message": "Sign in to continue",
            "url": SIGN_IN_URL,
            "elicitationId": "sign-in-42"
        })]
    );
    peer.assert_valid();

    // A client that shows forms only is not sent a URL.
    let (builder, asked) = eliciting_client(json!({}));
    let builder = builder.capabilities(json!({ "elicitation": { "form": {} } }));
    let peer = t.connect(Flavor::Fixture, builder).await;
    assert_eq!(
        peer.tool_error("sign_in", json!({})).await,
        "the client does not support elicitation (URL mode): it did not declare that capability"
    );
    assert_eq!(params_of(&asked), Vec::<Value>::new());
    peer.assert_valid();
}

// ----- roots --------------------------------------------------------------------------

async fn roots(t: Transport) {
    let roots = vec![
        Root {
            uri: "file:///home/user/project".into(),
            name: Some("project".into()),
        },
        Root {
            uri: "file:///tmp".into(),
            name: None,
        },
    ];
    let peer = t
        .connect(Flavor::Fixture, Client::builder().roots(roots))
        .await;
    assert_eq!(
        peer.text("show_roots", json!({})).await,
        r#"[{"uri":"file:///home/user/project","name":"project"},{"uri":"file:///tmp"}]"#
    );
    assert_eq!(peer.requests("roots/list").len(), 1);
    peer.assert_valid();

    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    assert_eq!(
        peer.tool_error("show_roots", json!({})).await,
        "the client does not support roots: it did not declare that capability"
    );
    peer.assert_valid();
}

// ----- list changes and subscriptions -------------------------------------------------

async fn tool_list_changes_reach_the_client(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let changed = "notifications/tools/list_changed";
    assert!(!peer.tool_names().await.contains(&"dynamic_echo".to_owned()));

    assert_eq!(
        peer.text("edit_tools", json!({ "add": true })).await,
        "added"
    );
    let notes = peer.seen.wait_for(changed, 1).await;
    assert_eq!(notes[0].params, None);
    assert!(peer.tool_names().await.contains(&"dynamic_echo".to_owned()));
    assert_eq!(
        peer.text("dynamic_echo", json!({ "text": "still here" }))
            .await,
        "still here"
    );

    assert_eq!(
        peer.text("edit_tools", json!({ "add": false })).await,
        "removed"
    );
    peer.seen.wait_for(changed, 2).await;
    assert!(!peer.tool_names().await.contains(&"dynamic_echo".to_owned()));
    let unknown = peer
        .rpc_error(
            "tools/call",
            json!({ "name": "dynamic_echo", "arguments": {} }),
        )
        .await;
    assert_eq!(
        (unknown.code, unknown.message.as_str()),
        (-32602, "Unknown tool: dynamic_echo")
    );
    peer.assert_valid();
}

async fn resource_updates_reach_subscribers_only(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    let updated = "notifications/resources/updated";
    let touch = |uri: &str| peer.text("touch", json!({ "uri": uri }));
    let uris = |notes: Vec<Notification>| -> Vec<Value> {
        notes
            .into_iter()
            .map(|n| n.params.unwrap_or_default()["uri"].clone())
            .collect()
    };
    let (text, binary) = ("test://static-text", "test://static-binary");

    peer.subscribe(text).await;
    assert_eq!(touch(text).await, "touched");
    assert_eq!(uris(peer.seen.wait_for(updated, 1).await), [json!(text)]);

    peer.unsubscribe(text).await;
    assert_eq!(touch(text).await, "touched");
    // A second subscription as a marker: its update travels behind the one that must not
    // come, on the same channel.
    peer.subscribe(binary).await;
    assert_eq!(touch(binary).await, "touched");
    assert_eq!(
        uris(peer.seen.wait_for(updated, 2).await),
        [json!(text), json!(binary)]
    );
    peer.assert_valid();
}

// ----- HTTP only ----------------------------------------------------------------------

/// Over HTTP each message is a POST of its own, and POSTs sent together may arrive in any
/// order; `notifications/initialized` must still arrive before what follows it, for until
/// it does the server tells the session of no changes. A proxy holds it back, so that a
/// request sent alongside would overtake it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_initialized_arrives_before_the_requests_after_it() {
    let (upstream, stop) = common::serve_http_on_loopback(Flavor::Fixture.server()).await;
    let hold = (
        &b"notifications/initialized"[..],
        Duration::from_millis(500),
    );
    let proxy = Proxy::start(upstream, Some(hold)).await;
    let url = proxy.url();
    let peer = Peer::connect(Client::builder(), |b| b.http(&url), Some(stop)).await;
    peer.subscribe("test://static-text").await;
    assert_eq!(
        peer.text("touch", json!({ "uri": "test://static-text" }))
            .await,
        "touched"
    );
    peer.seen
        .wait_for("notifications/resources/updated", 1)
        .await;
    peer.assert_valid();
}

/// `close_sse_stream` drops the connection of the call's SSE stream after its first event
/// (`1-1`: stream 1, the session's first, event 1); the client resumes it with a GET that
/// names that event, and gets the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_a_dropped_stream_resumes_after_its_last_event() {
    let (upstream, stop) = common::serve_http_on_loopback(Flavor::Fixture.server()).await;
    let proxy = Proxy::start(upstream, None).await;
    let url = proxy.url();
    let peer = Peer::connect(Client::builder(), |b| b.http(&url), Some(stop)).await;
    let (result, reports) = call_with_progress(&peer, "progress_across_reconnect").await;
    assert_eq!(result.text(), "resumed");
    assert_eq!(lock(&reports).len(), 2, "progress: {reports:?}");
    let sent = proxy.sent();
    let resumptions: Vec<&str> = sent
        .lines()
        .filter(|line| line.to_ascii_lowercase().starts_with("last-event-id:"))
        .collect();
    assert_eq!(
        resumptions,
        ["last-event-id: 1-1"],
        "the client sent:\n{sent}"
    );
    peer.assert_valid();
}

/// A TCP proxy in front of an HTTP server: it records what the client sends, and holds
/// back for a while each chunk that contains a given text.
struct Proxy {
    address: SocketAddr,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr, hold: Option<(&'static [u8], Duration)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no loopback port: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"));
        let sent = Arc::<Mutex<Vec<u8>>>::default();
        let log = sent.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let log = log.clone();
                tokio::spawn(async move {
                    let mut chunk = vec![0; 64 << 10];
                    while let Ok(n @ 1..) = from_client.read(&mut chunk).await {
                        let chunk = &chunk[..n];
                        lock(&log).extend_from_slice(chunk);
                        if let Some((text, delay)) = hold
                            && chunk.windows(text.len()).any(|w| w == text)
                        {
                            tokio::time::sleep(delay).await;
                        }
                        if to_server.write_all(chunk).await.is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown().await;
                });
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    let _ = to_client.shutdown().await;
                });
            }
        });
        Proxy { address, sent }
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.address)
    }

    /// Everything the client sent so far, as text.
    fn sent(&self) -> String {
        String::from_utf8_lossy(&lock(&self.sent)).into_owned()
    }
}

// ----- completion ---------------------------------------------------------------------

fn values(values: &[&str], total: u64, has_more: bool) -> Completion {
    Completion {
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        total: Some(total),
        has_more: Some(has_more),
    }
}

async fn conformance_completion(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    let prompt = json!({ "type": "ref/prompt", "name": "test_prompt_with_arguments" });
    assert_eq!(
        peer.complete(prompt.clone(), "arg1", "").await,
        values(&["alpha", "beta", "gamma", "test"], 4, false)
    );
    assert_eq!(
        peer.complete(prompt.clone(), "arg1", "g").await,
        values(&["gamma"], 1, false)
    );
    // No completer: nothing to offer.
    assert_eq!(
        peer.complete(prompt, "arg2", "").await,
        values(&[], 0, false)
    );
    let unknown = json!({
        "ref": { "type": "ref/prompt", "name": "no_such_prompt" },
        "argument": { "name": "arg1", "value": "" }
    });
    let error = peer.rpc_error("completion/complete", unknown).await;
    assert_eq!(
        (error.code, error.message.as_str()),
        (-32602, "Unknown prompt: no_such_prompt")
    );
    peer.assert_valid();
}

async fn completion_of_enums_functions_and_templates(t: Transport) {
    let peer = t.connect(Flavor::Fixture, Client::builder()).await;
    // An enum-typed argument completes to its variants, by case-insensitive prefix.
    let journey = json!({ "type": "ref/prompt", "name": "journey" });
    let modes = ["train", "tram", "bus", "bicycle"];
    assert_eq!(
        peer.complete(journey.clone(), "mode", "").await,
        values(&modes, 4, false)
    );
    assert_eq!(
        peer.complete(journey.clone(), "mode", "t").await,
        values(&["train", "tram"], 2, false)
    );
    assert_eq!(
        peer.complete(journey.clone(), "mode", "B").await,
        values(&["bus", "bicycle"], 2, false)
    );
    assert_eq!(
        peer.complete(journey, "mode", "x").await,
        values(&[], 0, false)
    );

    // More than 100 values: the first 100, the total, and hasMore.
    let lookup = json!({ "type": "ref/prompt", "name": "lookup" });
    let first_100: Vec<String> = catalogue("").into_iter().take(100).collect();
    let first_100: Vec<&str> = first_100.iter().map(String::as_str).collect();
    assert_eq!(
        peer.complete(lookup.clone(), "item", "").await,
        values(&first_100, 250, true)
    );
    let items_24x: Vec<String> = (240..250).map(|i| format!("item-{i}")).collect();
    let items_24x: Vec<&str> = items_24x.iter().map(String::as_str).collect();
    assert_eq!(
        peer.complete(lookup, "item", "item-24").await,
        values(&items_24x, 10, false)
    );

    // A resource template's variable.
    let files = json!({ "type": "ref/resource", "uri": "fixture://files/{name}" });
    assert_eq!(
        peer.complete(files, "name", "b").await,
        values(&["beta.txt"], 1, false)
    );
    let unknown = json!({
        "ref": { "type": "ref/resource", "uri": "fixture://nothing/{x}" },
        "argument": { "name": "x", "value": "" }
    });
    let error = peer.rpc_error("completion/complete", unknown).await;
    assert_eq!(
        (error.code, error.message.as_str()),
        (-32602, "Unknown resource template: fixture://nothing/{x}")
    );
    peer.assert_valid();
}

// ----- capabilities -------------------------------------------------------------------

fn capabilities(peer: &Peer) -> Value {
    let init = peer.client.server().expect("the initialize result");
    serde_json::to_value(&init.capabilities).expect("capabilities serialize")
}

async fn capabilities_advertise_completions(t: Transport) {
    let peer = t.connect(Flavor::Everything, Client::builder()).await;
    let init = peer.client.server().expect("the initialize result");
    assert_eq!(init.protocol_version, "2025-11-25");
    assert_eq!(
        (
            init.server_info.name.as_str(),
            init.server_info.version.as_str()
        ),
        ("mcp-conformance-test-server", "1.0.0")
    );
    assert_eq!(
        capabilities(&peer),
        json!({
            "logging": {},
            "completions": {},
            "tools": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": true },
            "prompts": { "listChanged": true }
        })
    );
    peer.assert_valid();
}

async fn capabilities_without_completers_leave_completions_out(t: Transport) {
    let peer = t.connect(Flavor::NoCompleters, Client::builder()).await;
    assert_eq!(
        capabilities(&peer),
        json!({
            "logging": {},
            "tools": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": true },
            "prompts": { "listChanged": true }
        })
    );
    let greet = json!({ "type": "ref/prompt", "name": "greet" });
    assert_eq!(
        peer.complete(greet, "name", "A").await,
        values(&[], 0, false)
    );
    peer.assert_valid();
}
