//! Where the messages the server sends on its own go: those of a request while it runs
//! (progress, logs, requests to the client) and those of a session (list changes,
//! resource updates). Each transport implements [`Sink`] for its own wire; the core only
//! sees an [`Outbound`].

use crate::protocol::Message;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A future a [`Sink`] returns.
pub type SinkFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A transport's bounded queue of messages to one client.
pub trait Sink: Send + Sync + 'static {
    /// Queues `message`, waiting while the queue is full; false once the client is gone.
    fn send(&self, message: Message) -> SinkFuture<'_, bool>;

    /// Queues `message` without waiting; false when the queue is full or gone (the
    /// message is then not delivered, and a warning is logged).
    fn try_send(&self, message: Message) -> bool;

    /// Lets go of the connection that carries these messages while the request goes on:
    /// the client comes back for the rest (Streamable HTTP's SSE polling). A transport
    /// whose connection cannot come back ignores it.
    fn release_connection(&self) -> SinkFuture<'_, ()> {
        Box::pin(async {})
    }

    /// The session this sink carries messages for has ended: nothing more will be sent
    /// (Streamable HTTP ends the session's GET stream). Does nothing by default.
    fn close(&self) {}
}

/// Where the core sends messages: a handle on a transport's [`Sink`]. Cheap to clone.
#[derive(Clone)]
pub struct Outbound(Arc<dyn Sink>);

impl Outbound {
    /// An outbound that sends to `sink`.
    pub fn new(sink: impl Sink) -> Self {
        Outbound(Arc::new(sink))
    }

    /// An outbound that sends to a sink the transport also holds.
    pub fn shared<S: Sink>(sink: Arc<S>) -> Self {
        Outbound(sink)
    }

    /// Queues a message, waiting while the queue is full; false once the client is gone.
    pub async fn send(&self, message: Message) -> bool {
        self.0.send(message).await
    }

    /// Queues a message without waiting; false when it could not be queued.
    pub fn try_send(&self, message: Message) -> bool {
        self.0.try_send(message)
    }

    /// See [`Sink::close`].
    pub fn close(&self) {
        self.0.close()
    }

    /// See [`Sink::release_connection`].
    pub async fn release_connection(&self) {
        self.0.release_connection().await
    }
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Outbound")
    }
}
