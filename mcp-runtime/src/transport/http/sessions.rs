//! What the Streamable HTTP transport keeps with each session: its SSE streams (the GET
//! stream, and the recent POST streams for `Last-Event-ID` resumption). The sessions
//! themselves, their ids, bounds and expiry are the core's [`SessionStore`]'s.
//!
//! [`SessionStore`]: crate::server::SessionStore

use super::sse::{EventStream, LogTarget};
use crate::protocol::Message;
use crate::server::{EventLog, Outbound, Session, Sink, SinkFuture};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Finished POST streams kept per session for late `Last-Event-ID` resumption.
const KEPT_STREAMS: usize = 8;

/// Set in the id of a session's GET stream when the ids come from a log (the other
/// streams answer requests): an instance that has nothing kept of a GET stream another
/// made still knows what it was.
const STANDALONE: u64 = 1 << 31;

/// True for the id of a session's GET stream made with a log.
pub(crate) fn is_standalone(id: u64) -> bool {
    id & STANDALONE != 0
}

/// The streams of one session, attached to it ([`Session::attach`]).
pub(crate) struct HttpStreams {
    next_stream: AtomicU64,
    /// The GET stream for server-initiated messages (id 0 without a log).
    pub(crate) standalone: Arc<EventStream>,
    /// Recent POST streams, by id, oldest first.
    streams: Mutex<VecDeque<Arc<EventStream>>>,
    replay: usize,
    queue: usize,
    /// Where the streams are kept for the other instances, with the session's id.
    log: Option<(Arc<dyn EventLog>, Arc<str>)>,
}

impl HttpStreams {
    /// The streams of `session` (whose id is `id`; `None` until the store named it),
    /// made and attached on first use: the session's session-wide messages then go to
    /// its GET stream. With a `log` and an id, every stream's events are kept in it.
    /// `None` only when something else is attached to the session.
    pub(crate) fn of<'s>(
        session: &'s Session,
        id: Option<&http::HeaderValue>,
        log: Option<&Arc<dyn EventLog>>,
        replay: usize,
        queue: usize,
    ) -> Option<&'s HttpStreams> {
        if let Some(streams) = session.attached::<HttpStreams>() {
            return Some(streams);
        }
        let id = id.and_then(|v| v.to_str().ok());
        let log = log.zip(id).map(|(log, id)| (log.clone(), Arc::from(id)));
        let streams = Arc::new(HttpStreams::new(replay, queue, log));
        let standalone = Arc::downgrade(&streams.standalone);
        if session.attach(streams) {
            session.set_outbound(Outbound::new(Standalone(standalone)));
        }
        session.attached::<HttpStreams>()
    }

    fn new(replay: usize, queue: usize, log: Option<(Arc<dyn EventLog>, Arc<str>)>) -> Self {
        let (id, target) = match &log {
            Some((log, session)) => (
                log.stream_id() | STANDALONE,
                Some(LogTarget {
                    log: log.clone(),
                    session: session.clone(),
                    request: None,
                }),
            ),
            None => (0, None),
        };
        let standalone = Arc::new(EventStream::logged(id, replay, queue, target));
        HttpStreams {
            next_stream: AtomicU64::new(1),
            standalone,
            streams: Mutex::default(),
            replay,
            queue,
            log,
        }
    }

    /// A new stream for the SSE response of one POST, answering `request` (its id as
    /// JSON).
    pub(crate) fn new_stream(&self, request: Option<Arc<str>>) -> Arc<EventStream> {
        let stream = Arc::new(match &self.log {
            Some((log, session)) => EventStream::logged(
                log.stream_id() & !STANDALONE,
                self.replay,
                self.queue,
                Some(LogTarget {
                    log: log.clone(),
                    session: session.clone(),
                    request,
                }),
            ),
            None => EventStream::new(
                self.next_stream.fetch_add(1, Ordering::Relaxed),
                self.replay,
                self.queue,
            ),
        });
        let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if streams.len() == KEPT_STREAMS {
            streams.pop_front();
        }
        streams.push_back(stream.clone());
        stream
    }

    /// The stream a `Last-Event-ID` points into, if this process has it.
    pub(crate) fn stream(&self, id: u64) -> Option<Arc<EventStream>> {
        if id == self.standalone.id() {
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

    fn release_connection(&self) -> SinkFuture<'_, ()> {
        if let Some(stream) = self.0.upgrade() {
            stream.disconnect();
        }
        Box::pin(std::future::ready(()))
    }
}
