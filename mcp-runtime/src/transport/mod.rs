//! Transports: how messages reach the server core. A transport frames bytes and manages
//! connections; it never looks at MCP method names.

mod http;
mod stream;

pub use http::{HttpBody, HttpConfig, McpService, bind, serve_http, shutdown_signal};
pub use stream::serve_io;

use crate::error::Result;
use crate::server::Server;
use clap::{Parser, ValueEnum};

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
