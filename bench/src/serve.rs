//! The child side: one server on an ephemeral port of 127.0.0.1. It prints its address on
//! stdout and serves until its stdin closes (the parent exited or dropped it).

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::HttpConfig;
use std::convert::Infallible;
use std::io::Write as _;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Counts the client's roots, asking for them first: in 2026-07-28 a two-round request
/// (an `input_required` answer, then the retry with the roots).
#[tool]
async fn roots(ctx: Context) -> Result<usize, ClientRequestError> {
    Ok(ctx.input("roots").list_roots().await?.len())
}

/// Which server a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Our server, `HttpConfig { stateless: true, .. }`.
    Stateless,
    /// Our server with sessions (the default configuration).
    Session,
    /// Our server with its sessions in Redis (`--body` carries the Redis URL).
    SessionRedis,
    /// Our server, stateless, checking bearer tokens (`--body` carries the JWKS file).
    StatelessAuth,
    /// hyper alone: parses the JSON-RPC body, answers fixed bytes.
    Bare,
    /// Our server on stdio (`mcp_runtime::run(Transport::Stdio)`).
    Stdio,
    /// The stdio ceiling: one thread, buffered, each line parsed into a
    /// `serde_json::Value`, answered with `--body` and a newline.
    StdioEcho,
}

/// Serves `kind` until stdin closes. `body` is the bare server's answer.
pub fn run(
    kind: Kind,
    body: &str,
    threads: Option<usize>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        runtime.worker_threads(n);
    }
    if kind == Kind::StdioEcho {
        return stdio_echo(body);
    }
    let runtime = runtime.enable_all().build()?;
    if kind == Kind::Stdio {
        return runtime.block_on(async {
            let server = Server::builder().name("mcp-bench").tool(add).build()?;
            server.run(mcp_runtime::transport::Transport::Stdio).await?;
            Ok(())
        });
    }
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{}", listener.local_addr()?)?;
        stdout.flush()?;
        match kind {
            Kind::Stateless | Kind::Session | Kind::SessionRedis | Kind::StatelessAuth => {
                let server = Server::builder()
                    .name("mcp-bench")
                    .tool(add)
                    .tool(roots)
                    .build()?;
                let auth = (kind == Kind::StatelessAuth).then(|| {
                    let mut auth = mcp_runtime::auth::AuthSettings::new(crate::auth::ISSUER);
                    auth.jwks = Some(body.to_owned());
                    auth.audience = Some(crate::auth::AUDIENCE.to_owned());
                    auth
                });
                let config = HttpConfig {
                    stateless: matches!(kind, Kind::Stateless | Kind::StatelessAuth),
                    redis_url: (kind == Kind::SessionRedis).then(|| body.to_owned()),
                    auth,
                    ..HttpConfig::default()
                };
                mcp_runtime::transport::serve_http(&server, listener, config, stdin_closed())
                    .await?;
            }
            Kind::Stdio | Kind::StdioEcho => {}
            Kind::Bare => {
                let body = Bytes::copy_from_slice(body.as_bytes());
                tokio::select! {
                    () = bare(listener, body) => {},
                    () = stdin_closed() => {},
                }
            }
        }
        Ok(())
    })
}

/// The stdio ceiling: reads lines, parses each into a `Value` (as any server must), and
/// answers a `tools/call` with `body`; flushes when no more input is buffered.
fn stdio_echo(body: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::BufRead as _;
    let mut input = std::io::BufReader::with_capacity(64 << 10, std::io::stdin().lock());
    let mut output = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            output.flush()?;
            return Ok(());
        }
        let parsed: serde_json::Value = serde_json::from_slice(&line)?;
        if parsed.get("method").and_then(serde_json::Value::as_str) == Some("tools/call") {
            output.write_all(body.as_bytes())?;
            output.write_all(b"\n")?;
        }
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
}

async fn stdin_closed() {
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
}

/// The ceiling: HTTP/1.1 keep-alive, TCP_NODELAY like ours, the body parsed with
/// serde_json (as our server must), and the captured answer sent verbatim.
async fn bare(listener: TcpListener, body: Bytes) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let body = body.clone();
            async move { Ok::<_, Infallible>(answer(req, body).await) }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(req: Request<Incoming>, body: Bytes) -> Response<Full<Bytes>> {
    let parsed = match Limited::new(req.into_body(), 4 << 20).collect().await {
        Ok(collected) => serde_json::from_slice::<serde_json::Value>(&collected.to_bytes()).ok(),
        Err(_) => None,
    };
    let is_call = parsed
        .as_ref()
        .and_then(|v| v.get("method"))
        .and_then(serde_json::Value::as_str)
        == Some("tools/call");
    let mut resp = if is_call {
        Response::new(Full::new(body))
    } else {
        let mut resp = Response::new(Full::new(Bytes::new()));
        *resp.status_mut() = StatusCode::BAD_REQUEST;
        resp
    };
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
