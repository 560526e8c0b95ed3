//! Several instances of `examples/everything` sharing their state through a real Redis
//! (`--redis-url`): a session made on one instance is served by the others, a change
//! made on one (the log level) holds on all, a DELETE on one ends it everywhere, the
//! session limit counts every instance's sessions, and a Redis that goes away gets clear
//! 503s, never a hang, and is reconnected to when it is back. A stream lost on one
//! instance, or whose instance was killed, resumes on another (`Last-Event-ID`); a task
//! running on one is polled and cancelled through another, and fails when its instance
//! dies. Then three instances behind a real nginx, round robin, no stickiness: our
//! client, the Python SDK and the conformance suite just work, and survive an instance
//! killed mid-call.
//!
//! Needs `redis-server` (and `nginx` for the tests through a balancer) from Debian's packages; `.ci/run`
//! installs them. Without them the tests say so and pass, unless `MCP_REQUIRE_SERVICES`
//! is set (CI sets it), when they fail.

mod peers;

use mcp_runtime::Client;
use mcp_runtime::client::Era;
use mcp_runtime::protocol::{Content, CreateMessageResult, Role};
use peers::{Nginx, NotesHttp, free_port, service, wait_for_port};
use serde_json::{Value, json};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A throwaway `redis-server` on a free port, without persistence.
struct Redis {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Redis {
    fn start(binary: PathBuf) -> Redis {
        let mut redis = Redis {
            binary,
            port: free_port(),
            child: None,
        };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// (Re)starts it on the same port: empty, as a Redis without persistence comes back.
    fn restart(&mut self) {
        self.stop();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
        self.child = Some(child);
        wait_for_port(self.port, "redis-server");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An instance of `everything` keeping its sessions in `redis`, with `extra` flags.
fn instance(redis: &Redis, extra: &[&str]) -> NotesHttp {
    let mut flags = vec!["--redis-url", "REDIS"];
    flags.extend_from_slice(extra);
    let url = redis.url();
    let flags: Vec<&str> = flags
        .into_iter()
        .map(|f| if f == "REDIS" { url.as_str() } else { f })
        .collect();
    NotesHttp::start_command(Command::new(env!("CARGO_BIN_EXE_everything")), &flags)
}

/// One HTTP exchange, as raw HTTP/1.1 on a new connection.
struct Reply {
    status: u16,
    session: Option<String>,
    body: String,
}

impl Reply {
    /// The JSON-RPC messages of the body (one JSON document, or SSE `data:` lines).
    fn messages(&self) -> Vec<Value> {
        if let Ok(value) = serde_json::from_str::<Value>(&self.body) {
            return vec![value];
        }
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    }

    fn result(&self) -> Value {
        self.messages()
            .into_iter()
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
            .unwrap_or_else(|| panic!("no response in HTTP {}: {}", self.status, self.body))
    }
}

fn exchange(authority: &str, method: &str, session: Option<&str>, body: Option<&Value>) -> Reply {
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("connecting to {authority}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("{e}"));
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(session) = session {
        head.push_str(&format!("Mcp-Session-Id: {session}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .unwrap_or_else(|e| panic!("sending to {authority}: {e}"));
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let session = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("mcp-session-id")
            .then(|| value.trim().to_owned())
    });
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Reply {
        status,
        session,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn post(authority: &str, session: Option<&str>, body: &Value) -> Reply {
    exchange(authority, "POST", session, Some(body))
}

fn initialize(authority: &str) -> Reply {
    post(
        authority,
        None,
        &json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "redis-test", "version": "1" },
        }}),
    )
}

fn call(authority: &str, session: &str, id: i64, tool: &str) -> Reply {
    post(
        authority,
        Some(session),
        &json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call",
                 "params": { "name": tool, "arguments": {} } }),
    )
}

/// Starts a session on `authority` and sends `notifications/initialized` to `then`.
fn session(authority: &str, then: &str) -> String {
    let reply = initialize(authority);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply
        .session
        .unwrap_or_else(|| panic!("no Mcp-Session-Id: {}", reply.body));
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    let reply = post(then, Some(&id), &initialized);
    assert_eq!(reply.status, 202, "{}", reply.body);
    id
}

fn logs(reply: &Reply) -> usize {
    reply
        .messages()
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .count()
}

#[test]
fn a_session_made_on_one_instance_is_served_by_the_others() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let servers: Vec<NotesHttp> = (0..3).map(|_| instance(&redis, &[])).collect();
    let [a, b, c] = [0, 1, 2].map(|i| servers[i].authority());

    let id = session(&a, &b);
    let reply = call(&c, &id, 1, "test_simple_text");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.result()["result"]["content"].is_array(),
        "{}",
        reply.body
    );

    // The default level lets the tool's info logs through, on any instance.
    let reply = call(&b, &id, 2, "test_tool_with_logging");
    assert_eq!(logs(&reply), 3, "{}", reply.body);
    // A level set on one instance holds on the others.
    let set = post(
        &a,
        Some(&id),
        &json!({ "jsonrpc": "2.0", "id": 3, "method": "logging/setLevel",
                 "params": { "level": "error" } }),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    for (n, server) in [&b, &c].into_iter().enumerate() {
        let reply = call(server, &id, 4 + n as i64, "test_tool_with_logging");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            logs(&reply),
            0,
            "the level set on A reaches {server}: {}",
            reply.body
        );
    }

    // A DELETE on one instance ends the session on all of them, and closes the stream
    // another one holds for it.
    let mut stream = Open::request(&a, "GET", Some(&id), "2025-11-25", None);
    stream.wait_for("200 OK", Duration::from_secs(10));
    let deleted = exchange(&c, "DELETE", Some(&id), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    stream.wait_for_end(Duration::from_secs(10));
    for server in [&a, &b, &c] {
        let reply = call(server, &id, 10, "test_simple_text");
        assert_eq!(
            reply.status, 404,
            "{server} still serves a deleted session: {}",
            reply.body
        );
    }
}

#[test]
fn the_session_limit_counts_every_instance() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let servers: Vec<NotesHttp> = (0..2)
        .map(|_| instance(&redis, &["--max-sessions", "2"]))
        .collect();
    let [a, b] = [0, 1].map(|i| servers[i].authority());
    assert_eq!(initialize(&a).status, 200);
    assert_eq!(initialize(&b).status, 200);
    let third = initialize(&a);
    assert_eq!(third.status, 503, "{}", third.body);
}

#[test]
fn redis_going_away_gets_clear_errors_and_is_reconnected_to() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let mut redis = Redis::start(binary);
    let server = instance(&redis, &[]);
    let a = server.authority();
    let id = session(&a, &a);
    assert_eq!(call(&a, &id, 1, "test_simple_text").status, 200);

    redis.stop();
    let started = Instant::now();
    let reply = call(&a, &id, 2, "test_simple_text");
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(reply.body.contains("session store"), "{}", reply.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no hang: {:?}",
        started.elapsed()
    );
    let refused = initialize(&a);
    assert_eq!(refused.status, 503, "{}", refused.body);

    // Back, empty (no persistence): the old session is gone, new ones work.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let reply = loop {
        let reply = initialize(&a);
        if reply.status == 200 || Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(reply.status, 200, "not reconnected: {}", reply.body);
    assert_eq!(call(&a, &id, 3, "test_simple_text").status, 404);
    assert!(
        server.log().contains("Redis"),
        "a log line says what is wrong:\n{}",
        server.log()
    );
}

/// Three instances sharing `redis` (and a request-state key) behind a real nginx, round
/// robin, no stickiness.
struct Cluster {
    servers: Vec<NotesHttp>,
    nginx: Nginx,
}

impl Cluster {
    fn start(redis: &Redis, nginx: &std::path::Path) -> Cluster {
        let servers: Vec<NotesHttp> = (0..3)
            .map(|_| {
                let mut command = Command::new(env!("CARGO_BIN_EXE_everything"));
                command.env("MCP_REQUEST_STATE_KEY", "a-key-every-instance-shares");
                NotesHttp::start_command(command, &["--redis-url", &redis.url()])
            })
            .collect();
        let upstreams: Vec<String> = servers.iter().map(NotesHttp::authority).collect();
        let nginx = Nginx::start(nginx, &upstreams);
        Cluster { servers, nginx }
    }

    fn url(&self) -> &str {
        &self.nginx.url
    }
}

/// Three instances behind a real nginx, round robin, no stickiness, sessions in Redis:
/// our client's sessions work whichever instance each request reaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_work_through_a_round_robin_balancer() {
    let (Some(redis_server), Some(nginx)) = (service("redis-server"), service("nginx")) else {
        return;
    };
    let redis = Redis::start(redis_server);
    let cluster = Cluster::start(&redis, &nginx);
    let url = cluster.url().to_owned();
    let clients = 200;
    let calls = 20;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let url = url.clone();
        tasks.spawn(async move {
            let client = Client::builder()
                .era(Era::Legacy)
                .on_sampling(|_| async {
                    Ok(CreateMessageResult {
                        role: Role::Assistant,
                        content: Content::text("Paris."),
                        model: "test-model".into(),
                        stop_reason: Some("endTurn".into()),
                        meta: None,
                    })
                })
                .http(&url)
                .await?;
            let mut answered = 0;
            for n in 0..calls {
                // Every other call asks the client mid-call: its answer reaches whichever
                // instance nginx picks, and must find the call waiting on another.
                let (tool, arguments, expected) = if n % 2 == 0 {
                    (
                        "test_simple_text",
                        json!({}),
                        "This is a simple text response for testing.",
                    )
                } else {
                    (
                        "test_sampling",
                        json!({ "prompt": "Capital of France?" }),
                        "LLM response: Paris.",
                    )
                };
                let result = client.call_tool(tool, arguments).await?;
                if !result.is_error() && result.text() == expected {
                    answered += 1;
                } else {
                    eprintln!("{tool}: {}", result.text());
                }
            }
            client.close().await?;
            Ok::<usize, mcp_runtime::Error>(answered)
        });
    }
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        answered += done
            .unwrap_or_else(|e| panic!("a client task failed: {e}"))
            .unwrap_or_else(|e| panic!("a client failed: {e}"));
    }
    assert_eq!(answered, clients * calls);
}

/// One raw request (`head` without its blank line) on a new connection: the status and
/// the whole response.
fn raw(authority: &str, head: &str, body: &str) -> (u16, String) {
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("connecting to {authority}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("{e}"));
    let request = format!(
        "{head}Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("sending to {authority}: {e}"));
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The transport rules of tests/http.rs that concern sessions, through nginx in front of
/// three instances (round robin, no stickiness): each request may reach any of them.
#[test]
fn the_session_rules_of_the_transport_hold_through_the_balancer() {
    let (Some(redis), Some(nginx)) = (service("redis-server"), service("nginx")) else {
        return;
    };
    let redis = Redis::start(redis);
    let cluster = Cluster::start(&redis, &nginx);
    let lb = cluster
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();

    // initialize: JSON, and a session id of visible ASCII.
    let reply = initialize(&lb);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply
        .session
        .clone()
        .unwrap_or_else(|| panic!("no session id"));
    assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id}");
    // A notification, and a response, are accepted with an empty 202.
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    let accepted = post(&lb, Some(&id), &initialized);
    assert_eq!((accepted.status, accepted.body.as_str()), (202, ""));
    let response = json!({ "jsonrpc": "2.0", "id": "nobody-asked", "result": {} });
    assert_eq!(post(&lb, Some(&id), &response).status, 202);
    // Requests of the session work on every instance (nginx's log names each).
    let before = cluster.nginx.upstreams().len();
    for n in 0..6 {
        let reply = call(&lb, &id, 100 + n, "test_simple_text");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            reply.result()["result"]["content"].is_array(),
            "{}",
            reply.body
        );
    }
    let upstreams = cluster.nginx.upstreams();
    let served: std::collections::HashSet<&String> = upstreams[before..].iter().collect();
    assert_eq!(
        served.len(),
        3,
        "round robin reaches every instance: {served:?}"
    );

    // Without a session id: 400; an unknown one: 404.
    let simple = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                         "params": { "name": "test_simple_text", "arguments": {} } });
    assert_eq!(post(&lb, None, &simple).status, 400);
    assert_eq!(
        call(&lb, "no-such-session", 1, "test_simple_text").status,
        404
    );
    // An unsupported protocol version: 400.
    let head = format!(
        "POST /mcp HTTP/1.1\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 1999-01-01\r\nMcp-Session-Id: {id}\r\n"
    );
    let ping = json!({ "jsonrpc": "2.0", "id": 9, "method": "ping" }).to_string();
    assert_eq!(raw(&lb, &head, &ping).0, 400);
    // A GET must accept SSE (406), needs a session (400), and a well-formed
    // Last-Event-ID (400) into a stream that exists (404).
    let get = |extra: &str, session: Option<&str>| {
        let mut head = format!("GET /mcp HTTP/1.1\r\nMCP-Protocol-Version: 2025-11-25\r\n{extra}");
        if let Some(session) = session {
            head.push_str(&format!("Mcp-Session-Id: {session}\r\n"));
        }
        raw(&lb, &head, "").0
    };
    assert_eq!(get("Accept: application/json\r\n", Some(&id)), 406);
    assert_eq!(get("Accept: text/event-stream\r\n", None), 400);
    assert_eq!(
        get(
            "Accept: text/event-stream\r\nLast-Event-ID: nonsense\r\n",
            Some(&id)
        ),
        400
    );
    assert_eq!(
        get(
            "Accept: text/event-stream\r\nLast-Event-ID: 12345-1\r\n",
            Some(&id)
        ),
        404
    );

    // The session's GET stream is read on one connection at a time, whichever instances
    // the two GETs reach: the first lets go (or the second is refused), and a list
    // change reaches the client once.
    let mut first = Open::request(&lb, "GET", Some(&id), "2025-11-25", None);
    first.wait_for("200 OK", Duration::from_secs(10));
    let mut second = Open::request(&lb, "GET", Some(&id), "2025-11-25", None);
    second.wait_for("HTTP/1.1 ", Duration::from_secs(10));
    if second.seen.contains("200 OK") {
        first.wait_for_end(Duration::from_secs(10));
    } else {
        assert!(second.seen.contains("409"), "{}", second.seen);
    }
    let changed = call(&lb, &id, 200, "test_trigger_tool_change");
    assert_eq!(changed.status, 200, "{}", changed.body);
    let reader = if second.seen.contains("200 OK") {
        &mut second
    } else {
        &mut first
    };
    reader.wait_for("notifications/tools/list_changed", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    first.read_what_arrived();
    let told = |seen: &str| seen.matches("notifications/tools/list_changed").count();
    assert_eq!(
        told(&first.seen) + told(&second.seen),
        1,
        "one stream carries the message:\n--- first\n{}\n--- second\n{}",
        first.seen,
        second.seen
    );

    // DELETE ends it everywhere.
    let deleted = exchange(&lb, "DELETE", Some(&id), None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    for n in 0..3 {
        assert_eq!(call(&lb, &id, 300 + n, "test_simple_text").status, 404);
    }
}

/// An open response stream (SSE), read as it arrives.
struct Open {
    stream: TcpStream,
    seen: String,
}

impl Open {
    fn request(
        authority: &str,
        method: &str,
        session: Option<&str>,
        version: &str,
        body: Option<&Value>,
    ) -> Open {
        Open::with_headers(authority, method, session, version, body, "")
    }

    /// A GET that resumes a stream of `session` after the event `last`.
    fn resume(authority: &str, session: &str, last: &str) -> Open {
        let header = format!("Last-Event-ID: {last}\r\n");
        Open::with_headers(authority, "GET", Some(session), "2025-11-25", None, &header)
    }

    fn with_headers(
        authority: &str,
        method: &str,
        session: Option<&str>,
        version: &str,
        body: Option<&Value>,
        extra: &str,
    ) -> Open {
        let mut stream = TcpStream::connect(authority)
            .unwrap_or_else(|e| panic!("connecting to {authority}: {e}"));
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut head = format!(
            "{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nMCP-Protocol-Version: {version}\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(session) = session {
            head.push_str(&format!("Mcp-Session-Id: {session}\r\n"));
        }
        if version == "2026-07-28" {
            head.push_str("Mcp-Method: subscriptions/listen\r\n");
        }
        head.push_str(extra);
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body.as_bytes()))
            .unwrap_or_else(|e| panic!("sending to {authority}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap_or_else(|e| panic!("{e}"));
        Open {
            stream,
            seen: String::new(),
        }
    }

    /// Reads until the server ends the stream (the last chunk of its body, or the end of
    /// the connection); panics after `within`.
    fn wait_for_end(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        let mut buf = [0u8; 4096];
        while !self.seen.ends_with("\r\n0\r\n\r\n") {
            assert!(
                Instant::now() < deadline,
                "the stream is still open after {within:?}:\n{}",
                self.seen
            );
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
    }

    /// Reads what has arrived by now (until 100 ms pass without more, or the end).
    fn read_what_arrived(&mut self) {
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }

    /// Reads until what arrived holds `needle` `times` times; panics after `within`.
    fn wait_for_count(&mut self, needle: &str, times: usize, within: Duration) {
        let deadline = Instant::now() + within;
        let mut buf = [0u8; 4096];
        while self.seen.matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "not {times} {needle:?} within {within:?}; the stream carried:\n{}",
                self.seen
            );
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("the stream ended before {needle:?}:\n{}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(_) => {}
            }
        }
    }

    /// Reads until what arrived holds `needle`; panics after `within`.
    fn wait_for(&mut self, needle: &str, within: Duration) {
        self.wait_for_count(needle, 1, within);
    }
}

/// The id of the last SSE event in `seen`.
fn last_event_id(seen: &str) -> String {
    seen.lines()
        .rev()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap_or_else(|| panic!("no event id in:\n{seen}"))
        .trim()
        .to_owned()
}

/// The steps of `ticker`'s progress notifications in `seen`, in order.
fn steps(seen: &str) -> Vec<u32> {
    seen.split("\"step ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

fn ticker(id: i64, steps: u32, interval_ms: u64) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "ticker",
        "arguments": { "steps": steps, "interval_ms": interval_ms },
        "_meta": { "progressToken": "tick" },
    }})
}

/// A client that loses the SSE stream of its call on A resumes it on B (`Last-Event-ID`):
/// B sends what A kept in Redis since the last event the client saw, then what A goes
/// on sending, then the response. Nothing is missing, nothing comes twice.
#[test]
fn a_request_stream_lost_on_one_instance_resumes_on_another() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let servers: Vec<NotesHttp> = (0..2).map(|_| instance(&redis, &[])).collect();
    let [a, b] = [0, 1].map(|i| servers[i].authority());
    let id = session(&a, &a);
    let mut first = Open::request(
        &a,
        "POST",
        Some(&id),
        "2025-11-25",
        Some(&ticker(7, 12, 100)),
    );
    first.wait_for("step 3 of 12", Duration::from_secs(10));
    let last = last_event_id(&first.seen);
    let before = steps(&first.seen);
    drop(first);

    let mut resumed = Open::resume(&b, &id, &last);
    resumed.wait_for_end(Duration::from_secs(20));
    assert!(resumed.seen.contains("ticked 12 times"), "{}", resumed.seen);
    let all: Vec<u32> = before.into_iter().chain(steps(&resumed.seen)).collect();
    assert_eq!(all, (1..=12).collect::<Vec<_>>(), "{}", resumed.seen);
}

/// The session's GET stream on A: A dies (SIGKILL) with a list change the client has not
/// read yet, and another is raised after A died, before the client is back. The client
/// resumes on B, which never served the session: it gets the first from A's log, the
/// second from the store's numbered events, in order, and not the one it had seen; then
/// B's own. Every change is made through C.
#[test]
fn a_get_stream_whose_instance_was_killed_resumes_on_another() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let mut servers: Vec<NotesHttp> = (0..3).map(|_| instance(&redis, &[])).collect();
    let [a, b, c] = [0, 1, 2].map(|i| servers[i].authority());
    let id = session(&a, &a);
    let mut stream = Open::request(&a, "GET", Some(&id), "2025-11-25", None);
    stream.wait_for("200 OK", Duration::from_secs(10));
    let trigger = |n: i64, tool: &str| {
        let changed = call(&c, &id, n, tool);
        assert_eq!(changed.status, 200, "{}", changed.body);
    };
    trigger(1, "test_trigger_tool_change");
    stream.wait_for("notifications/tools/list_changed", Duration::from_secs(10));
    let last = last_event_id(&stream.seen);
    drop(stream);
    // Raised while the client is away: A keeps it for the client.
    trigger(2, "test_trigger_prompt_change");
    std::thread::sleep(Duration::from_millis(500));
    servers[0].kill();
    // Raised after A died: nobody holds the stream, and B has no copy of the session.
    trigger(3, "test_trigger_tool_change");
    std::thread::sleep(Duration::from_millis(300));

    let mut resumed = Open::resume(&b, &id, &last);
    resumed.wait_for("notifications/tools/list_changed", Duration::from_secs(10));
    let prompts = resumed.seen.find("notifications/prompts/list_changed");
    let tools = resumed.seen.find("notifications/tools/list_changed");
    assert!(
        prompts.is_some() && prompts < tools,
        "the kept change first, then the one raised after A died:\n{}",
        resumed.seen
    );
    std::thread::sleep(Duration::from_millis(500));
    resumed.read_what_arrived();
    let count = |what: &str| resumed.seen.matches(what).count();
    assert_eq!(
        (
            count("notifications/prompts/list_changed"),
            count("notifications/tools/list_changed")
        ),
        (1, 1),
        "each once, and not the one the client had seen:\n{}",
        resumed.seen
    );
    trigger(4, "test_trigger_prompt_change");
    resumed.wait_for_count(
        "notifications/prompts/list_changed",
        2,
        Duration::from_secs(10),
    );
}

/// Three instances behind nginx; the one running a long call is killed (SIGKILL) mid-call.
/// Our client resumes the call's stream through the balancer on another instance: it gets
/// every progress notification the dead one kept, in order, none twice, and then an
/// error that says the instance stopped (never a hang). The session goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_call_is_survived_through_the_balancer() {
    let (Some(redis), Some(nginx)) = (service("redis-server"), service("nginx")) else {
        return;
    };
    let redis = Redis::start(redis);
    let mut cluster = Cluster::start(&redis, &nginx);
    let client = Client::builder()
        .era(Era::Legacy)
        .http(cluster.url())
        .await
        .unwrap_or_else(|e| panic!("connecting through nginx: {e}"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u32, u32)>::new()));
    let progress = {
        let seen = seen.clone();
        move |_: f64, _: Option<f64>, message: Option<String>| {
            // "step N of M (pid P)"
            let message = message.unwrap_or_default();
            let words: Vec<&str> = message.split_whitespace().collect();
            let step = words.get(1).and_then(|w| w.parse().ok());
            let pid = words
                .get(5)
                .and_then(|w| w.trim_end_matches(')').parse().ok());
            if let (Some(step), Some(pid)) = (step, pid) {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((step, pid));
            }
        }
    };
    let call = client.call_tool_with_progress(
        "ticker",
        json!({ "steps": 40, "interval_ms": 100 }),
        progress,
    );
    let kill = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let first = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if first.len() >= 3 {
                let pid = first[0].1;
                let server = cluster
                    .servers
                    .iter_mut()
                    .find(|s| s.pid() == pid)
                    .unwrap_or_else(|| panic!("no instance has pid {pid}"));
                server.kill();
                return;
            }
            assert!(Instant::now() < deadline, "no progress within 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (outcome, ()) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(call, kill) })
            .await
            .unwrap_or_else(|_| panic!("the call hangs after its instance was killed"));
    let error = match outcome {
        Ok(result) => panic!("the call of a killed instance answered: {result:?}"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("stopped before it answered"), "{error}");
    let steps: Vec<u32> = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(step, _)| *step)
        .collect();
    assert!(steps.len() >= 3 && steps.len() < 40, "{steps:?}");
    assert_eq!(steps, (1..=steps.len() as u32).collect::<Vec<_>>());

    let after = client
        .call_tool("test_simple_text", json!({}))
        .await
        .unwrap_or_else(|e| panic!("the session no longer works: {e}"));
    assert!(!after.is_error(), "{after:?}");
}

/// A 2026-07-28 client of the tasks extension, connected to one instance.
async fn task_client(url: &str) -> Client {
    Client::builder()
        .era(Era::Modern)
        .capabilities(json!({
            "elicitation": {},
            "extensions": { "io.modelcontextprotocol/tasks": {} },
        }))
        .http(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

async fn task_status(client: &Client, id: &Value) -> Value {
    client
        .request("tasks/get", json!({ "taskId": id }))
        .await
        .unwrap_or_else(|e| panic!("tasks/get: {e}"))
}

/// A task runs on A: B answers `tasks/get` for it, and a `tasks/cancel` sent to B stops it
/// on A. Another asks two questions, answered through B one at a time. A last task's
/// instance is killed: B reports that task failed, and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_seen_and_cancelled_through_another_instance_and_fail_with_theirs() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let mut servers: Vec<NotesHttp> = (0..2).map(|_| instance(&redis, &[])).collect();
    let (on_a, on_b) = (
        task_client(servers[0].url()).await,
        task_client(servers[1].url()).await,
    );
    let slow = json!({ "name": "slow_compute", "arguments": { "seconds": 60 } });
    let first = on_a
        .request("tools/call", slow.clone())
        .await
        .unwrap_or_else(|e| panic!("tools/call: {e}"));
    assert_eq!(first["resultType"], "task", "{first}");
    let id = &first["taskId"];
    assert_eq!(task_status(&on_b, id).await["status"], "working");
    on_b.request("tasks/cancel", json!({ "taskId": id }))
        .await
        .unwrap_or_else(|e| panic!("tasks/cancel through B: {e}"));
    // Applied on A before B answered: both see it at once.
    assert_eq!(task_status(&on_a, id).await["status"], "cancelled");
    assert_eq!(task_status(&on_b, id).await["status"], "cancelled");

    // Questions of a task on A, answered one at a time through B: after each answer,
    // B shows the questions still open, at once.
    let asking = on_a
        .request(
            "tools/call",
            json!({ "name": "multi_input", "arguments": {} }),
        )
        .await
        .unwrap_or_else(|e| panic!("tools/call multi_input: {e}"));
    let id = &asking["taskId"];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let view = task_status(&on_b, id).await;
        let asked = view["inputRequests"].as_object().map_or(0, |m| m.len());
        if view["status"] == "input_required" && asked == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no two questions: {view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = |name: &str| json!({ "action": "accept", "content": { "name": name } });
    on_b.request(
        "tasks/update",
        json!({ "taskId": id, "inputResponses": { "first": answer("Ada") } }),
    )
    .await
    .unwrap_or_else(|e| panic!("tasks/update through B: {e}"));
    let view = task_status(&on_b, id).await;
    assert_eq!(view["status"], "input_required", "{view}");
    let open: Vec<&String> = view["inputRequests"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(open, ["second"], "{view}");
    on_b.request(
        "tasks/update",
        json!({ "taskId": id, "inputResponses": { "second": answer("Grace") } }),
    )
    .await
    .unwrap_or_else(|e| panic!("tasks/update through B: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let done = loop {
        let view = task_status(&on_b, id).await;
        if view["status"] == "completed" {
            break view;
        }
        assert!(Instant::now() < deadline, "not completed: {view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(done.to_string().contains("Got Ada and Grace"), "{done}");

    let second = on_a
        .request("tools/call", slow)
        .await
        .unwrap_or_else(|e| panic!("tools/call: {e}"));
    let id = &second["taskId"];
    assert_eq!(task_status(&on_b, id).await["status"], "working");
    servers[0].kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let view = task_status(&on_b, id).await;
        if view["status"] != "working" {
            break view;
        }
        assert!(
            Instant::now() < deadline,
            "still working 10 s after its instance died"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["statusMessage"].as_str().unwrap_or_default();
    assert!(message.contains("stopped before it finished"), "{failed}");
}

/// A list change raised on one instance reaches a 2026-07-28 listener on another.
#[test]
fn a_list_change_on_one_instance_reaches_a_listener_on_another() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let servers: Vec<NotesHttp> = (0..2).map(|_| instance(&redis, &[])).collect();
    let [a, b] = [0, 1].map(|i| servers[i].authority());
    let listen = json!({ "jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {
        "notifications": { "toolsListChanged": true },
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        },
    }});
    let mut stream = Open::request(&b, "POST", None, "2026-07-28", Some(&listen));
    stream.wait_for(
        "notifications/subscriptions/acknowledged",
        Duration::from_secs(10),
    );

    let id = session(&a, &a);
    let changed = call(&a, &id, 1, "test_trigger_tool_change");
    assert_eq!(changed.status, 200, "{}", changed.body);
    stream.wait_for("notifications/tools/list_changed", Duration::from_secs(10));
}

/// A session subscribed through one instance, whose GET stream is on another, hears the
/// resource's updates there (`everything` raises one every 3 s).
#[test]
fn a_resource_update_reaches_the_session_stream_on_another_instance() {
    let Some(binary) = service("redis-server") else {
        return;
    };
    let redis = Redis::start(binary);
    let servers: Vec<NotesHttp> = (0..3).map(|_| instance(&redis, &[])).collect();
    let [a, b, c] = [0, 1, 2].map(|i| servers[i].authority());
    let id = session(&a, &a);
    // The stream first, on B: B's copy of the session does not know the subscription yet.
    let mut stream = Open::request(&b, "GET", Some(&id), "2025-11-25", None);
    stream.wait_for("200 OK", Duration::from_secs(10));
    let subscribed = post(
        &c,
        Some(&id),
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "resources/subscribe",
                 "params": { "uri": "test://watched-resource" } }),
    );
    assert_eq!(subscribed.status, 200, "{}", subscribed.body);
    stream.wait_for("notifications/resources/updated", Duration::from_secs(10));
    assert!(
        stream.seen.contains("test://watched-resource"),
        "{}",
        stream.seen
    );
}

/// The official Python SDK (mcp 2.3) through the balanced cluster, in legacy mode (its
/// session, with mid-call sampling and elicitation answered through any instance) and in
/// auto mode (2026-07-28, multi-round retries on any instance).
#[test]
fn the_python_sdk_works_through_the_balanced_cluster() {
    let Some([python]) = peers::peer_paths(["MCP_PYTHON"]) else {
        return;
    };
    let (Some(redis_server), Some(nginx)) = (service("redis-server"), service("nginx")) else {
        return;
    };
    let redis = Redis::start(redis_server);
    let cluster = Cluster::start(&redis, &nginx);
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/everything_client.py");
    for mode in ["legacy", "auto"] {
        let output = peers::run_peer(
            Command::new(&python)
                .arg(&script)
                .args(["streamable-http", cluster.url(), mode]),
            Duration::from_secs(120),
        );
        output.assert_success(None);
    }
}

/// The conformance suite (0.2.0-alpha.12) through the balanced cluster, every scenario of
/// 2025-11-25 (sessions, mid-call sampling and elicitation, resumption) and of 2026-07-28
/// (the tasks extension aside: tasks live on the instance that runs them): not one check
/// fails.
#[test]
fn the_conformance_suite_passes_through_the_balanced_cluster() {
    let Some([node, node_modules]) = peers::peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let (Some(redis_server), Some(nginx)) = (service("redis-server"), service("nginx")) else {
        return;
    };
    let redis = Redis::start(redis_server);
    let cluster = Cluster::start(&redis, &nginx);
    let suite = node_modules.join("conformance-next/dist/index.js");
    // Every scenario of each revision, then what the suite scores as 2026-07-28
    // conformance with the tasks extension's scenarios (a task made on one instance is
    // polled, answered and cancelled through the others).
    let runs: [(&str, &[&str]); 3] = [
        (
            "2025-11-25",
            &["--spec-version", "2025-11-25", "--suite", "all"],
        ),
        (
            "2026-07-28",
            &["--spec-version", "2026-07-28", "--suite", "all"],
        ),
        ("requirements-2026-07-28", &["--requirements", "2026-07-28"]),
    ];
    for (version, args) in runs {
        let results = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("conformance-cluster-{version}"));
        let _ = std::fs::remove_dir_all(&results);
        std::fs::create_dir_all(&results).unwrap_or_else(|e| panic!("{e}"));
        let output = peers::run_peer(
            Command::new(&node)
                .arg(&suite)
                .args(["server", "--url", cluster.url()])
                .args(args)
                .arg("--output-dir")
                .arg(&results)
                .current_dir(&results),
            Duration::from_secs(600),
        );
        let stdout = peers::strip_ansi(&output.stdout);
        let summary = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("Total:"))
            .unwrap_or("no summary");
        println!("conformance {version} through the cluster: {summary}");
        assert!(
            output.success() && summary.contains(" 0 failed"),
            "the conformance suite ({version}) failed through the cluster: {summary}\n{stdout}"
        );
    }
}

/// A Redis that cannot be reached at startup: the server does not start, and says why.
#[test]
fn an_unreachable_redis_at_startup_stops_the_server_with_the_reason() {
    let port = free_port();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_everything"))
        .args(["--transport", "streamable-http", "--port", "0"])
        .args(["--redis-url", &format!("redis://127.0.0.1:{port}/0")])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run everything: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "it served without its session store:\n{stderr}"
    );
    assert!(
        stderr.contains("session store") && stderr.contains(&format!("127.0.0.1:{port}")),
        "the error says what is wrong:\n{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
