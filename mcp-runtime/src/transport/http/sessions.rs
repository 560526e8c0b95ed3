//! Sessions of the Streamable HTTP transport: ids, expiry, bounds, and their SSE streams.

use super::sse::EventStream;
use crate::protocol::Message;
use crate::server::{EndReason, Outbound, Session, Sink, SinkFuture};
use base64::Engine as _;
use foldhash::fast::RandomState;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// Finished POST streams kept per session for late `Last-Event-ID` resumption.
const KEPT_STREAMS: usize = 8;

/// One client's session over HTTP.
pub(crate) struct HttpSession {
    pub(crate) core: Arc<Session>,
    last_used: Mutex<Instant>,
    next_stream: AtomicU64,
    /// The GET stream (id 0) for server-initiated messages.
    pub(crate) standalone: Arc<EventStream>,
    /// Recent POST streams, by id, oldest first.
    streams: Mutex<VecDeque<Arc<EventStream>>>,
    replay: usize,
    queue: usize,
}

impl HttpSession {
    fn new(core: Arc<Session>, replay: usize, queue: usize) -> Self {
        let standalone = Arc::new(EventStream::new(0, replay, queue));
        core.set_outbound(Outbound::new(Standalone(Arc::downgrade(&standalone))));
        HttpSession {
            core,
            last_used: Mutex::new(Instant::now()),
            next_stream: AtomicU64::new(1),
            standalone,
            streams: Mutex::default(),
            replay,
            queue,
        }
    }

    /// Marks the session used now, unless it has been idle for `idle` or longer: then it
    /// is left as it is and false is returned. One clock read per request.
    fn touch_within(&self, idle: Duration) -> bool {
        let now = Instant::now();
        let mut last = self
            .last_used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(*last) >= idle {
            return false;
        }
        *last = now;
        true
    }

    fn idle_for(&self) -> Duration {
        self.last_used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
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

    /// Ends the session: the GET stream closes, the calls in flight are cancelled and
    /// answered with an error, each on its own stream, which then ends.
    pub(crate) fn close(&self) {
        self.core.end(EndReason::Closed);
        self.standalone.finish();
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
}

/// Why a session could not be created.
pub(crate) enum CreateError {
    /// The session limit is reached.
    TooMany,
    /// The OS random source failed: no secret id can be made.
    Random(getrandom::Error),
}

/// Every live session, bounded in number and idle time.
pub(crate) struct SessionStore {
    /// The ids are the server's own random strings: a fast hasher is enough.
    map: Mutex<HashMap<String, Arc<HttpSession>, RandomState>>,
    max: usize,
    idle: Duration,
    replay: usize,
    queue: usize,
}

impl SessionStore {
    pub(crate) fn new(max: usize, idle: Duration, replay: usize, queue: usize) -> Self {
        SessionStore {
            map: Mutex::default(),
            max,
            idle,
            replay,
            queue,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<HttpSession>, RandomState>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session with a fresh, cryptographically random id.
    pub(crate) fn create(
        &self,
        core: Arc<Session>,
    ) -> Result<(String, Arc<HttpSession>), CreateError> {
        let mut map = self.lock();
        if map.len() >= self.max {
            let idle = self.idle;
            map.retain(|_, s| {
                let keep = s.idle_for() < idle;
                if !keep {
                    s.close();
                }
                keep
            });
            if map.len() >= self.max {
                return Err(CreateError::TooMany);
            }
        }
        let id = new_session_id().map_err(CreateError::Random)?;
        let session = Arc::new(HttpSession::new(core, self.replay, self.queue));
        map.insert(id.clone(), session.clone());
        Ok((id, session))
    }

    /// The live session with this id; an expired one is ended and not returned.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        let mut map = self.lock();
        let session = map.get(id)?.clone();
        if !session.touch_within(self.idle) {
            map.remove(id);
            session.close();
            return None;
        }
        Some(session)
    }

    /// Ends a session; false when there was none.
    pub(crate) fn remove(&self, id: &str) -> bool {
        match self.lock().remove(id) {
            Some(session) => {
                session.close();
                true
            }
            None => false,
        }
    }

    /// Ends every session (shutdown): their GET streams close now; a POST stream ends
    /// with its response, so a call in flight still answers.
    pub(crate) fn close_all(&self) {
        for (_, s) in self.lock().drain() {
            s.standalone.finish();
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// 32 random bytes from the OS, base64url: 43 visible ASCII characters.
fn new_session_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_visible_ascii_and_unique() {
        let a = new_session_id().unwrap();
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        assert_ne!(a, new_session_id().unwrap());
    }

    #[test]
    fn bounded_and_expiring() {
        let server = crate::Server::builder().build().unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let store = SessionStore::new(2, Duration::from_millis(0), 4, 4);
        let core = || server.new_session(&stop);
        let (a, _) = store.create(core()).ok().unwrap();
        assert!(store.get(&a).is_none(), "idle timeout 0 expires at once");
        let store = SessionStore::new(1, Duration::from_secs(60), 4, 4);
        let (a, _) = store.create(core()).ok().unwrap();
        assert!(store.create(core()).is_err());
        assert!(store.remove(&a));
        assert!(store.create(core()).is_ok());
        assert_eq!(store.len(), 1);
    }
}
