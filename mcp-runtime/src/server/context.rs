//! What a handler can know about the request it serves, and the extractors that read it.

use crate::protocol::{Implementation, Message, Meta, Notification, ProtocolVersion, RequestId};
use serde_json::{Value, json};
use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Facts that belong to one request. In the 2025 revisions they come from the session's
/// `initialize`; from 2026-07-28 on, each request carries them in `_meta`. Handlers read them
/// here either way.
#[derive(Clone, Debug)]
pub struct RequestFacts {
    /// The protocol version in force for this request.
    pub protocol_version: ProtocolVersion,
    /// The client's name and version, when it said.
    pub client_info: Option<Implementation>,
    /// The capabilities the client declared.
    pub client_capabilities: serde_json::Value,
}

impl Default for RequestFacts {
    fn default() -> Self {
        RequestFacts {
            protocol_version: ProtocolVersion::LATEST,
            client_info: None,
            client_capabilities: serde_json::Value::Object(Default::default()),
        }
    }
}

/// The request a handler is serving: its id, `_meta`, cancellation, the client's facts,
/// and the server's shared state.
///
/// Take it as a parameter of any `#[tool]`, `#[resource]` or `#[prompt]` function:
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Wait until cancelled or a second passes.
/// #[tool]
/// async fn wait(ctx: Context) -> String {
///     tokio::select! {
///         _ = ctx.cancelled() => "cancelled".into(),
///         _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => "done".into(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
}

struct ContextInner {
    request_id: RequestId,
    meta: Option<Meta>,
    facts: RequestFacts,
    cancel: CancellationToken,
    states: Arc<StateMap>,
    scope: RequestScope,
    /// Last progress value sent, as f64 bits (progress must increase).
    last_progress: std::sync::Mutex<Option<f64>>,
}

/// What a transport hands the server core with each request: what it knows of the caller,
/// and where messages related to the request go while it runs.
#[derive(Default, Clone)]
pub struct RequestScope {
    /// Values the transport attached (for HTTP: the request's `http::request::Parts`; later
    /// the caller's identity).
    pub extensions: http::Extensions,
    /// Where notifications and requests sent during the call travel (the call's SSE
    /// stream over HTTP, stdout over stdio). `None`: nothing can be sent.
    pub outbound: Option<Outbound>,
}

/// What a transport writes to its client, in order.
#[derive(Debug)]
pub enum Outgoing {
    /// One message.
    One(Message),
    /// The responses to a JSON-RPC batch, written as one array.
    Batch(Vec<Message>),
}

/// The sending side of a transport's bounded queue of outgoing messages.
#[derive(Clone, Debug)]
pub struct Outbound(tokio::sync::mpsc::Sender<Outgoing>);

impl Outbound {
    /// A queue of `capacity` messages; senders wait while it is full.
    pub fn channel(capacity: usize) -> (Outbound, tokio::sync::mpsc::Receiver<Outgoing>) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        (Outbound(tx), rx)
    }

    /// Queues a message; false when the transport is gone.
    pub async fn send(&self, outgoing: Outgoing) -> bool {
        self.0.send(outgoing).await.is_ok()
    }
}

impl Context {
    pub(crate) fn new(
        request_id: RequestId,
        meta: Option<Meta>,
        facts: RequestFacts,
        cancel: CancellationToken,
        states: Arc<StateMap>,
        scope: RequestScope,
    ) -> Self {
        Context {
            inner: Arc::new(ContextInner {
                request_id,
                meta,
                facts,
                cancel,
                states,
                scope,
                last_progress: std::sync::Mutex::new(None),
            }),
        }
    }

    /// The JSON-RPC id of the request.
    pub fn request_id(&self) -> &RequestId {
        &self.inner.request_id
    }

    /// The request's `_meta`, if it had one.
    pub fn meta(&self) -> Option<&Meta> {
        self.inner.meta.as_ref()
    }

    /// The protocol version in force for this request.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.facts.protocol_version
    }

    /// The client's name and version, when it said.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.inner.facts.client_info.as_ref()
    }

    /// The capabilities the client declared (`{}` when none).
    pub fn client_capabilities(&self) -> &serde_json::Value {
        &self.inner.facts.client_capabilities
    }

    /// The token that trips when the client cancels the request or goes away.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    /// True once the request was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Resolves when the request is cancelled.
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await
    }

    /// The shared state of type `T` given to the server, if any.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.inner.states.get::<T>()
    }

    /// Values the transport attached to the request (for HTTP: the request's
    /// `http::request::Parts`, with its headers).
    pub fn extensions(&self) -> &http::Extensions {
        &self.inner.scope.extensions
    }

    /// The `progressToken` of the request's `_meta`, if the client asked for progress.
    pub fn progress_token(&self) -> Option<&Value> {
        self.meta()?.get("progressToken")
    }

    /// Reports progress (`notifications/progress`) when the client asked for it with a
    /// `progressToken`; otherwise does nothing. `progress` must increase from one call to
    /// the next: a value not above the last one sent is skipped.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Process items one by one.
    /// #[tool]
    /// async fn process(items: Vec<String>, ctx: Context) -> usize {
    ///     for (i, _item) in items.iter().enumerate() {
    ///         ctx.progress(i as f64 + 1.0, Some(items.len() as f64), None).await;
    ///     }
    ///     items.len()
    /// }
    /// ```
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = self.progress_token().cloned() else {
            return;
        };
        {
            let mut last = self
                .inner
                .last_progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|l| progress <= l) || !progress.is_finite() {
                tracing::debug!(progress, "progress skipped: it must increase");
                return;
            }
            *last = Some(progress);
        }
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if let Some(message) = message {
            params["message"] = json!(message);
        }
        self.notify("notifications/progress", params).await;
    }

    /// Sends a notification related to this request. Returns false when it cannot be
    /// delivered (no channel, or the client is gone).
    pub(crate) async fn notify(&self, method: &str, params: Value) -> bool {
        let Some(outbound) = &self.inner.scope.outbound else {
            return false;
        };
        let params = match params {
            Value::Object(map) => Some(map),
            _ => None,
        };
        let message = Message::Notification(Notification {
            method: method.to_owned(),
            params,
        });
        outbound.send(Outgoing::One(message)).await
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.inner.request_id)
            .field("protocol_version", &self.inner.facts.protocol_version)
            .finish_non_exhaustive()
    }
}

/// Application state shared by all handlers, given to the server with
/// [`ServerBuilder::state`](crate::ServerBuilder::state).
///
/// ```
/// use mcp_runtime::prelude::*;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Counter(AtomicU64);
///
/// /// Count calls.
/// #[tool]
/// fn bump(counter: State<Counter>) -> u64 {
///     counter.0.fetch_add(1, Ordering::Relaxed) + 1
/// }
///
/// let server = Server::builder().tool(bump).state(Counter::default()).build();
/// assert!(server.is_ok());
/// ```
pub struct State<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The states given to a server, by type.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.0.insert(TypeId::of::<T>(), value);
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.0.contains_key(&id)
    }

    fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        let any = self.0.get(&TypeId::of::<T>())?.clone();
        any.downcast::<T>().ok().map(State)
    }
}

/// Something a handler needs from the server before it can run (checked when the server is built).
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    pub(crate) state: TypeId,
    pub(crate) state_name: &'static str,
}

/// Why an extractor could not produce its value.
#[derive(Debug, Clone)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handler parameter filled from the request rather than from the client's arguments.
///
/// [`Context`] and [`State<T>`] implement it; implement it for your own types to inject them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a handler",
    label = "not an extractor",
    note = "extractors are `Context`, `State<T>` and types that implement `mcp_runtime::FromContext`"
)]
pub trait FromContext: Sized {
    /// Builds the value for one request.
    fn from_context(ctx: &Context) -> Result<Self, Rejection>;

    /// What the server must have for this extractor to work (checked at build time).
    fn requirement() -> Option<Requirement> {
        None
    }
}

impl FromContext for Context {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        Ok(ctx.clone())
    }
}

impl<T: Send + Sync + 'static> FromContext for State<T> {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        ctx.state::<T>().ok_or_else(|| {
            Rejection(format!(
                "no state of type `{}` was given to the server",
                type_name::<T>()
            ))
        })
    }

    fn requirement() -> Option<Requirement> {
        Some(Requirement {
            state: TypeId::of::<T>(),
            state_name: type_name::<T>(),
        })
    }
}
