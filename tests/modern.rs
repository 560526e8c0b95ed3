//! MCP 2026-07-28 beside 2025-11-25, from the same handlers: the era of each request, its
//! errors, `server/discover`, multi-round requests (`InputRequiredResult` and a sealed
//! `requestState`), `subscriptions/listen`, logging by `_meta`, and the Streamable HTTP
//! rules of the modern era, over a real stdio stream (`serve_io` on a pipe) and real HTTP
//! on 127.0.0.1.
//!
//! Every message the server sends here is checked against the schema of the revision in
//! use (`$MCP_SPEC_DIR/2026-07-28/schema.json` for modern requests, 2025-11-25 for the
//! legacy ones); without `MCP_SPEC_DIR` the checks are skipped with a note.

mod common;

use bytes::Bytes;
use common::{Spec, check_server_message};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use mcp_runtime::RequestStateKeys;
use mcp_runtime::define::ToolDef;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{CacheHint, CreateMessageRequest, SamplingMessage};
use mcp_runtime::transport::{HttpConfig, serve_http, serve_io};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

const WAIT: Duration = Duration::from_secs(30);
const MODERN: &str = "2026-07-28";

async fn within<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(WAIT, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

// ----- the server: one body per handler, both eras ----------------------------------------

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Colour {
    color: String,
}

/// Greet the user, asking their name first.
#[tool]
async fn greet(greeting: String, ctx: Context) -> Result<String, ClientRequestError> {
    let Elicitation::Accept(name) = ctx
        .input("user_name")
        .elicit::<Name>("What is your name?")
        .await?
    else {
        return Ok(format!("{greeting}, stranger!"));
    };
    Ok(format!("{greeting}, {}!", name.name))
}

/// Two questions, one after the other.
#[tool]
async fn two_steps(ctx: Context) -> Result<String, ClientRequestError> {
    let name = match ctx.elicit::<Name>("Your name?").await? {
        Elicitation::Accept(n) => n.name,
        _ => "nobody".into(),
    };
    let colour = match ctx.elicit::<Colour>("Your colour?").await? {
        Elicitation::Accept(c) => c.color,
        _ => "none".into(),
    };
    Ok(format!("{name} likes {colour}"))
}

/// Needs the client's model.
#[tool]
async fn ask_model(ctx: Context) -> Result<String, ClientRequestError> {
    let answer = ctx
        .sample(CreateMessageRequest {
            messages: vec![SamplingMessage::user("Hi")],
            max_tokens: 5,
            ..Default::default()
        })
        .await?;
    Ok(answer.content.as_text().unwrap_or_default().to_owned())
}

/// Logs at debug and at warning.
#[tool]
async fn chatty(ctx: Context) -> &'static str {
    ctx.debug("a debug line").await;
    ctx.warning("a warning").await;
    "done"
}

static CANCELLED: AtomicBool = AtomicBool::new(false);
static CANCELLED_NOTIFY: Notify = Notify::const_new();

/// Reports progress, then waits until cancelled.
#[tool]
async fn wait_for_cancel(ctx: Context) -> &'static str {
    ctx.progress(1.0, None).await;
    ctx.cancelled().await;
    CANCELLED.store(true, Ordering::SeqCst);
    CANCELLED_NOTIFY.notify_waiters();
    "cancelled"
}

/// A memo.
#[resource("memo://{id}", mime_type = "text/plain")]
fn memo(id: String) -> Result<String, NotFound> {
    if id == "missing" {
        return Err(NotFound::new("no memo missing"));
    }
    Ok(format!("memo {id}"))
}

/// Crunches for `ms` milliseconds: a task for clients that support them.
#[tool(task)]
async fn crunch(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("crunched for {ms} ms")
}

/// Asks two names at once, as a task only.
#[tool(task = "required")]
async fn two_names(ctx: Context) -> Result<String, ClientRequestError> {
    assert!(
        ctx.continue_as_task().await,
        "a declaring client gets a task"
    );
    let (first, second) = (ctx.input("first"), ctx.input("second"));
    let (a, b) = tokio::join!(
        first.elicit::<Name>("First?"),
        second.elicit::<Name>("Second?")
    );
    let name = |e: Elicitation<Name>| match e {
        Elicitation::Accept(n) => n.name,
        _ => "-".into(),
    };
    Ok(format!("{} and {}", name(a?), name(b?)))
}

static ENDLESS_DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop(&'static AtomicBool);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Never ends, as a task, until it is stopped.
#[tool(task)]
async fn endless(ctx: Context) -> &'static str {
    let _dropped = SetOnDrop(&ENDLESS_DROPPED);
    ctx.continue_as_task().await;
    std::future::pending::<()>().await;
    "never"
}

/// Ends with a protocol error.
#[tool(task)]
async fn broken(ctx: Context) -> mcp_runtime::define::ToolOutcome {
    ctx.continue_as_task().await;
    mcp_runtime::define::ToolOutcome::protocol_error(mcp_runtime::protocol::ErrorObject::internal(
        "the disk is on fire",
    ))
}

/// Asks the user's name in the call (multi-round), then goes on as a task.
#[tool(task)]
async fn welcome(ctx: Context) -> Result<String, ClientRequestError> {
    let Elicitation::Accept(name) = ctx.input("user_name").elicit::<Name>("Name?").await? else {
        return Ok("no one to welcome".into());
    };
    ctx.continue_as_task().await;
    Ok(format!("Welcome, {}!", name.name))
}

/// Says hello.
#[prompt]
fn hello() -> &'static str {
    "Say hello."
}

fn server(key: &str) -> Server {
    Server::builder()
        .name("modern-test")
        .version("1.2.3")
        .tool(add)
        .tool(greet)
        .tool(two_steps)
        .tool(ask_model)
        .tool(chatty)
        .tool(wait_for_cancel)
        .tool(crunch)
        .tool(two_names)
        .tool(endless)
        .tool(broken)
        .tool(welcome)
        .resource(memo)
        .prompt(hello)
        .list_cache(CacheHint::public(60_000))
        .request_state_keys(RequestStateKeys::new([key], Duration::from_secs(600)).expect("a key"))
        .build()
        .expect("the test server builds")
}

fn meta(caps: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": caps,
        "io.modelcontextprotocol/clientInfo": { "name": "modern-test-client", "version": "0" },
    })
}

/// A modern request: `params` with the required `_meta` added (client capabilities
/// `caps`).
fn modern(id: Value, method: &str, mut params: Value, caps: Value) -> Value {
    params["_meta"] = meta(caps);
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

// ----- the schema checks ---------------------------------------------------------------------

/// Checks what the server sent against the schema of `version`; `methods` maps request ids
/// to their methods.
fn check(version: &'static str, message: &Value, methods: &HashMap<String, String>) {
    let Some(spec) = Spec::of(version) else {
        return;
    };
    let failures = check_server_message(spec, message, |id| methods.get(&id.to_string()).cloned());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ----- stdio: one stream, both eras ------------------------------------------------------------

struct Stdio {
    to_server: DuplexStream,
    from_server: Lines<BufReader<DuplexStream>>,
    /// Method of each request sent, by id, for the schema checks.
    methods: HashMap<String, String>,
    /// Requests sent in the legacy era, by id (their answers are checked as 2025-11-25).
    legacy: std::collections::HashSet<String>,
    _task: tokio::task::JoinHandle<()>,
}

impl Stdio {
    fn start(server: Server) -> Stdio {
        let (client_end, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_read) = tokio::io::duplex(1 << 16);
        let task = tokio::spawn(async move {
            let _ = serve_io(&server, server_in, server_out).await;
        });
        Stdio {
            to_server: client_end,
            from_server: BufReader::new(client_read).lines(),
            methods: HashMap::new(),
            legacy: Default::default(),
            _task: task,
        }
    }

    async fn send(&mut self, message: &Value) {
        if let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) {
            self.methods.insert(id.to_string(), method.to_owned());
            if message["params"]["_meta"]
                .get("io.modelcontextprotocol/protocolVersion")
                .is_none()
            {
                self.legacy.insert(id.to_string());
            }
        }
        let mut line = message.to_string();
        line.push('\n');
        self.to_server
            .write_all(line.as_bytes())
            .await
            .expect("the server reads its stdin");
    }

    /// The next line the server writes, checked against the schema of its era.
    async fn next(&mut self) -> Value {
        let line = within("a line from the server", self.from_server.next_line())
            .await
            .expect("the server's stdout is readable")
            .expect("the server wrote a line");
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the server wrote a line that is not JSON ({e}): {line}"));
        let legacy = message
            .get("id")
            .is_some_and(|id| self.legacy.contains(&id.to_string()))
            || message["method"] == "elicitation/create";
        check(
            if legacy { "2025-11-25" } else { MODERN },
            &message,
            &self.methods,
        );
        message
    }

    /// Sends `message` and returns the response to it (notifications before it are
    /// returned too, in order).
    async fn call(&mut self, message: Value) -> (Vec<Value>, Value) {
        let id = message["id"].clone();
        self.send(&message).await;
        let mut before = Vec::new();
        loop {
            let line = self.next().await;
            if line.get("id") == Some(&id) && line.get("method").is_none() {
                return (before, line);
            }
            before.push(line);
        }
    }

    async fn answer(&mut self, message: Value) -> Value {
        self.call(message).await.1
    }
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error: {response}"))
}

#[tokio::test]
async fn one_stdio_stream_serves_both_eras() {
    let mut io = Stdio::start(server("k"));

    // Modern first, without initialize: discover, then a call.
    let discover = io
        .answer(modern(json!(1), "server/discover", json!({}), json!({})))
        .await;
    let result = &discover["result"];
    assert_eq!(result["resultType"], "complete", "{discover}");
    let versions: Vec<&str> = result["supportedVersions"]
        .as_array()
        .expect("supportedVersions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(versions[..2], ["2026-07-28", "2025-11-25"], "{discover}");
    assert!(result["capabilities"]["tools"].is_object(), "{discover}");
    assert!(
        result["capabilities"]["extensions"].is_object(),
        "{discover}"
    );
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "modern-test"
    );
    assert_eq!(result["ttlMs"], 60_000);
    assert_eq!(result["cacheScope"], "public");

    let call = io
        .answer(modern(
            json!(2),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": 2, "b": 3 } }),
            json!({}),
        ))
        .await;
    assert_eq!(call["result"]["resultType"], "complete", "{call}");
    assert_eq!(call["result"]["structuredContent"]["result"], 5, "{call}");
    assert_eq!(
        call["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["version"],
        "1.2.3"
    );

    let list = io
        .answer(modern(json!(3), "tools/list", json!({}), json!({})))
        .await;
    assert_eq!(list["result"]["ttlMs"], 60_000, "{list}");
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    // The builder's order, the same on every call (and on every instance of the program).
    assert_eq!(
        names,
        [
            "add",
            "greet",
            "two_steps",
            "ask_model",
            "chatty",
            "wait_for_cancel",
            "crunch",
            "two_names",
            "endless",
            "broken",
            "welcome"
        ]
    );

    // Then a legacy session on the same stream.
    let init = io
        .answer(json!({
            "jsonrpc": "2.0", "id": 4, "method": "initialize",
            "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": { "name": "old", "version": "0" } }
        }))
        .await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    io.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
        .await;
    let legacy = io
        .answer(json!({ "jsonrpc": "2.0", "id": 5, "method": "tools/call",
                        "params": { "name": "add", "arguments": { "a": 1, "b": 1 } } }))
        .await;
    assert!(legacy["result"].get("resultType").is_none(), "{legacy}");
    assert_eq!(legacy["result"]["structuredContent"]["result"], 2);
    let ping = io
        .answer(json!({ "jsonrpc": "2.0", "id": 6, "method": "ping" }))
        .await;
    assert!(
        ping["result"].is_object(),
        "legacy ping still works: {ping}"
    );

    // And modern again, beside it.
    let again = io
        .answer(modern(
            json!(7),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": 4, "b": 4 } }),
            json!({}),
        ))
        .await;
    assert_eq!(again["result"]["structuredContent"]["result"], 8, "{again}");
}

#[tokio::test]
async fn modern_requests_get_the_errors_of_2026_07_28() {
    let mut io = Stdio::start(server("k"));
    let mut unsupported = modern(json!(1), "tools/list", json!({}), json!({}));
    unsupported["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    let reply = io.answer(unsupported).await;
    assert_eq!(error_code(&reply), -32022, "{reply}");
    assert_eq!(reply["error"]["data"]["requested"], "1900-01-01");
    assert!(
        reply["error"]["data"]["supported"]
            .as_array()
            .is_some_and(|v| v.contains(&json!("2026-07-28"))),
        "{reply}"
    );

    let mut no_caps = modern(json!(2), "tools/list", json!({}), json!({}));
    no_caps["params"]["_meta"]
        .as_object_mut()
        .expect("meta")
        .remove("io.modelcontextprotocol/clientCapabilities");
    let reply = io.answer(no_caps).await;
    assert_eq!(error_code(&reply), -32602, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("clientCapabilities")),
        "{reply}"
    );

    for (id, method) in [
        (3, "ping"),
        (4, "logging/setLevel"),
        (5, "resources/subscribe"),
        (6, "initialize"),
    ] {
        let reply = io
            .answer(modern(json!(id), method, json!({}), json!({})))
            .await;
        assert_eq!(error_code(&reply), -32601, "{method}: {reply}");
    }

    // A resource that does not exist: -32602 for modern clients, -32002 for legacy ones.
    let reply = io
        .answer(modern(
            json!(7),
            "resources/read",
            json!({ "uri": "memo://missing" }),
            json!({}),
        ))
        .await;
    assert_eq!(error_code(&reply), -32602, "{reply}");
    let read = io
        .answer(modern(
            json!(8),
            "resources/read",
            json!({ "uri": "memo://7" }),
            json!({}),
        ))
        .await;
    assert_eq!(read["result"]["contents"][0]["text"], "memo 7", "{read}");
    assert_eq!(read["result"]["ttlMs"], 0, "the read default: {read}");
    assert_eq!(read["result"]["cacheScope"], "private", "{read}");
    io.answer(json!({
        "jsonrpc": "2.0", "id": 9, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": { "name": "old", "version": "0" } }
    }))
    .await;
    let reply = io
        .answer(
            json!({ "jsonrpc": "2.0", "id": 10, "method": "resources/read",
                        "params": { "uri": "memo://missing" } }),
        )
        .await;
    assert_eq!(error_code(&reply), -32002, "{reply}");
}

/// The state of an `input_required` result.
fn state_of(reply: &Value) -> String {
    assert_eq!(reply["result"]["resultType"], "input_required", "{reply}");
    reply["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("no requestState: {reply}"))
        .to_owned()
}

#[tokio::test]
async fn a_modern_client_answers_questions_by_retrying() {
    let mut io = Stdio::start(server("k"));
    let elicitation = json!({ "elicitation": { "form": {} } });
    let call = |id: i64, greeting: &str, extra: Value| {
        let mut params = json!({ "name": "greet", "arguments": { "greeting": greeting } });
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                params[k] = v;
            }
        }
        modern(json!(id), "tools/call", params, elicitation.clone())
    };

    let first = io.answer(call(1, "Hello", json!({}))).await;
    let state = state_of(&first);
    let question = &first["result"]["inputRequests"]["user_name"];
    assert_eq!(question["method"], "elicitation/create", "{first}");
    assert_eq!(question["params"]["message"], "What is your name?");
    assert!(
        first["result"].get("ttlMs").is_none(),
        "not cacheable: {first}"
    );

    let answer = json!({ "user_name": { "action": "accept", "content": { "name": "Alice" } } });
    let done = io
        .answer(call(
            2,
            "Hello",
            json!({ "inputResponses": answer, "requestState": state }),
        ))
        .await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello, Alice!",
        "{done}"
    );

    // Tampered, or bound to other arguments: refused with -32602 and a clear message.
    let mut tampered = state.clone().into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).expect("ASCII");
    let reply = io
        .answer(call(
            3,
            "Hello",
            json!({ "inputResponses": answer, "requestState": tampered }),
        ))
        .await;
    assert_eq!(error_code(&reply), -32602, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("requestState")),
        "{reply}"
    );
    let reply = io
        .answer(call(
            4,
            "Goodbye",
            json!({ "inputResponses": answer, "requestState": state }),
        ))
        .await;
    assert_eq!(error_code(&reply), -32602, "{reply}");

    // Two rounds: the second result carries the first answer in a new state.
    let mut steps = modern(
        json!(5),
        "tools/call",
        json!({ "name": "two_steps" }),
        elicitation.clone(),
    );
    let r1 = io.answer(steps.clone()).await;
    let s1 = state_of(&r1);
    let key1 = r1["result"]["inputRequests"]
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .expect("a question");
    steps["id"] = json!(6);
    steps["params"]["requestState"] = json!(s1);
    steps["params"]["inputResponses"] =
        json!({ key1.clone(): { "action": "accept", "content": { "name": "Bo" } } });
    let r2 = io.answer(steps.clone()).await;
    let s2 = state_of(&r2);
    assert_ne!(s1, s2);
    let key2 = r2["result"]["inputRequests"]
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .expect("a second question");
    assert_ne!(key1, key2);
    steps["id"] = json!(7);
    steps["params"]["requestState"] = json!(s2);
    steps["params"]["inputResponses"] =
        json!({ key2: { "action": "accept", "content": { "color": "red" } } });
    let r3 = io.answer(steps).await;
    assert_eq!(r3["result"]["content"][0]["text"], "Bo likes red", "{r3}");

    // A capability the client did not declare: -32021, naming it.
    let reply = io
        .answer(modern(
            json!(8),
            "tools/call",
            json!({ "name": "ask_model" }),
            json!({}),
        ))
        .await;
    assert_eq!(error_code(&reply), -32021, "{reply}");
    assert!(
        reply["error"]["data"]["requiredCapabilities"]["sampling"].is_object(),
        "{reply}"
    );
}

#[tokio::test]
async fn a_retry_may_land_on_another_process_with_the_same_key() {
    let mut a = Stdio::start(server("shared"));
    let mut b = Stdio::start(server("shared"));
    let mut c = Stdio::start(server("other"));
    let caps = json!({ "elicitation": {} });
    let first = a
        .answer(modern(
            json!(1),
            "tools/call",
            json!({ "name": "greet", "arguments": { "greeting": "Hi" } }),
            caps.clone(),
        ))
        .await;
    let retry = modern(
        json!(2),
        "tools/call",
        json!({ "name": "greet", "arguments": { "greeting": "Hi" },
                "requestState": state_of(&first),
                "inputResponses": { "user_name": { "action": "accept", "content": { "name": "Eve" } } } }),
        caps,
    );
    let on_b = b.answer(retry.clone()).await;
    assert_eq!(on_b["result"]["content"][0]["text"], "Hi, Eve!", "{on_b}");
    let on_c = c.answer(retry).await;
    assert_eq!(error_code(&on_c), -32602, "another key refuses it: {on_c}");
}

#[tokio::test]
async fn a_legacy_session_still_gets_server_to_client_requests() {
    let mut io = Stdio::start(server("k"));
    io.answer(json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25",
                    "capabilities": { "elicitation": { "form": {} } },
                    "clientInfo": { "name": "old", "version": "0" } }
    }))
    .await;
    io.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
        .await;
    io.send(&json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": { "name": "greet", "arguments": { "greeting": "Yo" } } }))
        .await;
    let request = io.next().await;
    assert_eq!(request["method"], "elicitation/create", "{request}");
    io.send(&json!({ "jsonrpc": "2.0", "id": request["id"],
                     "result": { "action": "accept", "content": { "name": "Sam" } } }))
        .await;
    let done = io.next().await;
    assert_eq!(done["id"], 2);
    assert_eq!(done["result"]["content"][0]["text"], "Yo, Sam!", "{done}");
}

#[tokio::test]
async fn modern_logs_only_when_the_request_names_a_level() {
    let mut io = Stdio::start(server("k"));
    let (before, reply) = io
        .call(modern(
            json!(1),
            "tools/call",
            json!({ "name": "chatty" }),
            json!({}),
        ))
        .await;
    assert!(before.is_empty(), "no log without a level: {before:?}");
    assert_eq!(reply["result"]["content"][0]["text"], "done");

    let mut leveled = modern(
        json!(2),
        "tools/call",
        json!({ "name": "chatty" }),
        json!({}),
    );
    leveled["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("warning");
    let (before, _) = io.call(leveled).await;
    assert_eq!(before.len(), 1, "only the warning: {before:?}");
    assert_eq!(before[0]["method"], "notifications/message");
    assert_eq!(before[0]["params"]["level"], "warning");
}

#[tokio::test]
async fn subscriptions_listen_over_stdio() {
    let server = server("k");
    let mut io = Stdio::start(server.clone());
    io.send(&modern(
        json!("sub-1"),
        "subscriptions/listen",
        json!({ "notifications": { "toolsListChanged": true,
                                   "resourceSubscriptions": ["memo://1"] } }),
        json!({}),
    ))
    .await;
    let ack = io.next().await;
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "sub-1"
    );
    assert_eq!(ack["params"]["notifications"]["toolsListChanged"], true);
    assert!(
        ack["params"]["notifications"]
            .get("promptsListChanged")
            .is_none()
    );

    // Not asked for: nothing. Asked for: tagged with the subscription.
    server
        .add_prompt(mcp_runtime::define::PromptDef::of(hello).expect("a prompt"))
        .expect("the prompt is added");
    server
        .add_tool(ToolDef::of(add).expect("a tool"))
        .expect("the tool is added");
    let changed = io.next().await;
    assert_eq!(
        changed["method"], "notifications/tools/list_changed",
        "{changed}"
    );
    assert_eq!(
        changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "sub-1"
    );
    server.notify_resource_updated("memo://2");
    server.notify_resource_updated("memo://1");
    let updated = io.next().await;
    assert_eq!(
        updated["method"], "notifications/resources/updated",
        "{updated}"
    );
    assert_eq!(updated["params"]["uri"], "memo://1");

    // Cancelled by the client: it ends without a response; the stream goes on.
    io.send(
        &json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": { "requestId": "sub-1" } }),
    )
    .await;
    let after = io
        .answer(modern(json!(9), "tools/list", json!({}), json!({})))
        .await;
    assert_eq!(
        after["id"], 9,
        "no answer to the cancelled listen came first"
    );
    server
        .add_tool(ToolDef::of(add).expect("a tool"))
        .expect("the tool is added");
    let later = io
        .answer(modern(json!(10), "tools/list", json!({}), json!({})))
        .await;
    assert_eq!(later["id"], 10, "a cancelled listener hears nothing more");
}

// ----- Streamable HTTP -------------------------------------------------------------------------

struct Http {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Http {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn http(server: Server) -> Http {
    // Keep-alive comments often: a closed stream is noticed when one fails to go out.
    let config = HttpConfig {
        keep_alive: Duration::from_millis(100),
        ..HttpConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, async {
            let _ = stopped.await;
        })
        .await;
    });
    Http {
        addr,
        stop: Some(stop),
    }
}

struct Reply {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Incoming,
    _conn: Connection,
}

/// The task driving one client connection; dropping it closes the connection.
struct Connection(tokio::task::JoinHandle<()>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    async fn json(self) -> Value {
        let bytes = within("a body", self.body.collect())
            .await
            .expect("a body")
            .to_bytes();
        let value: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
        check(MODERN, &value, &HashMap::new());
        value
    }

    /// The next SSE event's data, as JSON.
    async fn event(&mut self, pending: &mut String) -> Value {
        loop {
            if let Some(end) = pending.find("\n\n") {
                let event: String = pending.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let value: Value = serde_json::from_str(data).expect("JSON data");
                    check(MODERN, &value, &HashMap::new());
                    return value;
                }
                continue;
            }
            let frame = within("an SSE event", self.body.frame())
                .await
                .expect("the stream goes on")
                .expect("a frame");
            if let Ok(data) = frame.into_data() {
                pending.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

/// Sends `req` over a new connection and waits for the response head.
async fn send(addr: std::net::SocketAddr, mut req: Request<Full<Bytes>>) -> Reply {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    let conn = tokio::spawn(async move {
        let _ = conn.await;
    });
    *req.uri_mut() = "/mcp".parse().expect("a path");
    req.headers_mut()
        .insert("host", addr.to_string().parse().expect("host"));
    let resp = within("a response", sender.send_request(req))
        .await
        .expect("a response");
    let (parts, body) = resp.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
        _conn: Connection(conn),
    }
}

fn set(h: &mut hyper::HeaderMap, name: &str, value: &str) {
    h.insert(
        hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
        value.parse().expect("value"),
    );
}

/// A modern POST: the headers mirror the body unless `headers` changes them (an empty
/// value removes one).
async fn post(addr: std::net::SocketAddr, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::new(Full::new(Bytes::from(body.to_string())));
    *req.method_mut() = Method::POST;
    let h = req.headers_mut();
    set(h, "accept", "application/json, text/event-stream");
    set(h, "content-type", "application/json");
    set(h, "mcp-protocol-version", MODERN);
    set(h, "mcp-method", body["method"].as_str().unwrap_or_default());
    if let Some(name) = body["params"]["name"]
        .as_str()
        .or(body["params"]["uri"].as_str())
    {
        set(h, "mcp-name", name);
    }
    for (name, value) in headers {
        if value.is_empty() {
            h.remove(*name);
        } else {
            set(h, name, value);
        }
    }
    send(addr, req).await
}

/// A bodiless `method` request with a session id and `MCP-Protocol-Version: version`.
async fn bare(addr: std::net::SocketAddr, method: Method, version: &str) -> Reply {
    let mut req = Request::new(Full::new(Bytes::new()));
    *req.method_mut() = method;
    let h = req.headers_mut();
    set(h, "accept", "text/event-stream");
    set(h, "mcp-protocol-version", version);
    set(h, "mcp-session-id", "whatever");
    send(addr, req).await
}

#[tokio::test]
async fn streamable_http_follows_the_modern_rules() {
    let running = http(server("k")).await;
    let addr = running.addr;
    let call = modern(
        json!(1),
        "tools/call",
        json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }),
        json!({}),
    );

    // Served without a session; a session id sent along is ignored, none is minted.
    let ok = post(addr, &call, &[("mcp-session-id", "not-a-session")]).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.header("mcp-session-id").is_none());
    let body = ok.json().await;
    assert_eq!(body["result"]["structuredContent"]["result"], 3, "{body}");
    assert_eq!(body["result"]["resultType"], "complete");

    // Each mirrored header must match the body: -32020 with 400 otherwise.
    for (what, headers) in [
        ("no Mcp-Method", vec![("mcp-method", "")]),
        ("another Mcp-Method", vec![("mcp-method", "tools/list")]),
        ("no Mcp-Name", vec![("mcp-name", "")]),
        ("another Mcp-Name", vec![("mcp-name", "subtract")]),
        (
            "no MCP-Protocol-Version",
            vec![("mcp-protocol-version", "")],
        ),
        (
            "another version",
            vec![("mcp-protocol-version", "2025-11-25")],
        ),
        ("bad base64", vec![("mcp-name", "=?base64?%%%?=")]),
    ] {
        let reply = post(addr, &call, &headers).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}");
        let body = reply.json().await;
        assert_eq!(body["error"]["code"], -32020, "{what}: {body}");
        assert_eq!(body["id"], 1, "{what}: {body}");
    }
    // The Base64 form of a name is decoded before it is compared.
    let encoded = post(addr, &call, &[("mcp-name", "=?base64?YWRk?=")]).await;
    assert_eq!(encoded.status, StatusCode::OK);

    // Unsupported version (header and body agree): 400 with -32022.
    let mut old = call.clone();
    old["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    let reply = post(addr, &old, &[("mcp-protocol-version", "1900-01-01")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json().await["error"]["code"], -32022);

    // A method 2026-07-28 removed: 404 with -32601.
    let ping = modern(json!(2), "ping", json!({}), json!({}));
    let reply = post(addr, &ping, &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json().await["error"]["code"], -32601);

    // Missing _meta key: 400 with -32602; missing capability: 400 with -32021.
    let mut no_caps = call.clone();
    no_caps["params"]["_meta"]
        .as_object_mut()
        .expect("meta")
        .remove("io.modelcontextprotocol/clientCapabilities");
    let reply = post(addr, &no_caps, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json().await["error"]["code"], -32602);
    let needs = modern(
        json!(3),
        "tools/call",
        json!({ "name": "ask_model" }),
        json!({}),
    );
    let reply = post(addr, &needs, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json().await["error"]["code"], -32021);

    // No GET stream and nothing to DELETE for a modern client.
    for method in [Method::GET, Method::DELETE] {
        let reply = bare(addr, method.clone(), MODERN).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header("allow"), Some("POST"), "{method}");
    }
    // A legacy client's GET is judged as before (here: an unknown session).
    let reply = bare(addr, Method::GET, "2025-11-25").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listen_over_http_streams_and_closing_a_stream_cancels_its_call() {
    let server = server("k");
    let running = http(server.clone()).await;
    let addr = running.addr;
    let listen = modern(
        json!(1),
        "subscriptions/listen",
        json!({ "notifications": { "toolsListChanged": true } }),
        json!({}),
    );
    let mut stream = post(addr, &listen, &[]).await;
    assert_eq!(stream.status, StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.header("x-accel-buffering"), Some("no"));
    let mut pending = String::new();
    let ack = stream.event(&mut pending).await;
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        1
    );
    server
        .add_tool(ToolDef::of(add).expect("a tool"))
        .expect("the tool is added");
    let changed = stream.event(&mut pending).await;
    assert_eq!(
        changed["method"], "notifications/tools/list_changed",
        "{changed}"
    );
    drop(stream);

    // A call whose stream the client closes is cancelled: its handler sees it.
    let mut call = modern(
        json!(2),
        "tools/call",
        json!({ "name": "wait_for_cancel" }),
        json!({}),
    );
    call["params"]["_meta"]["progressToken"] = json!("p");
    let notified = CANCELLED_NOTIFY.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    let mut reply = post(addr, &call, &[]).await;
    let progress = reply.event(&mut String::new()).await;
    assert_eq!(progress["method"], "notifications/progress", "{progress}");
    assert!(!CANCELLED.load(Ordering::SeqCst));
    drop(reply);
    within("the handler to see the cancellation", notified).await;
    assert!(CANCELLED.load(Ordering::SeqCst));
}

// ----- tasks (the extension io.modelcontextprotocol/tasks) --------------------------------------

const TASKS: &str = "io.modelcontextprotocol/tasks";

fn task_caps() -> Value {
    json!({ "elicitation": {}, "extensions": { TASKS: {} } })
}

impl Stdio {
    /// A tasks request (`tasks/get`, ...) of a declaring client.
    async fn task_request(&mut self, id: i64, method: &str, task: &str, extra: Value) -> Value {
        let mut params = json!({ "taskId": task });
        if let (Some(params), Value::Object(extra)) = (params.as_object_mut(), extra) {
            params.extend(extra);
        }
        self.answer(modern(json!(id), method, params, task_caps()))
            .await
    }

    /// Polls `tasks/get` until the task has `status` (or a terminal one).
    async fn until_status(&mut self, id: &mut i64, task: &str, status: &str) -> Value {
        let poll = async {
            loop {
                *id += 1;
                let got = self.task_request(*id, "tasks/get", task, json!({})).await;
                let now = got["result"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if now == status || ["completed", "failed", "cancelled"].contains(&now.as_str()) {
                    return got["result"].clone();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        within("the task to reach its status", poll).await
    }
}

#[tokio::test]
async fn tasks_run_in_the_background_ask_through_updates_and_end() {
    let mut io = Stdio::start(server("k"));
    let mut id = 100;
    let discover = io
        .answer(modern(json!(1), "server/discover", json!({}), json!({})))
        .await;
    assert_eq!(
        discover["result"]["capabilities"]["extensions"][TASKS],
        json!({}),
        "{discover}"
    );

    // A client that did not declare the extension: answered in the call, or refused
    // when the tool runs only as a task.
    let direct = io
        .answer(modern(
            json!(2),
            "tools/call",
            json!({ "name": "crunch", "arguments": { "ms": 1 } }),
            json!({}),
        ))
        .await;
    assert_eq!(direct["result"]["resultType"], "complete", "{direct}");
    assert_eq!(direct["result"]["content"][0]["text"], "crunched for 1 ms");
    let refused = io
        .answer(modern(
            json!(3),
            "tools/call",
            json!({ "name": "two_names" }),
            json!({ "elicitation": {} }),
        ))
        .await;
    assert_eq!(error_code(&refused), -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let gated = io
            .answer(modern(
                json!(4),
                method,
                json!({ "taskId": "x", "inputResponses": {} }),
                json!({}),
            ))
            .await;
        assert_eq!(error_code(&gated), -32021, "{method}: {gated}");
    }
    // What 2026-07-28 tasks removed, and unknown tasks.
    for method in ["tasks/result", "tasks/list"] {
        let gone = io.task_request(5, method, "x", json!({})).await;
        assert_eq!(error_code(&gone), -32601, "{method}: {gone}");
    }
    let unknown = io.task_request(6, "tasks/get", "nope", json!({})).await;
    assert_eq!(error_code(&unknown), -32602, "{unknown}");

    // A declaring client gets a handle at once; the task is there before it is returned.
    let created = io
        .answer(modern(
            json!(7),
            "tools/call",
            json!({ "name": "crunch", "arguments": { "ms": 200 } }),
            task_caps(),
        ))
        .await;
    let handle = &created["result"];
    assert_eq!(handle["resultType"], "task", "{created}");
    assert_eq!(handle["status"], "working");
    assert!(handle.get("content").is_none() && handle.get("result").is_none());
    let task = handle["taskId"].as_str().expect("a task id").to_owned();
    let now = io.task_request(8, "tasks/get", &task, json!({})).await;
    assert_eq!(now["result"]["resultType"], "complete", "{now}");
    assert_eq!(now["result"]["taskId"], task.as_str());
    let done = io.until_status(&mut id, &task, "completed").await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "crunched for 200 ms");
    // Cancelling a finished task is acknowledged and changes nothing.
    let ack = io.task_request(9, "tasks/cancel", &task, json!({})).await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    assert!(ack["result"].get("status").is_none());
    let still = io.until_status(&mut id, &task, "completed").await;
    assert_eq!(still["status"], "completed");

    // Questions of a task wait in tasks/get until tasks/update answers them; an answer
    // may come alone, and keys that name no question are ignored.
    let created = io
        .answer(modern(
            json!(10),
            "tools/call",
            json!({ "name": "two_names" }),
            task_caps(),
        ))
        .await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let asking = io.until_status(&mut id, &task, "input_required").await;
    let poll_both = async {
        let mut asking = asking;
        while asking["inputRequests"].as_object().map_or(0, |m| m.len()) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            id += 1;
            asking = io.task_request(id, "tasks/get", &task, json!({})).await["result"].clone();
        }
        asking
    };
    let asking = within("both questions", poll_both).await;
    assert_eq!(
        asking["inputRequests"]["first"]["method"], "elicitation/create",
        "{asking}"
    );
    assert_eq!(
        asking["inputRequests"]["second"]["params"]["message"],
        "Second?"
    );
    let accept = |name: &str| json!({ "action": "accept", "content": { "name": name } });
    let ack = io
        .task_request(
            11,
            "tasks/update",
            &task,
            json!({ "inputResponses": { "first": accept("Ada"), "nobody": {} } }),
        )
        .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let half = io.task_request(12, "tasks/get", &task, json!({})).await["result"].clone();
    assert_eq!(half["status"], "input_required", "{half}");
    assert!(half["inputRequests"].get("first").is_none(), "{half}");
    assert!(half["inputRequests"].get("second").is_some(), "{half}");
    io.task_request(
        13,
        "tasks/update",
        &task,
        json!({ "inputResponses": { "second": accept("Grace") } }),
    )
    .await;
    let done = io.until_status(&mut id, &task, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Ada and Grace",
        "{done}"
    );
    let missing = io.task_request(14, "tasks/update", &task, json!({})).await;
    assert_eq!(
        error_code(&missing),
        -32602,
        "inputResponses is required: {missing}"
    );

    // A protocol error fails the task with that error.
    let created = io
        .answer(modern(
            json!(15),
            "tools/call",
            json!({ "name": "broken" }),
            task_caps(),
        ))
        .await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let failed = io.until_status(&mut id, &task, "failed").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], -32603);
    assert_eq!(failed["error"]["message"], "the disk is on fire");

    // Questions before the task are the call's own (multi-round); then it is a task.
    let first = io
        .answer(modern(
            json!(16),
            "tools/call",
            json!({ "name": "welcome" }),
            task_caps(),
        ))
        .await;
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    assert!(first["result"].get("taskId").is_none());
    let state = state_of(&first);
    let retry = io
        .answer(modern(
            json!(17),
            "tools/call",
            json!({ "name": "welcome", "requestState": state,
                    "inputResponses": { "user_name": accept("Lin") } }),
            task_caps(),
        ))
        .await;
    assert_eq!(retry["result"]["resultType"], "task", "{retry}");
    assert!(retry["result"].get("requestState").is_none());
    let task = retry["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let done = io.until_status(&mut id, &task, "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Welcome, Lin!",
        "{done}"
    );
}

#[tokio::test]
async fn a_cancelled_task_stops_and_listeners_hear_of_it() {
    let mut io = Stdio::start(server("k"));
    let mut id = 100;
    let created = io
        .answer(modern(
            json!(1),
            "tools/call",
            json!({ "name": "endless" }),
            task_caps(),
        ))
        .await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();

    // Status notifications are the extension's: for declaring clients only.
    let refused = io
        .answer(modern(
            json!(2),
            "subscriptions/listen",
            json!({ "notifications": { "taskIds": [task.clone()] } }),
            json!({}),
        ))
        .await;
    assert_eq!(error_code(&refused), -32021, "{refused}");
    io.send(&modern(
        json!("tasks-sub"),
        "subscriptions/listen",
        json!({ "notifications": { "taskIds": [task.clone(), "unknown"] } }),
        task_caps(),
    ))
    .await;
    let ack = io.next().await;
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([task.clone()])
    );

    assert!(!ENDLESS_DROPPED.load(Ordering::SeqCst));
    let (before, ack) = io
        .call(modern(
            json!(3),
            "tasks/cancel",
            json!({ "taskId": task.clone() }),
            task_caps(),
        ))
        .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let heard = match before.first() {
        Some(heard) => heard.clone(),
        None => io.next().await,
    };
    assert_eq!(heard["method"], "notifications/tasks", "{heard}");
    assert_eq!(heard["params"]["taskId"], task.as_str());
    assert_eq!(heard["params"]["status"], "cancelled");
    assert_eq!(
        heard["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "tasks-sub"
    );
    let cancelled = io.until_status(&mut id, &task, "cancelled").await;
    assert_eq!(cancelled["status"], "cancelled");
    within("the handler to be dropped", async {
        while !ENDLESS_DROPPED.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_task_store_is_bounded_and_forgets_expired_tasks() {
    let server = Server::builder()
        .name("tasks-limits")
        .tool(crunch)
        .tool(two_names)
        .tool(endless)
        .tasks(mcp_runtime::TaskSettings {
            max_tasks: 1,
            ttl: Duration::from_millis(300),
            ..Default::default()
        })
        .build()
        .expect("the server builds");
    let mut io = Stdio::start(server);
    let created = io
        .answer(modern(
            json!(1),
            "tools/call",
            json!({ "name": "endless" }),
            task_caps(),
        ))
        .await;
    let task = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    assert_eq!(created["result"]["ttlMs"], 300);

    // Full: a tool that may answer directly does; one that must be a task is refused.
    let direct = io
        .answer(modern(
            json!(2),
            "tools/call",
            json!({ "name": "crunch", "arguments": { "ms": 5 } }),
            task_caps(),
        ))
        .await;
    assert_eq!(direct["result"]["resultType"], "complete", "{direct}");
    let refused = io
        .answer(modern(
            json!(3),
            "tools/call",
            json!({ "name": "two_names" }),
            task_caps(),
        ))
        .await;
    assert_eq!(error_code(&refused), -32603, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("maximum of 1 tasks"),
        "{refused}"
    );

    // Past its time to live the task is gone, and its room is free again.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let gone = io.task_request(4, "tasks/get", &task, json!({})).await;
    assert_eq!(error_code(&gone), -32602, "{gone}");
    assert!(
        gone["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{gone}"
    );
    let again = io
        .answer(modern(
            json!(5),
            "tools/call",
            json!({ "name": "crunch", "arguments": { "ms": 50 } }),
            task_caps(),
        ))
        .await;
    assert_eq!(again["result"]["resultType"], "task", "{again}");
}

#[tokio::test]
async fn tasks_over_http_are_named_by_their_id() {
    let running = http(server("k")).await;
    let addr = running.addr;
    let call = modern(
        json!(1),
        "tools/call",
        json!({ "name": "crunch", "arguments": { "ms": 100 } }),
        task_caps(),
    );
    let created = post(addr, &call, &[]).await.json().await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let task = created["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let get = modern(
        json!(2),
        "tasks/get",
        json!({ "taskId": task.clone() }),
        task_caps(),
    );

    // Mcp-Name carries the task id: required, and checked against the body.
    for (value, why) in [("", "missing"), ("another-task", "mismatched")] {
        let reply = post(addr, &get, &[("mcp-name", value)]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{why}");
        assert_eq!(error_code(&reply.json().await), -32020, "{why}");
    }
    let poll = async {
        loop {
            let got = post(addr, &get, &[("mcp-name", &task)]).await;
            assert_eq!(got.status, StatusCode::OK);
            let got = got.json().await;
            if got["result"]["status"] == "completed" {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    // The call goes on after its HTTP response ended.
    let done = within("the task to complete", poll).await;
    assert_eq!(
        done["result"]["result"]["content"][0]["text"], "crunched for 100 ms",
        "{done}"
    );
}

#[test]
fn the_task_shape_check_finds_what_is_wrong() {
    let good = json!({ "taskId": "t", "status": "completed", "createdAt": "2026-12-03T10:00:00.000Z",
                       "lastUpdatedAt": "2026-12-03T10:00:01.000Z", "ttlMs": 1000,
                       "pollIntervalMs": 100, "result": { "content": [] } });
    assert!(common::task_problems(&good, true).is_empty());
    let mut bad = good.clone();
    bad["ttl"] = json!(1000);
    bad.as_object_mut().expect("an object").remove("result");
    bad["createdAt"] = json!("yesterday");
    let problems = common::task_problems(&bad, true);
    assert_eq!(problems.len(), 3, "{problems:?}");
    // A handle carries no result.
    assert_eq!(common::task_problems(&good, false).len(), 1);
}
