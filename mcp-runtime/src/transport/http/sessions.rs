//! What the Streamable HTTP transport keeps with each session: its SSE streams (the GET
//! stream, and the recent POST streams for `Last-Event-ID` resumption). The sessions
//! themselves, their ids, bounds and expiry are the core's [`SessionStore`]'s.
//!
//! [`SessionStore`]: crate::server::SessionStore

use super::sse::EventStream;
use crate::protocol::Message;
use crate::server::{Outbound, Session, Sink, SinkFuture};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Finished POST streams kept per session for late `Last-Event-ID` resumption.
const KEPT_STREAMS: usize = 8;

/// The streams of one session, attached to it ([`Session::attach`]).
pub(crate) struct HttpStreams {
    next_stream: AtomicU64,
    /// The GET stream (id 0) for server-initiated messages.
    pub(crate) standalone: Arc<EventStream>,
    /// Recent POST streams, by id, oldest first.
    streams: Mutex<VecDeque<Arc<EventStream>>>,
    replay: usize,
    queue: usize,
}

impl HttpStreams {
    /// The streams of `session`, made and attached on first use: the session's
    /// session-wide messages then go to its GET stream.
    /// `None` only when something else is attached to the session.
    pub(crate) fn of(session: &Session, replay: usize, queue: usize) -> Option<&HttpStreams> {
        if let Some(streams) = session.attached::<HttpStreams>() {
            return Some(streams);
        }
        let streams = Arc::new(HttpStreams::new(replay, queue));
        let standalone = Arc::downgrade(&streams.standalone);
        if session.attach(streams) {
            session.set_outbound(Outbound::new(Standalone(standalone)));
        }
        session.attached::<HttpStreams>()
    }

    fn new(replay: usize, queue: usize) -> Self {
        let standalone = Arc::new(EventStream::new(0, replay, queue));
        HttpStreams {
            next_stream: AtomicU64::new(1),
            standalone,
            streams: Mutex::default(),
            replay,
            queue,
        }
    }

    /// A new stream for the SSE response of one POST.
    pub(crate) fn new_stream(&self) -> Arc<EventStream> {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let stream = Arc::new(EventStream::new(id, self.replay, self.queue));
        let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if streams.len() == KEPT_STREAMS {
            streams.pop_front();
        }
        streams.push_back(stream.clone());
        stream
    }

    /// The stream a `Last-Event-ID` points into.
    pub(crate) fn stream(&self, id: u64) -> Option<Arc<EventStream>> {
        if id == 0 {
            return Some(self.standalone.clone());
        }
        let streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        streams.iter().find(|s| s.id() == id).cloned()
    }
}

/// The session's GET stream as the core's outbound for session-wide messages. Pushing
/// never waits: a reader that falls behind is disconnected and resumes.
struct Standalone(Weak<EventStream>);

impl Sink for Standalone {
    fn send(&self, message: Message) -> SinkFuture<'_, bool> {
        Box::pin(std::future::ready(self.try_send(message)))
    }

    fn try_send(&self, message: Message) -> bool {
        let Some(stream) = self.0.upgrade() else {
            return false;
        };
        match message.to_json() {
            Ok(json) => {
                stream.push(&json);
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "a message could not be serialized");
                false
            }
        }
    }

    fn close(&self) {
        if let Some(stream) = self.0.upgrade() {
            stream.finish();
        }
    }
}
