//! The Streamable HTTP transport (MCP 2025-11-25): one endpoint, POST for messages, GET for
//! the server's stream, DELETE to end a session. Built on hyper.

mod body;
mod config;
mod deferred;
mod modern;
mod service;
mod sessions;
mod sse;

pub use config::HttpConfig;
pub use service::{HttpBody, McpService};

use crate::error::{Error, Result};
use crate::server::Server;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

/// Once the grace period is over, how long the errors sent to the requests still in
/// flight may take to reach their clients before the server stops anyway.
const FLUSH_AFTER_GRACE: Duration = Duration::from_secs(1);

/// Serves `server` on `listener` over HTTP/1.1 until `shutdown` resolves (pass
/// [`shutdown_signal`] for SIGINT/SIGTERM); then stops accepting, ends the sessions' GET
/// streams, and lets in-flight requests (and the event streams of their answers) finish
/// within `config.shutdown_grace`. A request still running then is answered with a
/// JSON-RPC error (`-32000`) and its handler dropped.
///
/// Every connection must send a request head within `config.header_read_timeout` of
/// opening (and of its previous response), and a whole body within
/// `config.body_read_timeout`; otherwise it is closed. When the process runs out of file
/// descriptors, accepting pauses briefly and resumes as connections close. For HTTP/2,
/// mount [`McpService`] in a server that speaks it.
pub async fn serve_http(
    server: &Server,
    listener: TcpListener,
    config: HttpConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let path = config.path.clone();
    let probes = Probes {
        health: config.health_path.clone(),
        ready: config.ready_path.clone(),
        draining: Arc::new(AtomicBool::new(false)),
    };
    let grace = config.shutdown_grace;
    let drain_delay = config.drain_delay;
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    if server.inner.modern.state_keys.random {
        tracing::warn!(
            "the requestState of multi-round requests (MCP 2026-07-28) is sealed with a random key of this process: a retry that reaches another instance will be refused; set MCP_REQUEST_STATE_KEY (the same on every instance) or ServerBuilder::request_state_keys"
        );
    }
    let served = listener
        .local_addr()
        .ok()
        .map(|addr| format!("http://{addr}{path}"));
    let store = session_store(&config).await?;
    let service = server.http_service_at(config, store, served);
    if let Some(e) = service.auth_error() {
        return Err(crate::Error::Transport(format!("authentication: {e}")));
    }
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    // Set once shutdown begins with a drain delay: serving goes on until it passes.
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        let is_draining = drain_until.is_some();
        let drained = async move {
            match drain_until {
                Some(until) => tokio::time::sleep_until(until).await,
                None => std::future::pending().await,
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: the connection waits in the
                    // backlog while others close (every one of them has a deadline).
                    tracing::warn!(error = %e, "accept failed; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown, if !is_draining => {
                if drain_delay.is_zero() {
                    break;
                }
                probes.draining.store(true, Ordering::SeqCst);
                tracing::info!(delay = ?drain_delay, "shutting down: not ready any more; serving on until the drain delay passes");
                drain_until = Some(tokio::time::Instant::now() + drain_delay);
                continue;
            }
            () = drained => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let service = service.clone();
        let path = path.clone();
        let probes = probes.clone();
        let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let service = service.clone();
            let elsewhere = probes.answer(&req).or_else(|| {
                (req.uri().path() != path && !req.uri().path().starts_with(crate::auth::WELL_KNOWN))
                    .then(|| service::not_found(&path))
            });
            async move {
                match elsewhere {
                    None => Ok::<_, std::convert::Infallible>(service.handle(req).await),
                    Some(resp) => Ok(resp),
                }
            }
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    probes.draining.store(true, Ordering::SeqCst);
    tracing::info!("shutting down: finishing in-flight requests");
    service.close_sessions();
    let finished = graceful.shutdown();
    tokio::pin!(finished);
    tokio::select! {
        () = &mut finished => return Ok(()),
        () = tokio::time::sleep(grace) => {}
    }
    tracing::warn!(
        "requests still in flight after the {grace:?} grace period are answered with an error and stopped"
    );
    service.stop_requests();
    tokio::select! {
        () = &mut finished => {}
        () = tokio::time::sleep(FLUSH_AFTER_GRACE) => {
            tracing::warn!("some connections did not take their last answer in time; closing them");
        }
    }
    Ok(())
}

/// Where `serve_http` keeps its sessions: Redis with `redis_url`, else this process.
async fn session_store(config: &HttpConfig) -> Result<Arc<dyn crate::server::SessionStore>> {
    let Some(url) = &config.redis_url else {
        let store = super::MemoryStore::new(config.max_sessions, config.session_idle_timeout);
        return Ok(Arc::new(store));
    };
    #[cfg(feature = "redis")]
    {
        let mut settings = crate::server::RedisSettings::new(url.clone());
        settings.max_sessions = config.max_sessions;
        settings.idle_timeout = config.session_idle_timeout;
        let store = crate::server::RedisStore::connect(settings)
            .await
            .map_err(|e| Error::Transport(e.to_string()))?;
        tracing::info!("sessions are kept in Redis, shared by every instance that uses it");
        Ok(Arc::new(store))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = url;
        Err(Error::Unsupported(
            "--redis-url needs mcp-runtime's cargo feature `redis`, which this program was built without".into(),
        ))
    }
}

/// The liveness and readiness probes of [`serve_http`].
#[derive(Clone)]
struct Probes {
    health: Option<String>,
    ready: Option<String>,
    /// Set once shutdown begins: not ready any more.
    draining: Arc<AtomicBool>,
}

impl Probes {
    /// The answer to `req` when it is a probe: `GET` or `HEAD` of one of their paths.
    /// They need no token and check no `Host`: they tell nothing but up or not.
    fn answer<B>(&self, req: &http::Request<B>) -> Option<http::Response<HttpBody>> {
        if !matches!(*req.method(), http::Method::GET | http::Method::HEAD) {
            return None;
        }
        let path = Some(req.uri().path());
        let (status, text) = if path == self.health.as_deref() {
            (http::StatusCode::OK, "ok\n")
        } else if path == self.ready.as_deref() {
            if self.draining.load(Ordering::SeqCst) {
                (http::StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
            } else {
                (http::StatusCode::OK, "ready\n")
            }
        } else {
            return None;
        };
        let mut resp = http::Response::new(service::text_body(text));
        *resp.status_mut() = status;
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        resp.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        Some(resp)
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Binds `host:port`, refusing a non-loopback address unless `allow_remote`.
pub async fn bind(host: &str, port: u16, allow_remote: bool) -> Result<TcpListener> {
    let listener = TcpListener::bind((host, port)).await.map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot listen on {host}:{port}: {e}"),
        ))
    })?;
    let addr: SocketAddr = listener.local_addr()?;
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(Error::Unsupported(format!(
            "refusing to listen on {addr}: it is reachable from other machines. Pass --allow-remote to do so on purpose (and put authentication in front of the server), or use --host 127.0.0.1"
        )));
    }
    Ok(listener)
}
