//! Transports: how messages reach the server core. Two come with the crate: stdio (any
//! byte stream, [`serve_io`]) and Streamable HTTP ([`serve_http`], or [`McpService`] to
//! mount the endpoint in an axum or hyper application).
//!
//! A transport frames bytes, owns its connections and streams, and maps the core's answer
//! to its wire; it never looks at MCP method names. The core's side of the contract is
//! here too, for a transport of your own:
//!
//! 1. make a [`Session`] per client ([`Server::new_session`], or
//!    [`Server::stateless_session`] for requests that stand alone), and give it an
//!    [`Outbound`] for the messages it sends on its own ([`Session::set_outbound`]);
//! 2. for each payload read, wait for [`Session::admit`] (the session's share of
//!    [`Limits::max_concurrent_requests`](crate::Limits)), decode it with
//!    [`Payload::decode`](crate::protocol::Payload::decode), and call [`Server::handle`]
//!    with a [`RequestScope`] (extensions for handlers, the outbound of the call);
//! 3. write the [`Answer`]; when the client goes, [`Session::end`] it.
//!
//! Implement [`Sink`] to give the core a queue to send on. The rules (lifecycle, batches,
//! cancellation, the end of a session, every limit) are the core's, so they hold on your
//! transport as on these.

mod http;
mod stdio;
mod stream;

pub use crate::server::{
    Admitted, Answer, EndReason, MemoryStore, Outbound, RequestFacts, RequestScope, Session,
    SessionFactory, SessionStore, Sink, SinkFuture, StoreError, StoreFuture,
};
#[cfg(feature = "redis")]
pub use crate::server::{RedisSettings, RedisStore};
pub use http::{HttpBody, HttpConfig, McpService, bind, serve_http, shutdown_signal};
pub use stream::serve_io;

use crate::error::Result;
use crate::server::{Server, ServerBuilder};
use clap::{Args, CommandFactory, FromArgMatches, Parser, ValueEnum};
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

/// The command-line flags every server understands, to `#[command(flatten)]` into a
/// program's own `clap` parser beside its own flags:
///
/// ```no_run
/// use clap::Parser;
/// use mcp_runtime::prelude::*;
/// use mcp_runtime::transport::TransportArgs;
///
/// /// A notes server.
/// #[derive(Parser)]
/// struct Cli {
///     /// Where the notes are kept.
///     #[arg(long, default_value = "notes.db")]
///     db: std::path::PathBuf,
///     #[command(flatten)]
///     transport: TransportArgs,
/// }
///
/// # async fn serve() -> mcp_runtime::Result<()> {
/// let cli = Cli::parse();
/// let transport: Transport = cli.transport.into();
/// # Server::builder().registered().run(transport).await
/// # }
/// ```
///
/// Each flag also reads an `MCP_*` environment variable (`MCP_TRANSPORT`, `MCP_PORT`, ...),
/// listed by `--help`.
#[derive(Args, Clone, Debug)]
pub struct TransportArgs {
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
    /// Keep sessions in this Redis (`redis://host:6379/0`), shared by every instance that
    /// uses it, instead of in this process (Streamable HTTP; cargo feature `redis`).
    #[arg(long, env = "MCP_REDIS_URL", value_name = "URL")]
    redis_url: Option<String>,
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
    /// Largest request body in bytes (Streamable HTTP; default: the server's largest
    /// message, 4 MiB).
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
    /// Seconds to keep serving after SIGTERM with /readyz answering 503, so that a load
    /// balancer stops sending new work before the listener closes (Streamable HTTP;
    /// default 0).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_DRAIN_DELAY")]
    drain_delay: Option<Duration>,
    /// The URL clients reach the endpoint at, behind a proxy (Streamable HTTP): the
    /// resource URI tokens must name when --auth-audience is not given.
    #[arg(long, value_name = "URL", env = "MCP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Require bearer tokens issued by this authorization server (its issuer URL; its
    /// metadata gives the keys). Streamable HTTP only.
    #[arg(long, value_name = "URL", env = "MCP_AUTH_ISSUER")]
    auth_issuer: Option<String>,
    /// The issuer's JWKS, a URL or a file (default: from the issuer's metadata).
    #[arg(
        long,
        value_name = "URL|PATH",
        env = "MCP_AUTH_JWKS",
        requires = "auth_issuer"
    )]
    auth_jwks: Option<String>,
    /// This resource's canonical URI, which tokens must name in `aud` (default:
    /// --public-url, else the URL served).
    #[arg(
        long,
        value_name = "URI",
        env = "MCP_AUTH_AUDIENCE",
        requires = "auth_issuer"
    )]
    auth_audience: Option<String>,
    /// Another audience to accept (repeatable; the variable is comma-separated).
    #[arg(
        long = "auth-extra-audience",
        value_name = "URI",
        env = "MCP_AUTH_EXTRA_AUDIENCES",
        value_delimiter = ',',
        requires = "auth_issuer"
    )]
    auth_extra_audiences: Vec<String>,
    /// A scope every request's token must grant (repeatable; the variable is
    /// comma-separated).
    #[arg(
        long = "auth-required-scope",
        value_name = "SCOPE",
        env = "MCP_AUTH_REQUIRED_SCOPES",
        value_delimiter = ',',
        requires = "auth_issuer"
    )]
    auth_required_scopes: Vec<String>,
    /// Seconds between refetches of the JWKS for tokens naming an unknown key (default 30).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, env = "MCP_AUTH_JWKS_REFETCH", requires = "auth_issuer")]
    auth_jwks_refetch: Option<Duration>,
    /// Leave out of tools/list (and the other lists) what the caller's scopes do not
    /// allow.
    #[arg(long, env = "MCP_AUTH_HIDE_UNAUTHORIZED", requires = "auth_issuer")]
    auth_hide_unauthorized: bool,
    /// Opaque tokens: check them at this introspection endpoint (RFC 7662) instead of as
    /// JWTs; needs --auth-client-id and MCP_AUTH_CLIENT_SECRET.
    #[arg(long, value_name = "URL", env = "MCP_AUTH_INTROSPECTION", requires_all = ["auth_issuer", "auth_client_id", "auth_client_secret"])]
    auth_introspection: Option<String>,
    /// This server's client id for introspection.
    #[arg(long, value_name = "ID", env = "MCP_AUTH_CLIENT_ID")]
    auth_client_id: Option<String>,
    /// This server's client secret for introspection (prefer the variable: a flag shows
    /// in the process list).
    #[arg(
        long,
        value_name = "SECRET",
        env = "MCP_AUTH_CLIENT_SECRET",
        hide_env_values = true
    )]
    auth_client_secret: Option<String>,
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

/// A parser of [`TransportArgs`] alone, for [`Transport::from_args`].
#[derive(Parser)]
struct OnlyTransport {
    #[command(flatten)]
    transport: TransportArgs,
}

/// The command line of a program whose only flags are the transport's: named after the
/// executable, described by its Cargo package.
fn command() -> clap::Command {
    let program = crate::server::program_name();
    let mut cmd = OnlyTransport::command()
        .name(program.clone())
        .bin_name(program.clone());
    match crate::server::program_package() {
        Some(p) => {
            cmd = cmd.version(p.version);
            cmd = match p.description.trim() {
                "" => cmd.about(format!("{program}: an MCP server")),
                about => cmd.about(about.to_owned()),
            };
        }
        None => cmd = cmd.about(format!("{program}: an MCP server")),
    }
    cmd
}

impl Transport {
    /// The transport chosen on the command line: `--transport stdio|streamable-http`,
    /// `--host`, `--port`, `--path`, the limits. Stdio when no flag is given. On a bad
    /// flag, prints the usage and exits, like any command-line program; `--help` lists
    /// every flag with its `MCP_*` variable. For a program with flags of its own, put
    /// [`TransportArgs`] in its parser instead.
    pub fn from_args() -> Transport {
        let matches = command().get_matches();
        match TransportArgs::from_arg_matches(&matches) {
            Ok(args) => args.into(),
            Err(e) => e.format(&mut command()).exit(),
        }
    }

    /// Like [`Transport::from_args`], from the given arguments (the first is the program
    /// name).
    pub fn try_from_args<I, T>(args: I) -> Result<Transport, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command().try_get_matches_from(args)?;
        TransportArgs::from_arg_matches(&matches).map(Into::into)
    }
}

impl From<TransportArgs> for Transport {
    fn from(a: TransportArgs) -> Self {
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
                config.max_body_bytes = a.max_body_bytes.or(d.max_body_bytes);
                config.max_buffered_body_bytes = a
                    .max_buffered_body_bytes
                    .unwrap_or(d.max_buffered_body_bytes);
                config.max_sessions = a.max_sessions.unwrap_or(d.max_sessions);
                config.session_idle_timeout =
                    a.session_idle_timeout.unwrap_or(d.session_idle_timeout);
                config.header_read_timeout = a.header_timeout.unwrap_or(d.header_read_timeout);
                config.body_read_timeout = a.body_timeout.unwrap_or(d.body_read_timeout);
                config.shutdown_grace = a.shutdown_grace.unwrap_or(d.shutdown_grace);
                config.drain_delay = a.drain_delay.unwrap_or(d.drain_delay);
                config.public_url = a.public_url;
                config.redis_url = a.redis_url;
                config.auth = a.auth_issuer.map(|issuer| {
                    let mut auth = crate::auth::AuthSettings::new(issuer);
                    auth.jwks = a.auth_jwks;
                    auth.audience = a.auth_audience;
                    auth.extra_audiences = a.auth_extra_audiences;
                    auth.required_scopes = a.auth_required_scopes;
                    auth.hide_unauthorized = a.auth_hide_unauthorized;
                    if let Some(every) = a.auth_jwks_refetch {
                        auth.jwks_refetch_interval = every;
                    }
                    if let (Some(endpoint), Some(client_id), Some(client_secret)) =
                        (a.auth_introspection, a.auth_client_id, a.auth_client_secret)
                    {
                        auth.introspection = Some(crate::auth::Introspection {
                            endpoint,
                            client_id,
                            client_secret,
                        });
                    }
                    auth
                });
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

impl ServerBuilder {
    /// Builds the server and serves it on `transport` until the client goes away.
    pub async fn run(self, transport: Transport) -> Result<()> {
        self.build()?.run(transport).await
    }
}

impl Server {
    /// Serves on `transport` until the client goes away (stdio) or the process is stopped
    /// (SIGINT or SIGTERM: reading stops, and the requests already read get 10 s to
    /// finish over stdio, `--shutdown-grace` over HTTP).
    ///
    /// Logs go to stderr: unless the program installed a `tracing` subscriber of its own
    /// first, this installs one ([`crate::init_logging`]; `RUST_LOG` sets the level, `info`
    /// by default).
    pub async fn run(&self, transport: Transport) -> Result<()> {
        crate::init_logging();
        match transport {
            Transport::Stdio => {
                tracing::info!(server = %self.info().name, "serving MCP on stdio");
                let grace = HttpConfig::default().shutdown_grace;
                stdio::serve_stdio(self, shutdown_signal(), grace).await
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A program's own parser, with the transport's flags flattened into it.
    #[derive(Parser, Debug)]
    struct Cli {
        #[arg(long)]
        db: String,
        #[command(flatten)]
        transport: TransportArgs,
    }

    #[test]
    fn transport_args_flatten_into_a_programs_own_parser() {
        let cli = Cli::try_parse_from([
            "app",
            "--db",
            "notes.db",
            "--transport",
            "streamable-http",
            "--port",
            "9000",
            "--max-sessions",
            "7",
        ])
        .expect("the flags parse");
        assert_eq!(cli.db, "notes.db");
        match Transport::from(cli.transport) {
            Transport::StreamableHttp { port, config, .. } => {
                assert_eq!(port, 9000);
                assert_eq!(config.max_sessions, 7);
            }
            other => panic!("expected HTTP, got {other:?}"),
        }
        let cli = Cli::try_parse_from(["app", "--db", "x"]).expect("the flags parse");
        assert!(matches!(Transport::from(cli.transport), Transport::Stdio));
    }

    #[test]
    fn a_bad_flag_is_an_error_that_names_it() {
        let err = Transport::try_from_args(["app", "--port", "many"]).expect_err("bad port");
        assert!(err.to_string().contains("--port"), "{err}");
    }
}
