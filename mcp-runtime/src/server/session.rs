//! What the server remembers about one client: the negotiated facts, the requests in
//! flight (both ways), resource subscriptions, and where session-wide messages go.

use super::context::RequestFacts;
use crate::protocol::{ErrorObject, LoggingLevel, Message, ProtocolVersion, RequestId};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// Delivers a session-wide message (not tied to a request) without waiting: stdio's
/// output queue, or the session's GET stream over HTTP.
pub type Notifier = Arc<dyn Fn(Message) + Send + Sync>;

type Waiting = HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>;

/// One client's session.
pub struct Session {
    /// Shared with every request's `Context`: set at initialize, read per call.
    facts: RwLock<Arc<RequestFacts>>,
    initialized: AtomicBool,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// Requests the server sent to the client, waiting for their answers.
    waiting: Mutex<Waiting>,
    next_id: AtomicI64,
    subscriptions: Mutex<HashSet<String>>,
    notifier: RwLock<Option<Notifier>>,
    /// False for a stateless HTTP request: the client's answers could not find their way back.
    pub(crate) accepts_responses: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            facts: RwLock::default(),
            initialized: AtomicBool::new(false),
            in_flight: Mutex::default(),
            waiting: Mutex::default(),
            next_id: AtomicI64::new(1),
            subscriptions: Mutex::default(),
            notifier: RwLock::default(),
            accepts_responses: true,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// A new session, not yet initialized.
    pub fn new() -> Self {
        Session::default()
    }

    /// A session for one stateless request: it cannot receive the client's answers.
    pub fn stateless() -> Self {
        Session::stateless_with(Arc::default())
    }

    /// A stateless session whose facts are already known (shared, not copied).
    pub(crate) fn stateless_with(facts: Arc<RequestFacts>) -> Self {
        Session {
            facts: RwLock::new(facts),
            accepts_responses: false,
            ..Session::default()
        }
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

    /// Where session-wide messages (list changes, resource updates) go.
    pub fn set_notifier(&self, notifier: Notifier) {
        *self
            .notifier
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(notifier);
    }

    /// Sends a session-wide message; false when the session has nowhere to send it.
    pub(crate) fn notify(&self, message: Message) -> bool {
        match &*self.notifier.read().unwrap_or_else(PoisonError::into_inner) {
            Some(notify) => {
                notify(message);
                true
            }
            None => false,
        }
    }

    /// Registers a request in flight; the guard removes it when the request ends. A
    /// stateless session cannot hear a cancellation, so nothing is registered there.
    pub(crate) fn begin(&self, id: &RequestId) -> InFlight<'_> {
        let token = CancellationToken::new();
        let registered = self.accepts_responses;
        if registered {
            lock(&self.in_flight).insert(id.clone(), token.clone());
        }
        InFlight {
            session: self,
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
    ) -> (RequestId, oneshot::Receiver<Result<Value, ErrorObject>>) {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        lock(&self.waiting).insert(id.clone(), tx);
        (id, rx)
    }

    /// Forgets a request to the client (timed out or cancelled).
    pub(crate) fn forget(&self, id: &RequestId) {
        lock(&self.waiting).remove(id);
    }

    /// Routes the client's answer; false when no request of ours has that id.
    pub(crate) fn resolve(
        &self,
        id: &RequestId,
        outcome: Result<Box<RawValue>, ErrorObject>,
    ) -> bool {
        match lock(&self.waiting).remove(id) {
            Some(tx) => {
                let outcome = outcome.and_then(|raw| {
                    serde_json::from_str(raw.get()).map_err(|e| {
                        ErrorObject::invalid_params(format!("the client's answer: {e}"))
                    })
                });
                let _ = tx.send(outcome);
                true
            }
            None => false,
        }
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
pub(crate) struct InFlight<'a> {
    session: &'a Session,
    id: RequestId,
    pub(crate) token: CancellationToken,
    registered: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.registered {
            lock(&self.session.in_flight).remove(&self.id);
        }
    }
}
