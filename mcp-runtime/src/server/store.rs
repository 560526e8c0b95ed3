//! Where a server keeps its sessions between requests: a [`SessionStore`], by id. The
//! default, [`MemoryStore`], keeps them in this process, bounded in number and idle time.
//! A store shared by several instances (one behind a load balancer) implements the same
//! trait; its lookups may wait on the network, hence the futures.

use super::session::{EndReason, Session};
use base64::Engine as _;
use foldhash::fast::RandomState;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A future a [`SessionStore`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store holds as many sessions as it may.
    #[error("too many sessions; try again later")]
    Full,
    /// No unguessable id could be made (the OS random source failed).
    #[error("no secure session id could be made: {0}")]
    Random(getrandom::Error),
    /// The store cannot be reached or failed.
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
}

/// Makes a session of the server a store serves (see [`SessionStore::bind`]).
pub type SessionFactory = Arc<dyn Fn() -> Arc<Session> + Send + Sync>;

/// Keeps sessions by id. Every method is called from request paths: none may panic, and a
/// store that cannot answer says so ([`StoreError::Unavailable`]) rather than waiting
/// without a bound.
pub trait SessionStore: Send + Sync + 'static {
    /// Keeps `session` under a new, unguessable id, and returns the id.
    fn insert(&self, session: Arc<Session>) -> StoreFuture<'_, Result<String, StoreError>>;

    /// The live session with this id, if this process holds it: answered without waiting
    /// (the path of most requests). `None` sends the caller to [`SessionStore::get`]. A
    /// store that keeps its sessions elsewhere may still keep the live ones here.
    fn get_local(&self, id: &str) -> Option<Arc<Session>> {
        let _ = id;
        None
    }

    /// The live session with this id, marked used now; `None` when there is none (or it
    /// expired: it is then ended).
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<Arc<Session>>, StoreError>>;

    /// Forgets the session and ends it ([`EndReason::Closed`]); false when there was none.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<bool, StoreError>>;

    /// Called once by the transport that serves `server` with this store, with how to
    /// make a session of it: a store shared by several instances makes one for a session
    /// another instance started, and carries the server's events to the other instances.
    /// The default ignores it.
    fn bind(&self, server: &super::Server, make: SessionFactory) {
        let _ = (server, make);
    }

    /// Forgets every session this process holds (shutdown), without ending their requests:
    /// a request in flight still finishes within the grace period.
    fn forget_all(&self) -> Vec<Arc<Session>>;

    /// Where the transport keeps the events of its resumable streams so that any instance
    /// replays them (`Last-Event-ID`), when the sessions are shared by several instances.
    /// The default, `None`, keeps them in this process only.
    fn event_log(&self) -> Option<Arc<dyn EventLog>> {
        None
    }
}

/// The events of sessions' resumable streams (SSE), kept where every instance reads them:
/// a client whose connection, or whose instance, went away resumes on another instance
/// and misses nothing after the last event it saw. An event reaches the client only once
/// it is kept ([`LoggedEvent::then`]).
pub trait EventLog: Send + Sync + 'static {
    /// A stream id that no other instance gives out.
    fn stream_id(&self) -> u64;

    /// Keeps `event` without waiting, and calls its `then` once it is kept (or could not
    /// be: the event still goes to the client, and the failure is logged). False when it
    /// cannot even be queued (`then` is then dropped, not called).
    fn append(&self, event: LoggedEvent) -> bool;

    /// The number of the last server event (a list change, a resource update) this
    /// instance heard, in the order of every instance's events; 0 without numbering.
    fn heard(&self) -> u64 {
        0
    }

    /// A client reads `stream` (a session's GET stream) here now: its log says which
    /// server events this instance had heard, so that one taking it over should this
    /// instance die knows what it missed.
    fn attached(&self, session: Arc<str>, stream: u64) {
        let _ = (session, stream);
    }

    /// The server events (as JSON) numbered after `after`, up to `upto`, that are still
    /// kept.
    fn missed(&self, after: u64, upto: u64) -> StoreFuture<'_, Result<Vec<String>, StoreError>> {
        let _ = (after, upto);
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// What is kept of a stream of `session`, or `None` when nothing is.
    fn read<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
    ) -> StoreFuture<'a, Result<Option<StreamLog>, StoreError>>;
}

/// One event for an [`EventLog`].
pub struct LoggedEvent {
    /// The session's id.
    pub session: Arc<str>,
    /// The stream, from [`EventLog::stream_id`].
    pub stream: u64,
    /// The event's sequence number in its stream (from 1), or 0 for the stream's end.
    pub seq: u64,
    /// The event as sent (`id:`, `event:`, `data:` lines); empty for the end.
    pub bytes: bytes::Bytes,
    /// For the stream of one request, the request's id (JSON): with it, an instance that
    /// finds the stream's owner gone answers the request with an error.
    pub request: Option<Arc<str>>,
    /// Events kept per stream at most: older ones may be dropped.
    pub keep: usize,
    /// Called once the event is kept.
    pub then: Box<dyn FnOnce() + Send>,
}

/// A stream as an [`EventLog`] keeps it.
#[derive(Debug, Default)]
pub struct StreamLog {
    /// The kept events, by sequence number, oldest first.
    pub events: Vec<(u64, bytes::Bytes)>,
    /// The request the stream answers (its id as JSON), for a request's stream.
    pub request: Option<String>,
    /// The stream has ended: nothing more will come.
    pub ended: bool,
    /// The instance that writes it is alive.
    pub owner_alive: bool,
    /// For a GET stream: the number of the last server event its instance had heard when
    /// it last wrote ([`EventLog::heard`]).
    pub heard: Option<u64>,
}

/// Sessions in this process's memory, at most `max`, each ended after `idle` unused.
pub struct MemoryStore {
    /// The ids are the server's own random strings: a fast hasher is enough.
    map: Mutex<HashMap<String, Entry, RandomState>>,
    max: usize,
    idle: Duration,
}

struct Entry {
    session: Arc<Session>,
    last_used: Instant,
}

impl MemoryStore {
    /// At most `max` sessions; one unused for `idle` ends.
    pub fn new(max: usize, idle: Duration) -> Self {
        MemoryStore {
            map: Mutex::default(),
            max,
            idle,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry, RandomState>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert_now(&self, session: Arc<Session>) -> Result<String, StoreError> {
        let mut map = self.lock();
        if map.len() >= self.max {
            let idle = self.idle;
            map.retain(|_, e| {
                let keep = e.last_used.elapsed() < idle;
                if !keep {
                    e.session.end(EndReason::Closed);
                }
                keep
            });
            if map.len() >= self.max {
                return Err(StoreError::Full);
            }
        }
        let id = new_session_id().map_err(StoreError::Random)?;
        let entry = Entry {
            session,
            last_used: Instant::now(),
        };
        map.insert(id.clone(), entry);
        Ok(id)
    }

    fn get_now(&self, id: &str) -> Option<Arc<Session>> {
        let mut map = self.lock();
        let entry = map.get_mut(id)?;
        // One clock read per request.
        let now = Instant::now();
        if now.saturating_duration_since(entry.last_used) >= self.idle {
            let session = map.remove(id)?.session;
            session.end(EndReason::Closed);
            return None;
        }
        entry.last_used = now;
        Some(entry.session.clone())
    }

    fn remove_now(&self, id: &str) -> bool {
        match self.lock().remove(id) {
            Some(entry) => {
                entry.session.end(EndReason::Closed);
                true
            }
            None => false,
        }
    }

    /// How many sessions are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemoryStore {
    fn get_local(&self, id: &str) -> Option<Arc<Session>> {
        self.get_now(id)
    }

    fn insert(&self, session: Arc<Session>) -> StoreFuture<'_, Result<String, StoreError>> {
        let result = self.insert_now(session);
        Box::pin(std::future::ready(result))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<Arc<Session>>, StoreError>> {
        let found = self.get_now(id);
        Box::pin(std::future::ready(Ok(found)))
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<bool, StoreError>> {
        let removed = self.remove_now(id);
        Box::pin(std::future::ready(Ok(removed)))
    }

    fn forget_all(&self) -> Vec<Arc<Session>> {
        self.lock().drain().map(|(_, e)| e.session).collect()
    }
}

/// 32 random bytes from the OS, base64url: 43 visible ASCII characters.
pub(crate) fn new_session_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn ids_are_visible_ascii_and_unique() {
        let a = new_session_id().unwrap();
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        assert_ne!(a, new_session_id().unwrap());
    }

    fn now<T>(f: StoreFuture<'_, T>) -> T {
        f.now_or_never().expect("in memory: at once")
    }

    #[test]
    fn bounded_and_expiring() {
        let server = crate::Server::builder().build().unwrap();
        let stop = CancellationToken::new();
        let core = || server.new_session(&stop);
        let store = MemoryStore::new(2, Duration::from_millis(0));
        let session = core();
        let a = now(store.insert(session.clone())).unwrap();
        assert!(
            now(store.get(&a)).unwrap().is_none(),
            "idle timeout 0 expires at once"
        );
        assert!(session.has_ended(), "an expired session is ended");
        let store = MemoryStore::new(1, Duration::from_secs(60));
        let a = now(store.insert(core())).unwrap();
        assert!(matches!(now(store.insert(core())), Err(StoreError::Full)));
        assert!(now(store.get(&a)).unwrap().is_some());
        assert!(now(store.remove(&a)).unwrap());
        assert!(!now(store.remove(&a)).unwrap());
        assert!(now(store.insert(core())).is_ok());
        assert_eq!(store.len(), 1);
        assert_eq!(store.forget_all().len(), 1);
        assert!(store.is_empty());
    }
}
