//! The limits that protect the server from its clients, on every transport.

use std::time::Duration;

/// Limits that protect the server from its clients. The core applies them the same way on
/// every transport (stdio, Streamable HTTP, in memory); the HTTP transport has a few more
/// of its own in [`HttpConfig`](crate::transport::HttpConfig) (body timeouts, sessions).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest message accepted, in bytes: a stdio line (larger: -32600, reading goes on),
    /// an HTTP body (larger: 413). Default 4 MiB.
    pub max_message_bytes: usize,
    /// Payloads of one session (a stdio connection, a Streamable HTTP session) handled at
    /// once; past it the next one waits (stdio stops reading). Default 64.
    pub max_concurrent_requests: usize,
    /// Stateless HTTP requests handled at once, across the server (they share no session);
    /// past it the next one waits. Default 1024.
    pub max_stateless_requests: usize,
    /// Messages queued for a client that reads slowly: a handler sending more waits
    /// (stdio), or the stream's connection is dropped and the client resumes (HTTP).
    /// Default 256.
    pub outbound_queue: usize,
    /// Items per page of `tools/list`, `resources/list`, ... Default 100.
    pub page_size: usize,
    /// How long a handler waits for the client to answer (sampling, elicitation, roots).
    /// Default 300 s.
    pub client_request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 4 << 20,
            max_concurrent_requests: 64,
            max_stateless_requests: 1024,
            outbound_queue: 256,
            page_size: 100,
            client_request_timeout: Duration::from_secs(300),
        }
    }
}

impl Limits {
    /// What is wrong with these limits (each must be at least 1).
    pub(crate) fn check(&self) -> Vec<super::ConfigError> {
        let fields = [
            ("max_message_bytes", self.max_message_bytes),
            ("max_concurrent_requests", self.max_concurrent_requests),
            ("max_stateless_requests", self.max_stateless_requests),
            ("outbound_queue", self.outbound_queue),
            ("page_size", self.page_size),
        ];
        fields
            .iter()
            .filter(|(_, value)| *value == 0)
            .map(|&(name, _)| super::ConfigError::Limit(name))
            .collect()
    }
}
