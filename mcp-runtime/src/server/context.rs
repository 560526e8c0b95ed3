//! What a handler can know about the request it serves, and the extractors that read it.

use crate::protocol::{Implementation, Meta, ProtocolVersion, RequestId};
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
    extensions: http::Extensions,
}

impl Context {
    pub(crate) fn new(
        request_id: RequestId,
        meta: Option<Meta>,
        facts: RequestFacts,
        cancel: CancellationToken,
        states: Arc<StateMap>,
        extensions: http::Extensions,
    ) -> Self {
        Context {
            inner: Arc::new(ContextInner {
                request_id,
                meta,
                facts,
                cancel,
                states,
                extensions,
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

    /// Values the transport attached to the request (for HTTP: the caller's identity, headers).
    pub fn extensions(&self) -> &http::Extensions {
        &self.inner.extensions
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
