//! What a handler can know about the request it serves, and the extractors that read it.

use super::session::Session;
use crate::protocol::{
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, ErrorObject,
    Implementation, LoggingLevel, Message, Meta, Notification, ProtocolVersion, Request, RequestId,
    Root,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
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
    /// The least severe log level the client wants (`logging/setLevel`); `None`: not set.
    pub log_level: Option<LoggingLevel>,
}

impl Default for RequestFacts {
    fn default() -> Self {
        RequestFacts {
            protocol_version: ProtocolVersion::LATEST,
            client_info: None,
            client_capabilities: serde_json::Value::Object(Default::default()),
            log_level: None,
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
    facts: Arc<RequestFacts>,
    cancel: CancellationToken,
    states: Arc<StateMap>,
    scope: RequestScope,
    session: Arc<Session>,
    client_timeout: Duration,
    /// Last progress value sent (progress must increase).
    last_progress: std::sync::Mutex<Option<f64>>,
}

/// What a transport hands the server core with each request: what it knows of the caller,
/// and where messages related to the request go while it runs.
#[derive(Default, Clone)]
pub struct RequestScope {
    /// The HTTP request that carried the call (method, URI, headers), over HTTP (boxed:
    /// the scope moves through the call's futures).
    pub http_request: Option<Box<http::request::Parts>>,
    /// Other values the transport attached (later: the caller's identity).
    pub extensions: http::Extensions,
    /// Where notifications and requests sent during the call travel (the call's SSE
    /// stream over HTTP, stdout over stdio). `None`: nothing can be sent.
    pub outbound: Option<Outbound>,
}

/// What a transport writes to its client, in order.
#[derive(Debug)]
pub enum Outgoing {
    /// One message (boxed: the queue's slots stay small, and a queue is made per HTTP
    /// request).
    One(Box<Message>),
    /// The responses to a JSON-RPC batch, written as one array.
    Batch(Vec<Message>),
    /// Close the connection that carries this request's stream, keeping the stream:
    /// the client reconnects and resumes (HTTP only; other transports ignore it).
    CloseStream,
}

/// The sending side of a transport's bounded queue of outgoing messages.
#[derive(Clone, Debug)]
pub struct Outbound(Sink);

#[derive(Clone, Debug)]
enum Sink {
    Queue(mpsc::Sender<Outgoing>),
    /// Made when the first message is sent: most HTTP requests send none and are answered
    /// with plain JSON, so they need no queue.
    Deferred(Arc<DeferredQueue>),
}

#[derive(Debug)]
struct DeferredQueue {
    capacity: usize,
    tx: OnceLock<mpsc::Sender<Outgoing>>,
    /// The receiving side, from the first message until the transport takes it.
    rx: std::sync::Mutex<Option<mpsc::Receiver<Outgoing>>>,
    /// The transport no longer listens: a queue made now is closed at once.
    closed: AtomicBool,
    opened: Notify,
}

impl DeferredQueue {
    fn sender(&self) -> &mpsc::Sender<Outgoing> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(self.capacity);
            let mut slot = self.rx.lock().unwrap_or_else(PoisonError::into_inner);
            if !self.closed.load(Ordering::Acquire) {
                *slot = Some(rx);
            }
            drop(slot);
            self.opened.notify_one();
            tx
        })
    }

    fn take(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.tx.get()?;
        self.rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// The transport's side of [`Outbound::deferred`]: the queue's receiver, once the first
/// message made the queue.
#[derive(Debug)]
pub struct DeferredReceiver(Arc<DeferredQueue>);

impl DeferredReceiver {
    /// The receiver, if a message was sent (taken: later calls return `None`).
    pub fn try_take(&self) -> Option<mpsc::Receiver<Outgoing>> {
        self.0.take()
    }

    /// Waits for the first message to be sent, then returns the receiver. Resolves once.
    pub async fn opened(&self) -> mpsc::Receiver<Outgoing> {
        loop {
            let notified = self.0.opened.notified();
            if let Some(rx) = self.0.take() {
                return rx;
            }
            notified.await;
        }
    }
}

impl Drop for DeferredReceiver {
    fn drop(&mut self) {
        // Senders must see the transport gone, not a queue that nobody reads.
        self.0.closed.store(true, Ordering::Release);
        self.0
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Outbound {
    /// A queue of `capacity` messages; senders wait while it is full.
    pub fn channel(capacity: usize) -> (Outbound, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Outbound(Sink::Queue(tx)), rx)
    }

    /// A queue of `capacity` messages made only when the first message is sent; the
    /// transport learns of it through the [`DeferredReceiver`].
    pub fn deferred(capacity: usize) -> (Outbound, DeferredReceiver) {
        let queue = Arc::new(DeferredQueue {
            capacity,
            tx: OnceLock::new(),
            rx: std::sync::Mutex::new(None),
            closed: AtomicBool::new(false),
            opened: Notify::new(),
        });
        (
            Outbound(Sink::Deferred(queue.clone())),
            DeferredReceiver(queue),
        )
    }

    fn sender(&self) -> &mpsc::Sender<Outgoing> {
        match &self.0 {
            Sink::Queue(tx) => tx,
            Sink::Deferred(queue) => queue.sender(),
        }
    }

    /// Queues a message; false when the transport is gone.
    pub async fn send(&self, outgoing: Outgoing) -> bool {
        self.sender().send(outgoing).await.is_ok()
    }

    /// Queues a message without waiting; false when the queue is full or gone (the
    /// message is then not delivered, and a warning is logged).
    pub fn try_send(&self, outgoing: Outgoing) -> bool {
        match self.sender().try_send(outgoing) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "session message not delivered: the client does not keep up");
                false
            }
        }
    }
}

impl Context {
    // Built in one place (dispatch), from parts that have no better grouping.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        request_id: RequestId,
        meta: Option<Meta>,
        facts: Arc<RequestFacts>,
        cancel: CancellationToken,
        states: Arc<StateMap>,
        scope: RequestScope,
        session: Arc<Session>,
        client_timeout: Duration,
    ) -> Self {
        Context {
            inner: Arc::new(ContextInner {
                request_id,
                meta,
                facts,
                cancel,
                states,
                scope,
                session,
                client_timeout,
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

    /// The HTTP request that carried this call (method, URI, version, headers); `None`
    /// over stdio and in memory.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Which client program is calling.
    /// #[tool]
    /// fn user_agent(ctx: Context) -> String {
    ///     ctx.http_request()
    ///         .and_then(|request| request.headers.get("user-agent"))
    ///         .and_then(|value| value.to_str().ok())
    ///         .unwrap_or("unknown")
    ///         .to_owned()
    /// }
    /// ```
    pub fn http_request(&self) -> Option<&http::request::Parts> {
        self.inner.scope.http_request.as_deref()
    }

    /// Other values the transport attached to the request.
    pub fn extensions(&self) -> &http::Extensions {
        &self.inner.scope.extensions
    }

    /// The `progressToken` of the request's `_meta`, if the client asked for progress.
    pub fn progress_token(&self) -> Option<&Value> {
        self.meta()?.get("progressToken")
    }

    /// Reports progress (`notifications/progress`) when the client asked for it with a
    /// `progressToken`; otherwise does nothing. `progress` must increase from one call to
    /// the next: a value not above the last one sent is skipped. With a message, use
    /// [`Context::progress_with_message`].
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Process items one by one.
    /// #[tool]
    /// async fn process(items: Vec<String>, ctx: Context) -> usize {
    ///     for (i, item) in items.iter().enumerate() {
    ///         ctx.progress(i as f64 + 1.0, Some(items.len() as f64)).await;
    ///         ctx.progress_with_message(i as f64 + 1.5, None, format!("done: {item}")).await;
    ///     }
    ///     items.len()
    /// }
    /// ```
    pub async fn progress(&self, progress: f64, total: Option<f64>) {
        self.send_progress(progress, total, None).await
    }

    /// Like [`Context::progress`], with a message for the user, formatted like the
    /// messages of [`Context::info`].
    pub async fn progress_with_message(
        &self,
        progress: f64,
        total: Option<f64>,
        message: impl std::fmt::Display,
    ) {
        self.send_progress(progress, total, Some(message.to_string()))
            .await
    }

    async fn send_progress(&self, progress: f64, total: Option<f64>, message: Option<String>) {
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

    /// Sends a log message (`notifications/message`) to the client, if it asked for this
    /// level or a less severe one (`logging/setLevel`; `info` when it did not say).
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Do something, and say so.
    /// #[tool]
    /// async fn work(ctx: Context) -> &'static str {
    ///     ctx.info("starting").await;
    ///     ctx.log(LoggingLevel::Debug, serde_json::json!({"step": 1})).await;
    ///     "done"
    /// }
    /// ```
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) {
        self.log_as(level, None, data).await
    }

    /// Like [`Context::log`], naming the logger.
    pub async fn log_as(&self, level: LoggingLevel, logger: Option<&str>, data: impl Serialize) {
        if level < self.inner.facts.log_level.unwrap_or(LoggingLevel::Info) {
            return;
        }
        let mut params =
            json!({ "level": level, "data": serde_json::to_value(data).unwrap_or(Value::Null) });
        if let Some(logger) = logger {
            params["logger"] = json!(logger);
        }
        self.notify("notifications/message", params).await;
    }

    /// Logs at `debug`.
    pub async fn debug(&self, message: impl std::fmt::Display) {
        self.log(LoggingLevel::Debug, message.to_string()).await
    }

    /// Logs at `info`.
    pub async fn info(&self, message: impl std::fmt::Display) {
        self.log(LoggingLevel::Info, message.to_string()).await
    }

    /// Logs at `notice`.
    pub async fn notice(&self, message: impl std::fmt::Display) {
        self.log(LoggingLevel::Notice, message.to_string()).await
    }

    /// Logs at `warning`.
    pub async fn warning(&self, message: impl std::fmt::Display) {
        self.log(LoggingLevel::Warning, message.to_string()).await
    }

    /// Logs at `error`.
    pub async fn error(&self, message: impl std::fmt::Display) {
        self.log(LoggingLevel::Error, message.to_string()).await
    }

    /// True when the client declared the top-level capability `name` (`sampling`, ...).
    pub fn client_supports(&self, name: &str) -> bool {
        self.client_capabilities()
            .get(name)
            .is_some_and(|v| !v.is_null())
    }

    /// Asks the client's model for a completion (`sampling/createMessage`).
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::protocol::{CreateMessageRequest, SamplingMessage};
    ///
    /// /// Summarize a text with the client's model.
    /// #[tool]
    /// async fn summarize(text: String, ctx: Context) -> Result<String, ClientRequestError> {
    ///     let answer = ctx
    ///         .sample(CreateMessageRequest {
    ///             messages: vec![SamplingMessage::user(format!("Summarize:\n{text}"))],
    ///             max_tokens: 200,
    ///             ..Default::default()
    ///         })
    ///         .await?;
    ///     Ok(answer.content.as_text().unwrap_or_default().to_owned())
    /// }
    /// ```
    pub async fn sample(
        &self,
        request: CreateMessageRequest,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        self.require("sampling")?;
        let value = self
            .request_client("sampling/createMessage", to_params(&request))
            .await?;
        decode("sampling/createMessage", value)
    }

    /// Asks the user to fill in a form (`elicitation/create`, form mode) whose fields are
    /// those of `T`: a flat struct of strings, numbers, booleans and enums (or lists of
    /// enums). `Option` fields are not required; schemars attributes set titles,
    /// descriptions and defaults.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Booking {
    ///     /// How many people.
    ///     guests: u32,
    ///     /// Any dietary needs.
    ///     notes: Option<String>,
    /// }
    ///
    /// /// Book a table, asking the user for the details.
    /// #[tool]
    /// async fn book(ctx: Context) -> Result<String, ClientRequestError> {
    ///     Ok(match ctx.elicit::<Booking>("Your booking?").await? {
    ///         Elicitation::Accept(b) => format!("booked for {}", b.guests),
    ///         Elicitation::Decline | Elicitation::Cancel => "no booking".into(),
    ///     })
    /// }
    /// ```
    pub async fn elicit<T: DeserializeOwned + schemars::JsonSchema>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, ClientRequestError> {
        let schema = super::elicit::form_schema::<T>().map_err(ClientRequestError::InvalidForm)?;
        let result = self.elicit_with_schema(message, schema).await?;
        match result.action {
            ElicitAction::Accept => {
                let content = Value::Object(result.content.unwrap_or_default());
                serde_json::from_value(content)
                    .map(Elicitation::Accept)
                    .map_err(|e| {
                        ClientRequestError::Malformed(format!(
                            "the submitted form does not fit: {e}"
                        ))
                    })
            }
            ElicitAction::Decline => Ok(Elicitation::Decline),
            ElicitAction::Cancel => Ok(Elicitation::Cancel),
        }
    }

    /// Form-mode elicitation with a schema written by hand (flat object of primitives).
    pub async fn elicit_with_schema(
        &self,
        message: &str,
        schema: Map<String, Value>,
    ) -> Result<ElicitResult, ClientRequestError> {
        self.require("elicitation")?;
        let caps = self.client_capabilities().get("elicitation");
        let form_ok = caps.is_some_and(|c| c.get("form").is_some() || c.get("url").is_none());
        if !form_ok {
            return Err(ClientRequestError::Unsupported("elicitation (form mode)"));
        }
        let mut params = json!({ "message": message, "requestedSchema": schema });
        if self.protocol_version() >= ProtocolVersion::V2025_11_25 {
            params["mode"] = json!("form");
        }
        let value = self.request_client("elicitation/create", params).await?;
        decode("elicitation/create", value)
    }

    /// URL-mode elicitation: asks the user to open `url` (for a sign-in or a payment that
    /// must not pass through the client). Returns whether the user agreed to open it.
    pub async fn elicit_url(
        &self,
        message: &str,
        url: &str,
        elicitation_id: &str,
    ) -> Result<ElicitAction, ClientRequestError> {
        self.require("elicitation")?;
        let url_ok = self
            .client_capabilities()
            .get("elicitation")
            .and_then(|c| c.get("url"))
            .is_some();
        if !url_ok {
            return Err(ClientRequestError::Unsupported("elicitation (URL mode)"));
        }
        let params = json!({ "mode": "url", "message": message, "url": url, "elicitationId": elicitation_id });
        let value = self.request_client("elicitation/create", params).await?;
        decode::<ElicitResult>("elicitation/create", value).map(|r| r.action)
    }

    /// The client's roots (`roots/list`).
    pub async fn list_roots(&self) -> Result<Vec<Root>, ClientRequestError> {
        self.require("roots")?;
        let mut value = self.request_client("roots/list", json!({})).await?;
        decode("roots/list", value["roots"].take())
    }

    fn require(&self, capability: &'static str) -> Result<(), ClientRequestError> {
        if self.client_supports(capability) {
            Ok(())
        } else {
            Err(ClientRequestError::Unsupported(capability))
        }
    }

    /// Sends a request to the client and waits for its answer, at most the server's
    /// `client_request_timeout`; on timeout or cancellation the client is told to stop.
    pub async fn request_client(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientRequestError> {
        let session = &self.inner.session;
        if !session.accepts_responses {
            return Err(ClientRequestError::NoSession);
        }
        let Some(outbound) = &self.inner.scope.outbound else {
            return Err(ClientRequestError::NoSession);
        };
        let (id, rx) = session.expect_response();
        let params = match &params {
            Value::Object(map) => Some(map),
            _ => None,
        };
        let request = Message::Request(Request::new(id.clone(), method, params));
        if !outbound.send(Outgoing::One(Box::new(request))).await {
            session.forget(&id);
            return Err(ClientRequestError::Closed);
        }
        let timeout = self.inner.client_timeout;
        let failure = tokio::select! {
            answer = rx => return match answer {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => Err(ClientRequestError::Rpc(error)),
                Err(_) => Err(ClientRequestError::Closed),
            },
            () = tokio::time::sleep(timeout) => ClientRequestError::Timeout(timeout),
            () = self.cancelled() => ClientRequestError::Cancelled,
        };
        session.forget(&id);
        let reason = failure.to_string();
        self.notify(
            "notifications/cancelled",
            json!({ "requestId": id, "reason": reason }),
        )
        .await;
        Err(failure)
    }

    /// Over Streamable HTTP, closes the connection carrying this call's SSE stream while
    /// the call goes on; the client reconnects with `Last-Event-ID` and receives the rest
    /// (SEP-1699 polling: long calls need no long-lived connection). Elsewhere, does nothing.
    pub async fn close_sse_stream(&self) {
        if let Some(outbound) = &self.inner.scope.outbound {
            outbound.send(Outgoing::CloseStream).await;
        }
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
        outbound.send(Outgoing::One(Box::new(message))).await
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

fn to_params<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn decode<T: DeserializeOwned>(method: &str, value: Value) -> Result<T, ClientRequestError> {
    serde_json::from_value(value).map_err(|e| {
        ClientRequestError::Malformed(format!("the client's answer to {method} is malformed: {e}"))
    })
}

/// What the user did with a typed form.
#[derive(Debug, Clone, PartialEq)]
pub enum Elicitation<T> {
    /// Submitted the form.
    Accept(T),
    /// Said no.
    Decline,
    /// Dismissed it.
    Cancel,
}

/// Why a request to the client (sampling, elicitation, roots) did not get an answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientRequestError {
    /// The client did not declare the capability.
    #[error("the client does not support {0}: it did not declare that capability")]
    Unsupported(&'static str),
    /// No session to carry the answer back (a stateless HTTP server).
    #[error(
        "the client cannot be asked anything here: the server runs without sessions (stateless)"
    )]
    NoSession,
    /// The client answered with an error.
    #[error("the client refused: {}", .0.message)]
    Rpc(ErrorObject),
    /// No answer in time.
    #[error("the client did not answer within {0:?}")]
    Timeout(Duration),
    /// The call was cancelled while waiting.
    #[error("cancelled while waiting for the client")]
    Cancelled,
    /// The connection closed.
    #[error("the client went away")]
    Closed,
    /// The answer does not fit the request.
    #[error("{0}")]
    Malformed(String),
    /// The form type cannot be shown as a form.
    #[error("invalid form: {0}")]
    InvalidForm(String),
}

/// Application state shared by all handlers, given to the server with
/// [`ServerBuilder::state`](crate::ServerBuilder::state).
///
/// ```
/// use mcp_runtime::prelude::*;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Counter {
///     calls: AtomicU64,
/// }
///
/// /// Count calls.
/// #[tool]
/// fn bump(counter: State<Counter>) -> u64 {
///     counter.calls.fetch_add(1, Ordering::Relaxed) + 1
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ping() -> Outgoing {
        Outgoing::One(Box::new(Message::Notification(
            crate::protocol::Notification {
                method: "ping".into(),
                params: None,
            },
        )))
    }

    #[tokio::test]
    async fn a_deferred_queue_exists_only_once_something_is_sent() {
        let (outbound, opened) = Outbound::deferred(4);
        assert!(opened.try_take().is_none(), "nothing sent, no queue");
        assert!(outbound.send(ping()).await);
        let mut rx = opened
            .try_take()
            .expect("the first message makes the queue");
        assert!(matches!(rx.try_recv(), Ok(Outgoing::One(_))));
        assert!(opened.try_take().is_none(), "the receiver is taken once");
        assert!(outbound.try_send(ping()));
        assert!(matches!(rx.try_recv(), Ok(Outgoing::One(_))));
    }

    #[tokio::test]
    async fn opened_waits_for_the_first_message() {
        let (outbound, opened) = Outbound::deferred(4);
        let sender = tokio::spawn(async move {
            tokio::task::yield_now().await;
            outbound.send(ping()).await
        });
        let mut rx = opened.opened().await;
        assert!(sender.await.unwrap());
        assert!(matches!(rx.recv().await, Some(Outgoing::One(_))));
    }

    #[tokio::test]
    async fn sending_fails_once_the_transport_stopped_listening() {
        let (outbound, opened) = Outbound::deferred(4);
        drop(opened);
        assert!(!outbound.send(ping()).await, "before the queue was made");
        let (outbound, opened) = Outbound::deferred(4);
        assert!(outbound.send(ping()).await);
        drop(opened);
        assert!(!outbound.send(ping()).await, "after the queue was made");
    }
}
