//! The load generator: keep-alive HTTP/1.1 connections, each sending `tools/call` after
//! `tools/call` and checking every answer.

use crate::BoxError;
use crate::child::cpu_time;
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST};
use http::{HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const PROTOCOL_VERSION: &str = "2025-11-25";
const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-bench","version":"0.1.0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
/// The same call in MCP 2026-07-28: no session, the client's facts in `_meta`, the
/// headers that mirror the body.
const MODERN_CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"mcp-bench","version":"0.1.0"}}}}"#;

/// The first round of a two-round 2026-07-28 call: `roots` asks for the client's roots.
const ROOTS_CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"roots","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"roots":{}},"io.modelcontextprotocol/clientInfo":{"name":"mcp-bench","version":"0.1.0"}}}}"#;

/// How a connection talks to its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No session: calls straight away.
    Stateless,
    /// `initialize` + `notifications/initialized` once, then calls with `Mcp-Session-Id`.
    Session,
    /// MCP 2026-07-28: every call carries its facts in `_meta`; no session.
    Modern,
    /// The bare server: calls straight away.
    Bare,
    /// MCP 2026-07-28, a call in two rounds: `input_required`, then the retry with the
    /// answer and the `requestState` (one "call" is both).
    Retry,
}

/// The body every call must be answered with.
pub type Expected = Bytes;

/// One server under load.
pub struct Target {
    pub addr: SocketAddr,
    pub mode: Mode,
    pub expected: Expected,
    /// The server processes (several behind a balancer): their CPU is summed.
    pub server_pids: Vec<u32>,
    /// `Authorization` of every request, for a server that checks tokens.
    pub bearer: Option<HeaderValue>,
}

/// What one scenario measured.
pub struct Outcome {
    /// Calls started in the measured window and answered correctly.
    pub calls: u64,
    /// Wrong status, wrong body or failed exchange, warm-up included.
    pub errors: u64,
    /// The first error, for the report.
    pub first_error: Option<String>,
    /// From the end of warm-up to the last answer.
    pub elapsed: Duration,
    /// Latency of each measured call, in nanoseconds.
    pub latencies: Vec<u64>,
    /// CPU the server process used in the measured window.
    pub server_cpu: Duration,
    /// CPU the load generator used in the measured window.
    pub client_cpu: Duration,
}

/// One keep-alive connection to the MCP endpoint.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    session: Option<HeaderValue>,
    modern: bool,
    retry: bool,
    bearer: Option<HeaderValue>,
}

/// The status, session id and body of one answer.
pub struct Answer {
    pub status: StatusCode,
    pub session: Option<HeaderValue>,
    pub body: Bytes,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Result<Client, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Client {
            sender,
            host: HeaderValue::from_str(&addr.to_string())?,
            session: None,
            modern: false,
            retry: false,
            bearer: None,
        })
    }

    /// POSTs `body` to `/mcp` with the headers a Streamable HTTP client sends.
    pub async fn post(&mut self, body: &'static str) -> Result<Answer, BoxError> {
        self.post_body(Bytes::from_static(body.as_bytes())).await
    }

    async fn post_body(&mut self, body: Bytes) -> Result<Answer, BoxError> {
        let builder = Request::post("/mcp")
            .header(HOST, self.host.clone())
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json");
        let builder = if self.retry {
            builder
                .header("mcp-protocol-version", "2026-07-28")
                .header("mcp-method", "tools/call")
                .header("mcp-name", "roots")
        } else if self.modern {
            builder
                .header("mcp-protocol-version", "2026-07-28")
                .header("mcp-method", "tools/call")
                .header("mcp-name", "add")
        } else {
            builder.header("mcp-protocol-version", PROTOCOL_VERSION)
        };
        let mut req = builder.body(Full::new(body))?;
        if let Some(id) = &self.session {
            req.headers_mut().insert("mcp-session-id", id.clone());
        }
        if let Some(bearer) = &self.bearer {
            req.headers_mut()
                .insert(http::header::AUTHORIZATION, bearer.clone());
        }
        self.sender.ready().await?;
        let resp = self.sender.send_request(req).await?;
        let status = resp.status();
        let session = resp.headers().get("mcp-session-id").cloned();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            session,
            body,
        })
    }

    /// Starts a session on this connection (a new one each time it is called).
    pub async fn initialize(&mut self) -> Result<(), BoxError> {
        self.session = None;
        let answer = self.post(INITIALIZE).await?;
        if answer.status != StatusCode::OK || answer.session.is_none() {
            return Err(format!(
                "initialize: {} {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            )
            .into());
        }
        self.session = answer.session;
        let answer = self.post(INITIALIZED).await?;
        if answer.status != StatusCode::ACCEPTED {
            return Err(format!("notifications/initialized: {}", answer.status).into());
        }
        Ok(())
    }

    /// One `tools/call` of `add(2, 3)` (or, in `Retry` mode, both rounds of `roots`).
    pub async fn call(&mut self) -> Result<Answer, BoxError> {
        if self.retry {
            return self.call_twice().await;
        }
        self.post_body(Bytes::from_static(
            if self.modern { MODERN_CALL } else { CALL }.as_bytes(),
        ))
        .await
    }

    /// The two rounds of `roots`: the first must ask for the roots; the retry carries
    /// them and the state, and its answer is the call's.
    async fn call_twice(&mut self) -> Result<Answer, BoxError> {
        let first = self
            .post_body(Bytes::from_static(ROOTS_CALL.as_bytes()))
            .await?;
        let json: serde_json::Value = serde_json::from_slice(&first.body)?;
        let result = &json["result"];
        let state = result["requestState"].as_str();
        if first.status != StatusCode::OK || result["resultType"] != "input_required" {
            return Err(format!("round 1: {} {json}", first.status).into());
        }
        let mut retry: serde_json::Value = serde_json::from_str(ROOTS_CALL)?;
        retry["params"]["requestState"] = serde_json::json!(state);
        retry["params"]["inputResponses"] =
            serde_json::json!({ "roots": { "roots": [{ "uri": "file:///bench" }] } });
        self.post_body(Bytes::from(serde_json::to_vec(&retry)?))
            .await
    }

    pub async fn open(
        addr: SocketAddr,
        mode: Mode,
        bearer: Option<&HeaderValue>,
    ) -> Result<Client, BoxError> {
        let mut client = Client::connect(addr).await?;
        client.modern = mode == Mode::Modern;
        client.retry = mode == Mode::Retry;
        client.bearer = bearer.cloned();
        if mode == Mode::Session {
            client.initialize().await?;
        }
        Ok(client)
    }
}

/// Calls `add(2, 3)` once and returns the answer's body, after checking it says 5.
pub async fn probe(addr: SocketAddr, mode: Mode) -> Result<Bytes, BoxError> {
    probe_with(addr, mode, None).await
}

/// [`probe`] with a bearer token.
pub async fn probe_with(
    addr: SocketAddr,
    mode: Mode,
    bearer: Option<&HeaderValue>,
) -> Result<Bytes, BoxError> {
    let mut client = Client::open(addr, mode, bearer).await?;
    let answer = client.call().await?;
    let text = String::from_utf8_lossy(&answer.body);
    let json: serde_json::Value = serde_json::from_slice(&answer.body)?;
    // add(2, 3) is 5; `roots` counts the one root the retry sends.
    let expected = serde_json::json!(if mode == Mode::Retry { 1 } else { 5 });
    let sum = json.pointer("/result/structuredContent/result");
    if answer.status != StatusCode::OK || sum != Some(&expected) {
        return Err(format!("{mode:?}: unexpected answer {} {text}", answer.status).into());
    }
    Ok(answer.body)
}

/// Runs one scenario: `conns` connections call as fast as answers come for `warmup`, then
/// for `measure`, recording each measured call's latency.
pub async fn run(
    target: &Target,
    conns: usize,
    warmup: Duration,
    measure: Duration,
) -> Result<Outcome, BoxError> {
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        clients.push(Client::open(target.addr, target.mode, target.bearer.as_ref()).await?);
    }
    let start = Instant::now() + warmup;
    let end = start + measure;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| tokio::spawn(drive(client, target.expected.clone(), start, end)))
        .collect();
    tokio::time::sleep_until(start.into()).await;
    let servers_cpu = || -> Option<Duration> {
        target
            .server_pids
            .iter()
            .map(|pid| cpu_time(&pid.to_string()))
            .sum()
    };
    let cpu_before = (servers_cpu(), cpu_time("self"));
    let mut outcome = Outcome {
        calls: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        server_cpu: Duration::ZERO,
        client_cpu: Duration::ZERO,
    };
    let mut last = start;
    for task in tasks {
        let conn = task.await?;
        outcome.calls += conn.latencies.len() as u64;
        outcome.errors += conn.errors;
        outcome.first_error = outcome.first_error.or(conn.first_error);
        outcome.latencies.extend(conn.latencies);
        last = last.max(conn.last);
    }
    let cpu_after = (servers_cpu(), cpu_time("self"));
    outcome.elapsed = last - start;
    if let ((Some(s0), Some(c0)), (Some(s1), Some(c1))) = (cpu_before, cpu_after) {
        outcome.server_cpu = s1.saturating_sub(s0);
        outcome.client_cpu = c1.saturating_sub(c0);
    }
    Ok(outcome)
}

/// What one connection measured.
struct ConnOutcome {
    latencies: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    last: Instant,
}

async fn drive(mut client: Client, expected: Bytes, start: Instant, end: Instant) -> ConnOutcome {
    let mut out = ConnOutcome {
        latencies: Vec::with_capacity(1 << 16),
        errors: 0,
        first_error: None,
        last: start,
    };
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let result = client.call().await;
        let done = Instant::now();
        let failure = match result {
            Ok(a) if a.status == StatusCode::OK && a.body == expected => None,
            Ok(a) => Some(format!("{} {}", a.status, String::from_utf8_lossy(&a.body))),
            Err(e) => Some(e.to_string()),
        };
        if let Some(message) = failure {
            out.errors += 1;
            out.first_error.get_or_insert(message);
            // A broken connection stays broken: stop this one, the scenario is invalid.
            if client.sender.is_closed() {
                break;
            }
        } else if sent >= start {
            out.latencies
                .push(done.duration_since(sent).as_nanos() as u64);
        }
        out.last = done;
    }
    out
}
