//! Transports: how messages reach the server core. A transport frames bytes and manages
//! connections; it never looks at MCP method names.

mod http;
mod stream;

pub use http::{HttpBody, HttpConfig, McpService, bind, serve_http, shutdown_signal};
pub use stream::serve_io;

use crate::error::Result;
use crate::server::Server;
use clap::{Parser, ValueEnum};
use std::time::Duration;

/// Where a server listens.
// Built once per process; the size of the HTTP variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Transport {
    /// Newline-delimited JSON-RPC on stdin and stdout; logs go to stderr.
    Stdio,
    /// Streamable HTTP on one endpoint.
    StreamableHttp {
        /// Address to bind.
        host: String,
        /// Port to bind (0: any free port).
        port: u16,
        /// Accept a non-loopback address (the server is then reachable from other machines).
        allow_remote: bool,
        /// Endpoint path, limits, allow-lists, stateless mode.
        config: HttpConfig,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Stdio,
    StreamableHttp,
}

/// The command-line flags every server understands.
#[derive(Parser, Debug)]
#[command(about = "An MCP server", long_about = None)]
struct Args {
    /// How clients reach the server.
    #[arg(long, value_enum, default_value = "stdio", env = "MCP_TRANSPORT")]
    transport: Kind,
    /// Address to bind (Streamable HTTP).
    #[arg(long, default_value = "127.0.0.1", env = "MCP_HOST")]
    host: String,
    /// Port to bind (Streamable HTTP).
    #[arg(long, default_value_t = 8000, env = "MCP_PORT")]
    port: u16,
    /// Path of the MCP endpoint (Streamable HTTP).
    #[arg(long, default_value = "/mcp", env = "MCP_PATH")]
    path: String,
    /// No sessions: every POST stands alone (Streamable HTTP).
    #[arg(long, env = "MCP_STATELESS")]
    stateless: bool,
    /// Allow a --host that other machines can reach (then also accept any Host header
    /// unless --allowed-host is given).
    #[arg(long)]
    allow_remote: bool,
    /// A Host header value to accept (repeatable; default: localhost names).
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// An Origin to accept (repeatable; default: localhost origins).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Largest request body in bytes (Streamable HTTP; default 4 MiB).
    #[arg(long, value_name = "BYTES", env = "MCP_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Request bytes buffered at once across all connections (Streamable HTTP; default
    /// 64 MiB).
    #[arg(long, value_name = "BYTES", env = "MCP_MAX_BUFFERED_BODY_BYTES")]
    max_buffered_body_bytes: Option<usize>,
    /// Sessions at most (Streamable HTTP; default 10000).
    #[arg(long, value_name = "N", env = "MCP_MAX_SESSIONS")]
    max_sessions: Option<usize>,
    /// Seconds a session may stay unused before it ends (Streamable HTTP; default 1800).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_SESSION_IDLE_TIMEOUT")]
    session_idle_timeout: Option<Duration>,
    /// Seconds a connection may take to send a request head (Streamable HTTP; default 30).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_HEADER_TIMEOUT")]
    header_timeout: Option<Duration>,
    /// Seconds a request may take to send its whole body (Streamable HTTP; default 30).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_BODY_TIMEOUT")]
    body_timeout: Option<Duration>,
    /// Seconds in-flight requests get to finish on shutdown (Streamable HTTP; default 10).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_SHUTDOWN_GRACE")]
    shutdown_grace: Option<Duration>,
}

/// A duration given in seconds, fractions allowed (`0.5`); more than zero.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(value) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!("{text:?} is not a number of seconds above zero")),
    }
}

impl Transport {
    /// The transport chosen on the command line: `--transport stdio|streamable-http`,
    /// `--host`, `--port`, `--path`. Stdio when no flag is given. On a bad flag, prints
    /// the usage and exits, like any command-line program.
    pub fn from_args() -> Transport {
        Args::parse().into()
    }

    /// Like [`Transport::from_args`], from the given arguments (the first is the program name).
    pub fn try_from_args<I, T>(args: I) -> Result<Transport, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Args::try_parse_from(args).map(Into::into)
    }
}

impl From<Args> for Transport {
    fn from(a: Args) -> Self {
        match a.transport {
            Kind::Stdio => Transport::Stdio,
            Kind::StreamableHttp => {
                let mut config = HttpConfig {
                    path: a.path,
                    stateless: a.stateless,
                    ..HttpConfig::default()
                };
                if a.allow_remote {
                    config.allowed_hosts.clear();
                }
                if !a.allowed_hosts.is_empty() {
                    config.allowed_hosts = a.allowed_hosts;
                }
                config.allowed_origins.extend(a.allowed_origins);
                let d = HttpConfig::default();
                config.max_body_bytes = a.max_body_bytes.unwrap_or(d.max_body_bytes);
                config.max_buffered_body_bytes = a
                    .max_buffered_body_bytes
                    .unwrap_or(d.max_buffered_body_bytes);
                config.max_sessions = a.max_sessions.unwrap_or(d.max_sessions);
                config.session_idle_timeout =
                    a.session_idle_timeout.unwrap_or(d.session_idle_timeout);
                config.header_read_timeout = a.header_timeout.unwrap_or(d.header_read_timeout);
                config.body_read_timeout = a.body_timeout.unwrap_or(d.body_read_timeout);
                config.shutdown_grace = a.shutdown_grace.unwrap_or(d.shutdown_grace);
                Transport::StreamableHttp {
                    host: a.host,
                    port: a.port,
                    allow_remote: a.allow_remote,
                    config,
                }
            }
        }
    }
}

impl Server {
    /// Serves on `transport` until the client goes away (stdio) or the process is stopped.
    pub async fn run(&self, transport: Transport) -> Result<()> {
        match transport {
            Transport::Stdio => {
                tracing::info!(server = %self.info().name, "serving MCP on stdio");
                serve_io(self, tokio::io::stdin(), tokio::io::stdout()).await
            }
            Transport::StreamableHttp {
                host,
                port,
                allow_remote,
                config,
            } => {
                let listener = bind(&host, port, allow_remote).await?;
                let addr = listener.local_addr()?;
                tracing::info!(server = %self.info().name, "serving MCP on http://{addr}{}", config.path);
                serve_http(self, listener, config, shutdown_signal()).await
            }
        }
    }
}
