//! What the server remembers about one client connection.

use super::context::RequestFacts;
use crate::protocol::RequestId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use tokio_util::sync::CancellationToken;

/// One client's session: the negotiated facts and the requests in flight.
#[derive(Default)]
pub struct Session {
    facts: RwLock<RequestFacts>,
    initialized: AtomicBool,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
}

impl Session {
    /// A new session, not yet initialized.
    pub fn new() -> Self {
        Session::default()
    }

    pub(crate) fn facts(&self) -> RequestFacts {
        self.facts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The protocol version negotiated (the latest until `initialize`).
    pub fn protocol_version(&self) -> crate::protocol::ProtocolVersion {
        self.facts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .protocol_version
    }

    pub(crate) fn set_facts(&self, facts: RequestFacts) {
        *self.facts.write().unwrap_or_else(PoisonError::into_inner) = facts;
    }

    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Release);
    }

    /// True once the client sent `notifications/initialized`.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Acquire)
    }

    /// Registers a request in flight; the guard removes it when the request ends.
    pub(crate) fn begin(&self, id: &RequestId) -> InFlight<'_> {
        let token = CancellationToken::new();
        self.lock().insert(id.clone(), token.clone());
        InFlight {
            session: self,
            id: id.clone(),
            token,
        }
    }

    /// Trips the cancellation token of a request in flight.
    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        match self.lock().get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, CancellationToken>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A request in flight; removed from its session when dropped.
pub(crate) struct InFlight<'a> {
    session: &'a Session,
    id: RequestId,
    pub(crate) token: CancellationToken,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.session.lock().remove(&self.id);
    }
}
