//! What a transport hands the core with each payload.

use super::outbound::Outbound;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// What a transport hands the core with a payload: what it knows of the caller, and where
/// the messages a request sends while it runs go.
#[derive(Default, Clone)]
pub struct RequestScope {
    /// What carried the request, as the transport knows it: over HTTP, the request's
    /// `http::request::Parts` (method, URI, headers), which handlers read with
    /// [`Context::http_request`](crate::Context::http_request). A slot of its own rather
    /// than an extension: a request never pays for a map it does not need.
    pub carrier: Option<Arc<dyn Any + Send + Sync>>,
    /// Other values the transport attached, read by handlers through
    /// [`Context::extensions`](crate::Context::extensions).
    pub extensions: http::Extensions,
    /// Where notifications and requests sent during a call travel (the call's SSE stream
    /// over HTTP, stdout over stdio). `None`: nothing can be sent.
    pub outbound: Option<Outbound>,
    /// Tripped by the transport when the client can no longer receive the answer
    /// (Streamable HTTP of 2026-07-28: it closed the response stream): the request is
    /// cancelled, as a `notifications/cancelled` would (its handler sees
    /// [`Context::cancelled`](crate::Context::cancelled)).
    pub cancel: Option<tokio_util::sync::CancellationToken>,
}

impl fmt::Debug for RequestScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestScope")
            .field("carrier", &self.carrier.is_some())
            .field("extensions", &self.extensions)
            .field("outbound", &self.outbound)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}
