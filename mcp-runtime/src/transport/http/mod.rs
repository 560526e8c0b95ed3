//! The Streamable HTTP transport (MCP 2025-11-25): one endpoint, POST for messages, GET for
//! the server's stream, DELETE to end a session. Built on hyper.

mod config;
mod service;
mod sessions;
mod sse;

pub use config::HttpConfig;
pub use service::{HttpBody, McpService};

use crate::error::{Error, Result};
use crate::server::Server;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves `server` on `listener` until `shutdown` resolves (pass [`shutdown_signal`] for
/// SIGINT/SIGTERM); then stops accepting, ends the sessions' GET streams, and lets
/// in-flight requests (and the event streams of their answers) finish within
/// `config.shutdown_grace`.
pub async fn serve_http(
    server: &Server,
    listener: TcpListener,
    config: HttpConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let path = config.path.clone();
    let grace = config.shutdown_grace;
    let header_timeout = config.header_read_timeout;
    let service = server.http_service(config);
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let service = service.clone();
        let path = path.clone();
        let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let service = service.clone();
            let on_path = req.uri().path() == path;
            async move {
                if on_path {
                    Ok::<_, std::convert::Infallible>(service.handle(req).await)
                } else {
                    Ok(service::not_found())
                }
            }
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    service.close_sessions();
    tokio::select! {
        () = graceful.shutdown() => Ok(()),
        () = tokio::time::sleep(grace) => {
            tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway");
            Ok(())
        }
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
