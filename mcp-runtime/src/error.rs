//! The runtime's error type.

use crate::protocol::ErrorObject;
use crate::server::ConfigError;

/// What can go wrong building, serving or calling an MCP server.
///
/// Its `Debug` form is its message, so that `main` returning `mcp_runtime::Result<()>`
/// prints `Error: cannot listen on 127.0.0.1:8000: Address in use`, not a struct dump;
/// match on the variants for the details.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The peer answered a request with a JSON-RPC error.
    #[error("the server answered with an error: {0}")]
    Rpc(ErrorObject),
    /// The request was cancelled by this side.
    #[error("the request was cancelled")]
    Cancelled,
    /// The connection closed before the answer arrived.
    #[error("the connection closed before the answer arrived")]
    Closed,
    /// The transport failed: an HTTP error status, a refused connection, an ended session.
    #[error("{0}")]
    Transport(String),
    /// A request could not be made as asked: its parameters do not fit the method's
    /// (arguments that are not an object, capabilities of the wrong shape).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The peer sent something that is not valid MCP.
    #[error("invalid message from the peer: {0}")]
    Protocol(String),
    /// The server's configuration is wrong (names clash, a state is missing, ...): every
    /// mistake found, each with what to do about it.
    #[error("invalid server configuration:{}", list(.0))]
    Config(Vec<ConfigError>),
    /// A request took longer than allowed.
    #[error("the request timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The feature is not available (yet).
    #[error("{0}")]
    Unsupported(String),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn list(errors: &[ConfigError]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
