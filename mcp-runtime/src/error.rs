//! The runtime's error type.

use crate::protocol::ErrorObject;

/// What can go wrong building, serving or calling an MCP server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
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
    /// The peer sent something that is not valid MCP.
    #[error("invalid message from the peer: {0}")]
    Protocol(String),
    /// The server's configuration is wrong (names clash, a state is missing, ...).
    #[error("invalid server configuration:\n  {}", .0.join("\n  "))]
    Config(Vec<String>),
    /// A request took longer than allowed.
    #[error("the request timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// The feature is not available (yet).
    #[error("{0}")]
    Unsupported(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
