//! Transports: how messages reach the server core. A transport frames bytes and manages
//! connections; it never looks at MCP method names.

mod stream;

pub use stream::serve_io;

use crate::error::{Error, Result};
use crate::server::Server;
use clap::{Parser, ValueEnum};

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// Newline-delimited JSON-RPC on stdin and stdout; logs go to stderr.
    Stdio,
    /// Streamable HTTP on one endpoint.
    StreamableHttp {
        /// Address to bind.
        host: String,
        /// Port to bind.
        port: u16,
        /// The MCP endpoint's path.
        path: String,
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
            Kind::StreamableHttp => Transport::StreamableHttp {
                host: a.host,
                port: a.port,
                path: a.path,
            },
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
            Transport::StreamableHttp { .. } => Err(Error::Unsupported(
                "the Streamable HTTP transport is not available yet: run with `--transport stdio`"
                    .into(),
            )),
        }
    }
}
