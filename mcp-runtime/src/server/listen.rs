//! `subscriptions/listen` (MCP 2026-07-28): the open listen streams of every client, and
//! the change notifications they opted in to, each tagged with its subscription's id.

use super::outbound::Outbound;
use crate::protocol::{Message, Notification, RequestId, SubscriptionFilter, meta_keys};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// The open listen streams.
#[derive(Default)]
pub(crate) struct Listeners {
    open: Mutex<Vec<Listener>>,
    next: AtomicU64,
}

struct Listener {
    key: u64,
    subscription: RequestId,
    filter: SubscriptionFilter,
    outbound: Outbound,
}

/// Removes its listener when the `subscriptions/listen` request ends.
pub(crate) struct Listening<'a> {
    listeners: &'a Listeners,
    key: u64,
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.listeners.lock().retain(|l| l.key != self.key);
    }
}

impl Listeners {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Listener>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a listener; it hears what `filter` (already acknowledged) names until the
    /// returned guard drops.
    pub(crate) fn add(
        &self,
        subscription: RequestId,
        filter: SubscriptionFilter,
        outbound: Outbound,
    ) -> Listening<'_> {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Listener {
            key,
            subscription,
            filter,
            outbound,
        });
        Listening {
            listeners: self,
            key,
        }
    }

    /// True when no stream is open (nothing to do on a change).
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Sends `method` with `params` to every listener whose filter `wants` it, tagged with
    /// its subscription's id. Sent without waiting: a listener whose queue is full misses
    /// it (and a warning says so), the others do not wait for it.
    pub(crate) fn notify(
        &self,
        method: &str,
        params: &Map<String, Value>,
        wants: impl Fn(&SubscriptionFilter) -> bool,
    ) {
        for listener in self.lock().iter().filter(|l| wants(&l.filter)) {
            let message = tagged(method, params.clone(), &listener.subscription);
            if !listener.outbound.try_send(message) {
                tracing::warn!(
                    method,
                    subscription = %listener.subscription,
                    "a subscriptions/listen stream is full or closed: notification dropped"
                );
            }
        }
    }
}

/// `_meta` naming the subscription `id` (`io.modelcontextprotocol/subscriptionId`).
pub(crate) fn subscription_meta(id: &RequestId) -> Map<String, Value> {
    let mut meta = Map::with_capacity(1);
    meta.insert(
        meta_keys::SUBSCRIPTION_ID.to_owned(),
        serde_json::to_value(id).unwrap_or(Value::Null),
    );
    meta
}

/// `method` with `params` and `_meta["io.modelcontextprotocol/subscriptionId"]`.
pub(crate) fn tagged(method: &str, mut params: Map<String, Value>, id: &RequestId) -> Message {
    match params.get_mut("_meta") {
        Some(Value::Object(meta)) => meta.extend(subscription_meta(id)),
        _ => {
            params.insert("_meta".to_owned(), Value::Object(subscription_meta(id)));
        }
    }
    Message::Notification(Notification {
        method: method.to_owned(),
        params: Some(params),
    })
}
