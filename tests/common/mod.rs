//! Shared by the integration tests: every message a server sends is checked against the
//! official MCP JSON Schema, and [`Mcp`] wraps the public [`Client`] so that each response
//! is checked against the result type of the method that asked for it.
//!
//! The schema is read from `$MCP_SPEC_DIR/2025-11-25/schema.json`. Without `MCP_SPEC_DIR`
//! the behaviour assertions still run and the schema checks are skipped, with a note.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod keys;

use jsonschema::ValidatorMap;
use mcp_runtime::client::Era;
use mcp_runtime::protocol::{CallToolResult, GetPromptResult, ReadResourceResult};
use mcp_runtime::protocol::{Prompt, Resource, ResourceTemplate, Tool};
use mcp_runtime::{Client, ClientBuilder, Server};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// The revision of the schema the server's messages are checked against.
pub const SPEC_VERSION: &str = "2025-11-25";

/// The official MCP schema, compiled: one validator per `$defs` entry.
pub struct Spec {
    path: PathBuf,
    version: &'static str,
    validators: ValidatorMap,
}

impl Spec {
    /// The schema under `$MCP_SPEC_DIR`, compiled once per test binary; `None` when the
    /// variable is not set (then a note says the checks are skipped). A variable that is
    /// set but points nowhere fails the test: CI must not skip silently.
    pub fn get() -> Option<&'static Spec> {
        Spec::of(SPEC_VERSION)
    }

    /// The schema of revision `version` (`2025-11-25` or `2026-07-28`), as [`Spec::get`].
    pub fn of(version: &'static str) -> Option<&'static Spec> {
        static LEGACY: OnceLock<Option<Spec>> = OnceLock::new();
        static MODERN: OnceLock<Option<Spec>> = OnceLock::new();
        let cell = match version {
            "2025-11-25" => &LEGACY,
            "2026-07-28" => &MODERN,
            other => panic!("no schema of {other} is used by the tests"),
        };
        cell.get_or_init(|| {
            let Some(dir) = std::env::var_os("MCP_SPEC_DIR").filter(|d| !d.is_empty()) else {
                // Straight to stderr, past the harness's output capture, so the skip shows.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: MCP_SPEC_DIR is not set (CI sets it to ../shared/spec)"
                );
                return None;
            };
            // A relative directory is taken from the package root, where CI runs.
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            Some(Spec::load(dir.join(version).join("schema.json"), version))
        })
        .as_ref()
    }

    fn load(path: PathBuf, version: &'static str) -> Spec {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "MCP_SPEC_DIR is set, but {} cannot be read: {e}",
                path.display()
            )
        });
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let validators = jsonschema::options()
            .should_validate_formats(true)
            .build_map(&schema)
            .unwrap_or_else(|e| {
                panic!("{} does not compile as a JSON Schema: {e}", path.display())
            });
        Spec {
            path,
            version,
            validators,
        }
    }

    /// Checks `instance` against `#/$defs/<definition>`; the error lists every violation
    /// with its instance path.
    pub fn check(&self, definition: &str, instance: &Value) -> Result<(), String> {
        let pointer = format!("#/$defs/{definition}");
        let Some(validator) = self.validators.get(&pointer) else {
            panic!("{} has no definition {definition}", self.path.display());
        };
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() {
                    "(the root)".to_owned()
                } else {
                    at
                };
                format!("  at {at}: {e}\n    (schema path {})", e.schema_path())
            })
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        Err(format!(
            "does not validate against {definition} ({}):\n{}\n  instance: {instance}",
            self.version,
            errors.join("\n")
        ))
    }
}

/// The schema definition of the result of `method`, for the methods a server answers.
pub fn result_definition(method: &str) -> Option<&'static str> {
    Some(match method {
        "initialize" => "InitializeResult",
        "ping" => "EmptyResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        "logging/setLevel" | "resources/subscribe" | "resources/unsubscribe" => "EmptyResult",
        "server/discover" => "DiscoverResult",
        "subscriptions/listen" => "SubscriptionsListenResult",
        // The tasks extension (not in the core schema: its shapes are checked by
        // `task_problems`).
        "tasks/get" => "Result",
        "tasks/update" | "tasks/cancel" => "EmptyResult",
        _ => return None,
    })
}

/// Checks one raw message (or each message of a batch) the server sent. `method_of`
/// names the method of the request a response answers, when the test knows it.
/// Returns one description per violation.
pub fn check_server_message(
    spec: &Spec,
    raw: &Value,
    method_of: impl Fn(&Value) -> Option<String>,
) -> Vec<String> {
    // Batches left JSON-RPC in MCP 2025-06-18: an array is not a `JSONRPCMessage`, but each
    // of its elements must be one.
    let messages = match raw {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut failures = Vec::new();
    // The shapes of the tasks extension, which the schema does not hold.
    let mut shapes = Vec::new();
    let mut check = |definition: &str, instance: &Value| {
        if let Err(e) = spec.check(definition, instance) {
            let whole = if instance == raw {
                String::new()
            } else {
                format!("\n  whole message: {raw}")
            };
            failures.push(format!("the server sent a message that {e}{whole}"));
        }
    };
    for message in messages {
        check("JSONRPCMessage", message);
        let id = message.get("id");
        if message.get("error").is_some() {
            check("JSONRPCErrorResponse", message);
        } else if let Some(result) = message.get("result") {
            check("JSONRPCResultResponse", message);
            let method = id.and_then(&method_of);
            match result.get("resultType").and_then(Value::as_str) {
                Some("input_required") => check("InputRequiredResult", result),
                // A task handle (the tasks extension): a result, and a task.
                Some("task") => {
                    check("Result", result);
                    shapes.extend(task_problems(result, false));
                }
                _ => {
                    if let Some(definition) = method.as_deref().and_then(result_definition) {
                        check(definition, result);
                    }
                    if method.as_deref() == Some("tasks/get") {
                        shapes.extend(task_problems(result, true));
                    }
                }
            }
        } else if message.get("method").is_some() {
            match id {
                Some(_) => check("ServerRequest", message),
                None if message["method"] == "notifications/tasks" => {
                    check("JSONRPCNotification", message);
                    shapes.extend(task_problems(&message["params"], true));
                }
                None => check("ServerNotification", message),
            }
        }
    }
    failures.extend(shapes);
    failures
}

/// What is wrong with `task` as a task of the tasks extension (SEP-2663): the handle of
/// `CreateTaskResult`, or (`detailed`) what `tasks/get` and `notifications/tasks` carry.
pub fn task_problems(task: &Value, detailed: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail =
        |why: String| problems.push(format!("the server sent a task that {why}: {task}"));
    if !task["taskId"].is_string() {
        fail("has no string taskId".into());
    }
    let status = task["status"].as_str().unwrap_or_default();
    if ![
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ]
    .contains(&status)
    {
        fail(format!("has an unknown status {:?}", task["status"]));
    }
    for stamp in ["createdAt", "lastUpdatedAt"] {
        let ok = task[stamp].as_str().is_some_and(|s| {
            s.len() >= 20 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T' && s.ends_with('Z')
        });
        if !ok {
            fail(format!("has no ISO 8601 {stamp}"));
        }
    }
    if !(task["ttlMs"].is_null() || task["ttlMs"].as_u64().is_some_and(|t| t > 0))
        || task.get("ttlMs").is_none()
    {
        fail("has no ttlMs (a positive integer or null)".into());
    }
    let positive = |v: &Value| v.as_u64().is_some_and(|t| t > 0);
    if task.get("pollIntervalMs").is_some_and(|v| !positive(v)) {
        fail("has a pollIntervalMs that is not a positive integer".into());
    }
    for removed in ["ttl", "pollInterval", "requestState", "task"] {
        if task.get(removed).is_some() {
            fail(format!(
                "carries `{removed}`, which the tasks extension does not define"
            ));
        }
    }
    let carries = |field: &str| task.get(field).is_some();
    let expected: &[&str] = match (detailed, status) {
        (true, "input_required") => &["inputRequests"],
        (true, "completed") => &["result"],
        (true, "failed") => &["error"],
        _ => &[],
    };
    for field in ["inputRequests", "result", "error"] {
        if carries(field) != expected.contains(&field) {
            fail(format!(
                "{} `{field}` with status {status}",
                if carries(field) { "carries" } else { "lacks" }
            ));
        }
    }
    if status == "failed"
        && !(task["error"]["code"].is_i64() && task["error"]["message"].is_string())
    {
        fail("failed without a JSON-RPC error (code, message)".into());
    }
    problems
}

/// Watches what a [`Client`] receives: each message is checked against the schema, and
/// each result against the result type of the request it answers.
///
/// The client numbers its requests 1, 2, 3... in order. [`Wire::expect`] is called just
/// before each request goes out with the method it uses; a call that sends several
/// requests (a paginated list) sends them all with the same method.
#[derive(Clone, Default)]
pub struct Wire(Arc<Mutex<WireLog>>);

#[derive(Default)]
struct WireLog {
    /// Speaks 2026-07-28 (checked against its schema) rather than 2025-11-25.
    modern: bool,
    /// The first request id of each call, and the call's method.
    methods: BTreeMap<i64, String>,
    /// The highest id answered so far.
    answered: i64,
    received: Vec<Value>,
    failures: Vec<String>,
}

impl Wire {
    /// A wire that has seen nothing.
    pub fn new() -> Wire {
        // Compile the schema (or print the skip note) now, on the test's thread, rather
        // than inside the client's reading task.
        Spec::get();
        Wire::default()
    }

    /// A wire for a client that speaks 2026-07-28, checked against that schema.
    #[allow(dead_code)]
    pub fn modern() -> Wire {
        Spec::of("2026-07-28");
        let wire = Wire::default();
        wire.log().modern = true;
        wire
    }

    fn spec(&self) -> Option<&'static Spec> {
        if self.log().modern {
            Spec::of("2026-07-28")
        } else {
            Spec::get()
        }
    }

    fn log(&self) -> MutexGuard<'_, WireLog> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `builder` with this wire watching what the client receives, speaking the era
    /// whose schema the wire checks against.
    pub fn attach(&self, builder: ClientBuilder) -> ClientBuilder {
        let wire = self.clone();
        let era = if self.log().modern {
            Era::Modern
        } else {
            Era::Legacy
        };
        builder.era(era).inspect(move |raw| wire.receive(raw))
    }

    /// Says the next request the client sends (and any it sends before the next
    /// `expect`) uses `method`; returns the id that request will have.
    pub fn expect(&self, method: &str) -> i64 {
        let mut log = self.log();
        let last = log.methods.last_key_value().map_or(0, |(&id, _)| id);
        let next = last.max(log.answered) + 1;
        log.methods.insert(next, method.to_owned());
        next
    }

    fn receive(&self, raw: &Value) {
        let spec = self.spec();
        let mut log = self.log();
        log.received.push(raw.clone());
        let items = match raw {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for id in items.iter().filter_map(|m| m.get("id")?.as_i64()) {
            log.answered = log.answered.max(id);
        }
        let Some(spec) = spec else { return };
        let methods = &log.methods;
        let method_of = |id: &Value| {
            let id = id.as_i64()?;
            methods.range(..=id).next_back().map(|(_, m)| m.clone())
        };
        let failures = check_server_message(spec, raw, method_of);
        log.failures.extend(failures);
    }

    /// Every message received so far, as raw JSON.
    pub fn received(&self) -> Vec<Value> {
        self.log().received.clone()
    }

    /// Fails the test if any message received so far did not validate.
    pub fn assert_valid(&self) {
        let failures = self.log().failures.clone();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
}

/// A [`Client`] whose every received message is checked (see [`Wire`]). The checks run
/// as messages arrive; a violation fails the test when the `Mcp` is dropped, or at
/// [`Mcp::assert_valid`].
pub struct Mcp {
    /// The client itself, for calls the wrapper does not mirror (call [`Mcp::expect`] first).
    pub client: Client,
    wire: Checked,
}

/// Fails the test, when dropped, if a message did not validate.
struct Checked(Wire);

impl Drop for Checked {
    fn drop(&mut self) {
        // A test already failing says why; a second panic would abort the process.
        if !std::thread::panicking() {
            self.0.assert_valid();
        }
    }
}

impl Mcp {
    /// Connects in memory with the default client options.
    pub async fn in_memory(server: &Server) -> Mcp {
        Mcp::in_memory_with(server, |b| b)
            .await
            .unwrap_or_else(|e| panic!("connecting in memory failed: {e}"))
    }

    /// Connects in memory with client options set by `configure`.
    pub async fn in_memory_with(
        server: &Server,
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
    ) -> mcp_runtime::Result<Mcp> {
        let wire = Wire::new();
        wire.expect("initialize");
        let builder = configure(wire.attach(Client::builder()));
        let client = builder.in_memory(server).await?;
        Ok(Mcp {
            client,
            wire: Checked(wire),
        })
    }

    /// Starts `command` and connects to it over stdio.
    pub async fn stdio(command: tokio::process::Command) -> Mcp {
        let wire = Wire::new();
        wire.expect("initialize");
        let client = wire
            .attach(Client::builder())
            .stdio(command)
            .await
            .unwrap_or_else(|e| panic!("connecting over stdio failed: {e}"));
        Mcp {
            client,
            wire: Checked(wire),
        }
    }

    /// See [`Wire::expect`].
    pub fn expect(&self, method: &str) -> i64 {
        self.wire.0.expect(method)
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Value> {
        self.wire.0.received()
    }

    /// Fails the test if any message received so far did not validate.
    pub fn assert_valid(&self) {
        self.wire.0.assert_valid();
    }

    /// Checks what was received, then closes the connection and waits for a child
    /// server process to exit.
    pub async fn close(self) -> mcp_runtime::Result<Option<std::process::ExitStatus>> {
        self.assert_valid();
        let Mcp { client, wire } = self;
        // Bounded, so that a close that never completes fails the test instead of hanging it.
        let status = tokio::time::timeout(std::time::Duration::from_secs(20), client.close())
            .await
            .unwrap_or_else(|_| panic!("Client::close did not return within 20 s"));
        wire.0.assert_valid();
        status
    }

    // The `Client` calls, each announced to the wire before it goes out.

    pub async fn ping(&self) -> mcp_runtime::Result<()> {
        self.expect("ping");
        self.client.ping().await
    }

    pub async fn request(&self, method: &str, params: Value) -> mcp_runtime::Result<Value> {
        self.expect(method);
        self.client.request(method, params).await
    }

    pub async fn list_tools(&self) -> mcp_runtime::Result<Vec<Tool>> {
        self.expect("tools/list");
        self.client.list_tools().await
    }

    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> mcp_runtime::Result<CallToolResult> {
        self.expect("tools/call");
        self.client.call_tool(name, arguments).await
    }

    pub async fn list_resources(&self) -> mcp_runtime::Result<Vec<Resource>> {
        self.expect("resources/list");
        self.client.list_resources().await
    }

    pub async fn list_resource_templates(&self) -> mcp_runtime::Result<Vec<ResourceTemplate>> {
        self.expect("resources/templates/list");
        self.client.list_resource_templates().await
    }

    pub async fn read_resource(&self, uri: &str) -> mcp_runtime::Result<ReadResourceResult> {
        self.expect("resources/read");
        self.client.read_resource(uri).await
    }

    pub async fn list_prompts(&self) -> mcp_runtime::Result<Vec<Prompt>> {
        self.expect("prompts/list");
        self.client.list_prompts().await
    }

    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Value,
    ) -> mcp_runtime::Result<GetPromptResult> {
        self.expect("prompts/get");
        self.client.get_prompt(name, arguments).await
    }
}

/// The JSON-RPC error of a call that should have failed with one.
#[track_caller]
pub fn rpc_error<T: std::fmt::Debug>(
    result: mcp_runtime::Result<T>,
) -> mcp_runtime::protocol::ErrorObject {
    match result {
        Err(mcp_runtime::Error::Rpc(error)) => error,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

/// Fails the test unless `instance` conforms to the JSON Schema `schema` (draft 2020-12).
#[track_caller]
pub fn assert_conforms(schema: &Value, instance: &Value) {
    let validator = match jsonschema::draft202012::new(schema) {
        Ok(validator) => validator,
        Err(e) => panic!("not a valid JSON Schema: {e}\n  schema: {schema}"),
    };
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{instance} does not conform to its schema:\n{}\n  schema: {schema}",
        errors.join("\n")
    );
}

/// Fails the test unless `schema` is a valid draft 2020-12 JSON Schema.
#[track_caller]
pub fn assert_valid_schema(schema: &Value) {
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        panic!(
            "not a valid draft 2020-12 JSON Schema: {e} at {}\n  schema: {schema}",
            e.instance_path()
        );
    }
}

/// Serves `server` over Streamable HTTP (default settings) on a free loopback port until
/// the returned sender is dropped.
pub async fn serve_http_on_loopback(
    server: Server,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("no loopback port: {e}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no local address: {e}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let config = mcp_runtime::transport::HttpConfig::default();
        if let Err(e) =
            mcp_runtime::transport::serve_http(&server, listener, config, shutdown).await
        {
            panic!("serving HTTP failed: {e}");
        }
    });
    (address, stop)
}
