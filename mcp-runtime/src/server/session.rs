//! What the server remembers about one client: the negotiated facts, the requests in
//! flight (both ways), resource subscriptions, where session-wide messages go, how many
//! requests it may run at once, and whether it has ended.

use super::facts::RequestFacts;
use super::outbound::Outbound;
use crate::protocol::{ErrorObject, LoggingLevel, Message, ProtocolVersion, RequestId};
use foldhash::fast::RandomState;
use serde_json::value::RawValue;
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use tokio::sync::{Notify, oneshot};
use tokio_util::sync::CancellationToken;

/// Writes a change of a session to a store shared by several instances.
pub(crate) type Persist =
    Arc<dyn Fn(Change) -> super::store::StoreFuture<'static, ()> + Send + Sync>;

/// A change to what a session is, after `initialize`: written on its own, so that changes
/// made at once through different instances do not overwrite each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    LogLevel(LoggingLevel),
    Initialized,
    Subscribed(String),
    Unsubscribed(String),
}

/// What one instance passes to the others about a session: the client's answer to a
/// request another instance sent, a cancellation of a request another one runs, or that
/// the session's GET stream is now read here.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum Forward {
    Answer {
        id: RequestId,
        outcome: Result<Box<RawValue>, ErrorObject>,
    },
    Cancel {
        id: RequestId,
    },
    /// The client reads the session's GET stream on this instance now: another one lets
    /// go of its connection (a message goes out on one stream only).
    StreamTaken,
}

/// Hands a [`Forward`] to the other instances (a shared store's channel).
pub(crate) type Forwarder = Arc<dyn Fn(Forward) + Send + Sync>;

/// What a store shared by several instances keeps of a session, so that any of them can
/// serve its next request: the facts of `initialize`, what changed since, and who owns it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SessionRecord {
    pub(crate) protocol_version: String,
    #[serde(default)]
    pub(crate) client_info: Option<crate::protocol::Implementation>,
    #[serde(default)]
    pub(crate) client_capabilities: crate::protocol::ClientCapabilities,
    #[serde(default)]
    pub(crate) log_level: Option<LoggingLevel>,
    /// Sorted.
    #[serde(default)]
    pub(crate) subscriptions: Vec<String>,
    #[serde(default)]
    pub(crate) subject: Option<String>,
    #[serde(default)]
    pub(crate) initialized: bool,
}

/// The client's answers travel as their JSON text: the requester reads it into its type.
type Waiting = HashMap<RequestId, oneshot::Sender<Result<Box<RawValue>, ErrorObject>>, RandomState>;

/// One client's session: a stdio connection, a Streamable HTTP session, or the shared
/// context of stateless HTTP requests. Made by [`Server::new_session`](crate::Server::new_session)
/// or [`Server::stateless_session`](crate::Server::stateless_session).
pub struct Session {
    /// Shared with every request's `Context`: set at initialize, read per call.
    facts: RwLock<Arc<RequestFacts>>,
    /// `initialize` succeeded: requests other than ping are served.
    established: AtomicBool,
    /// The client sent `notifications/initialized`.
    initialized: AtomicBool,
    /// By the client's ids, hashed with foldhash seeded at random per map (SipHash cost
    /// 400 instructions a request here): the ids cannot be chosen to collide without the
    /// seed, and the map holds only the requests of the payloads admitted at once.
    in_flight: Mutex<HashMap<RequestId, CancellationToken, RandomState>>,
    /// Requests the server sent to the client, waiting for their answers.
    waiting: Mutex<Waiting>,
    next_id: AtomicI64,
    subscriptions: Mutex<HashSet<String>>,
    outbound: RwLock<Option<Outbound>>,
    /// False for stateless HTTP requests: the client's answers could not find their way
    /// back, and nothing outlives a request.
    pub(crate) accepts_responses: bool,
    /// Payloads handled at once ([`Limits::max_concurrent_requests`](crate::Limits)).
    admission: Arc<Admission>,
    /// Tripped when the session ends: the requests still running are answered with an
    /// error that says why, and stopped.
    ended: CancellationToken,
    end_reason: OnceLock<EndReason>,
    /// Tripped when the transport stops taking work (shutdown begins): long-lived
    /// requests (`subscriptions/listen`) end with their graceful answer.
    draining: CancellationToken,
    /// What the transport keeps with the session (Streamable HTTP: its SSE streams).
    attachment: OnceLock<Arc<dyn Any + Send + Sync>>,
    /// The authenticated subject that opened the session: requests with another
    /// subject's token are refused (session hijacking).
    subject: OnceLock<String>,
    /// Set by a shared store: writes the session's record when it changes.
    persist: OnceLock<Persist>,
    /// Set by a shared store: reaches the instance that sent a request or runs one.
    forward: OnceLock<Forwarder>,
    /// Set by a shared store: makes the ids of requests to the client unique across
    /// instances (`{instance}-{n}`), so that an answer finds the one that asked.
    id_prefix: OnceLock<String>,
}

/// Why a session ended while requests were still running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// The server is shutting down (the grace period is over).
    ShuttingDown,
    /// The client ended the session, or it expired.
    Closed,
}

impl EndReason {
    /// What the requests stopped by the end are told.
    pub fn message(self) -> &'static str {
        match self {
            EndReason::ShuttingDown => {
                "the server is shutting down: the request was stopped before it finished"
            }
            EndReason::Closed => {
                "the session ended (deleted or expired) before the request finished"
            }
        }
    }
}

/// Leave to handle one payload of a session, from [`Session::admit`]: the core takes one
/// with each payload, so no transport can run more than the limit at once.
pub struct Admitted(Arc<Admission>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A counting gate: cheaper than a semaphore on the path every request takes (one
/// compare-and-swap in, one subtraction out); a full gate parks callers on a `Notify`.
struct Admission {
    running: AtomicUsize,
    /// Callers parked in `enter`: a release wakes one only when there is one.
    waiting: AtomicUsize,
    max: usize,
    freed: Notify,
}

struct Uncount<'a>(&'a AtomicUsize);

impl Drop for Uncount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    fn new(max: usize) -> Self {
        Admission {
            running: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            max,
            freed: Notify::new(),
        }
    }

    fn try_enter(&self) -> bool {
        self.running
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max).then_some(n + 1)
            })
            .is_ok()
    }

    async fn enter(&self) {
        if self.try_enter() {
            return;
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        // Uncounted however this ends, also when the caller stops waiting.
        let _counted = Uncount(&self.waiting);
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Counted and registered before the second look: a release that comes after
            // the look sees the count and wakes a waiter; one that came before freed the
            // slot the look finds.
            freed.as_mut().enable();
            if self.try_enter() {
                break;
            }
            freed.await;
        }
    }

    fn release(&self) {
        self.running.fetch_sub(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.freed.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// A session of a connection or of a Streamable HTTP session: `max_concurrent`
    /// payloads at once; `ended` is its end (a child of the transport's stop token).
    pub(crate) fn new(max_concurrent: usize, ended: CancellationToken) -> Self {
        Session {
            facts: RwLock::default(),
            established: AtomicBool::new(false),
            initialized: AtomicBool::new(false),
            in_flight: Mutex::default(),
            waiting: Mutex::default(),
            next_id: AtomicI64::new(1),
            subscriptions: Mutex::default(),
            outbound: RwLock::default(),
            accepts_responses: true,
            admission: Arc::new(Admission::new(max_concurrent)),
            ended,
            end_reason: OnceLock::new(),
            draining: CancellationToken::new(),
            attachment: OnceLock::new(),
            subject: OnceLock::new(),
            persist: OnceLock::new(),
            forward: OnceLock::new(),
            id_prefix: OnceLock::new(),
        }
    }

    /// Has `forward` carry what this instance cannot handle to the others, and the ids
    /// of requests to the client start with `prefix`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn set_forward(&self, prefix: String, forward: Forwarder) {
        let _ = self.id_prefix.set(prefix);
        let _ = self.forward.set(forward);
    }

    /// Passes `what` to the other instances; false when the session has no shared store.
    pub(crate) fn forward(&self, what: Forward) -> bool {
        match self.forward.get() {
            Some(forward) => {
                forward(what);
                true
            }
            None => false,
        }
    }

    /// Lets go of the connection that carries the session-wide messages (another
    /// instance carries them now); they are kept for a client that comes back.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn release_stream(&self) {
        let outbound = self
            .outbound
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(outbound) = outbound
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move { outbound.release_connection().await });
        }
    }

    /// What a shared store keeps of this session.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn record(&self) -> SessionRecord {
        let facts = self.facts();
        let mut subscriptions: Vec<String> = lock(&self.subscriptions).iter().cloned().collect();
        subscriptions.sort_unstable();
        SessionRecord {
            protocol_version: facts.protocol_version.as_str().to_owned(),
            client_info: facts.client_info.clone(),
            client_capabilities: facts.client_capabilities.clone(),
            log_level: facts.log_level,
            subscriptions,
            subject: self.subject().map(str::to_owned),
            initialized: self.is_initialized(),
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    /// Makes this session what `record` says (it was made, or changed, on another
    /// instance); an established session. False when the record names a protocol version
    /// this server does not speak.
    pub(crate) fn apply(&self, record: &SessionRecord) -> bool {
        let Some(version) = ProtocolVersion::parse(&record.protocol_version) else {
            return false;
        };
        let facts = self.facts();
        if facts.protocol_version != version
            || facts.client_info != record.client_info
            || facts.client_capabilities != record.client_capabilities
            || facts.log_level != record.log_level
        {
            self.set_facts(RequestFacts {
                protocol_version: version,
                client_info: record.client_info.clone(),
                client_capabilities: record.client_capabilities.clone(),
                log_level: record.log_level,
            });
        }
        {
            let mut subscriptions = lock(&self.subscriptions);
            if subscriptions.len() != record.subscriptions.len()
                || !record
                    .subscriptions
                    .iter()
                    .all(|s| subscriptions.contains(s))
            {
                *subscriptions = record.subscriptions.iter().cloned().collect();
            }
        }
        if let Some(subject) = &record.subject {
            self.bind_subject(subject);
        }
        if record.initialized {
            self.mark_initialized();
        }
        self.establish();
        true
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    /// Has `persist` write the session's record whenever it changes.
    pub(crate) fn set_persist(&self, persist: Persist) {
        let _ = self.persist.set(persist);
    }

    /// Writes `change` to the session's shared store, if it has one: awaited by the
    /// requests that make it, so that the next request finds it on any instance.
    pub(crate) fn persist(&self, change: Change) -> Option<super::store::StoreFuture<'static, ()>> {
        let persist = self.persist.get()?;
        Some(persist(change))
    }

    /// The session stateless requests run in: established from the start, with `facts`,
    /// unable to receive the client's answers.
    pub(crate) fn stateless(
        facts: Arc<RequestFacts>,
        max_concurrent: usize,
        ended: CancellationToken,
    ) -> Self {
        let session = Session {
            facts: RwLock::new(facts),
            accepts_responses: false,
            ..Session::new(max_concurrent, ended)
        };
        session.established.store(true, Ordering::Release);
        session
    }

    /// Waits until the session may handle one more payload.
    pub async fn admit(&self) -> Admitted {
        self.admission.enter().await;
        Admitted(self.admission.clone())
    }

    /// Ends the session: every request still running is answered with an error that
    /// gives `reason`, and stopped; requests to the client stop waiting.
    pub fn end(&self, reason: EndReason) {
        let _ = self.end_reason.set(reason);
        self.ended.cancel();
        self.cancel_all();
        if let Some(outbound) = &*self.outbound.read().unwrap_or_else(PoisonError::into_inner) {
            outbound.close();
        }
    }

    /// The transport takes no more work: long-lived requests (`subscriptions/listen`)
    /// end now, with their graceful answer, while others may still finish.
    pub fn drain(&self) {
        self.draining.cancel();
    }

    /// Resolves once the session drains or ends.
    pub(crate) async fn draining(&self) {
        tokio::select! {
            () = self.draining.cancelled() => {}
            () = self.ended.cancelled() => {}
        }
    }

    /// Keeps `value` with the session, for the transport that serves it (one value per
    /// session; false when one is already attached).
    pub fn attach<T: Any + Send + Sync>(&self, value: Arc<T>) -> bool {
        self.attachment.set(value).is_ok()
    }

    /// Binds the session to the authenticated `subject` that opened it (once; false when
    /// it is already bound).
    pub fn bind_subject(&self, subject: &str) -> bool {
        self.subject.set(subject.to_owned()).is_ok()
    }

    /// The subject the session is bound to, if any.
    pub fn subject(&self) -> Option<&str> {
        self.subject.get().map(String::as_str)
    }

    /// What the transport attached, if it is a `T`.
    pub fn attached<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.attachment.get()?.downcast_ref()
    }

    /// True once the session ended.
    pub fn has_ended(&self) -> bool {
        self.ended.is_cancelled()
    }

    /// Why the session ended, once it has.
    pub(crate) fn end_reason(&self) -> Option<EndReason> {
        self.ended.is_cancelled().then(|| self.recorded_reason())
    }

    pub(crate) async fn ended(&self) -> EndReason {
        self.ended.cancelled().await;
        self.recorded_reason()
    }

    /// The reason `end` recorded; none when the session ended through the transport's
    /// stop token: the server is stopping.
    fn recorded_reason(&self) -> EndReason {
        *self.end_reason.get().unwrap_or(&EndReason::ShuttingDown)
    }

    pub(crate) fn is_established(&self) -> bool {
        self.established.load(Ordering::Acquire)
    }

    pub(crate) fn establish(&self) {
        self.established.store(true, Ordering::Release);
    }

    pub(crate) fn facts(&self) -> Arc<RequestFacts> {
        self.facts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The protocol version negotiated (the latest until `initialize`).
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.facts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .protocol_version
    }

    pub(crate) fn set_facts(&self, facts: RequestFacts) {
        *self.facts.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(facts);
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        // A stateless request's session: nothing outlives the request (and the session
        // may be shared by requests of the same protocol version).
        if !self.accepts_responses {
            return;
        }
        let mut facts = self.facts.write().unwrap_or_else(PoisonError::into_inner);
        Arc::make_mut(&mut facts).log_level = Some(level);
    }

    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Release);
    }

    /// True once the client sent `notifications/initialized`.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Acquire)
    }

    /// Where session-wide messages (list changes, resource updates) go; they are sent
    /// without waiting ([`Outbound::try_send`]).
    pub fn set_outbound(&self, outbound: Outbound) {
        *self
            .outbound
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(outbound);
    }

    /// Sends a session-wide message; false when the session has nowhere to send it.
    pub(crate) fn notify(&self, message: Message) -> bool {
        match &*self.outbound.read().unwrap_or_else(PoisonError::into_inner) {
            Some(outbound) => outbound.try_send(message),
            None => false,
        }
    }

    /// Registers a request in flight; the guard removes it when the request ends. A
    /// stateless session cannot hear a cancellation, so nothing is registered there.
    /// `parent`: a token of the transport's whose cancellation cancels the request too.
    pub(crate) fn begin(
        self: &Arc<Self>,
        id: &RequestId,
        parent: Option<&CancellationToken>,
    ) -> InFlight {
        let token = parent.map_or_else(CancellationToken::new, CancellationToken::child_token);
        let registered = self.accepts_responses;
        if registered {
            lock(&self.in_flight).insert(id.clone(), token.clone());
        }
        InFlight {
            session: self.clone(),
            id: id.clone(),
            token,
            registered,
        }
    }

    /// Trips the cancellation token of a request in flight.
    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        match lock(&self.in_flight).get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every request in flight (the client went away).
    pub fn cancel_all(&self) {
        for token in lock(&self.in_flight).values() {
            token.cancel();
        }
    }

    /// A fresh id for a request to the client, and the receiver of its answer.
    pub(crate) fn expect_response(
        &self,
    ) -> (
        RequestId,
        oneshot::Receiver<Result<Box<RawValue>, ErrorObject>>,
    ) {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = match self.id_prefix.get() {
            Some(prefix) => RequestId::String(format!("{prefix}{n}")),
            None => RequestId::Number(n),
        };
        let (tx, rx) = oneshot::channel();
        lock(&self.waiting).insert(id.clone(), tx);
        (id, rx)
    }

    /// Forgets a request to the client (timed out or cancelled).
    pub(crate) fn forget(&self, id: &RequestId) {
        lock(&self.waiting).remove(id);
    }

    /// The waiter of our request `id`, taken; `None` when this process sent none (or no
    /// longer waits for it).
    pub(crate) fn take_waiting(
        &self,
        id: &RequestId,
    ) -> Option<oneshot::Sender<Result<Box<RawValue>, ErrorObject>>> {
        lock(&self.waiting).remove(id)
    }

    pub(crate) fn subscribe(&self, uri: &str) {
        // A stateless request has no stream to send updates on (see `set_log_level`).
        if !self.accepts_responses {
            return;
        }
        lock(&self.subscriptions).insert(uri.to_owned());
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        lock(&self.subscriptions).remove(uri);
    }

    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.subscriptions).contains(uri)
    }
}

/// A request in flight; removed from its session when dropped.
pub(crate) struct InFlight {
    session: Arc<Session>,
    id: RequestId,
    pub(crate) token: CancellationToken,
    registered: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.registered {
            lock(&self.session.in_flight).remove(&self.id);
        }
    }
}
