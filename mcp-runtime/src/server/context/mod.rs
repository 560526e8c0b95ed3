//! What a handler knows about the request it serves ([`Context`]), the extractors that
//! read it, and the requests it can send to the client.

mod client;
mod extract;
mod form;

pub use client::{ClientRequestError, Elicitation};
pub(crate) use extract::StateMap;
pub use extract::{FromContext, Rejection, Requirement, State};

use super::facts::RequestFacts;
use super::mrtr::Round;
use super::scope::RequestScope;
use super::session::Session;
use super::tasks::{Task, TaskSlot};
use crate::protocol::{
    ClientCapabilities, Implementation, LoggingLevel, LoggingMessage, LoggingMessageParams,
    Message, Meta, Notification, NotificationMethod, Progress, ProgressParams, ProgressToken,
    ProtocolVersion, RequestId,
};
use serde::{Deserialize as _, Serialize};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
    /// The key the next question to the client goes by in a multi-round request
    /// ([`Context::input`]).
    input_key: Option<Arc<str>>,
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
    /// A multi-round request of the modern era: questions to the client end the call
    /// with an `InputRequiredResult`, and a retry's answers come from here.
    round: Option<Arc<Round>>,
    /// A call that may become a task (the tasks extension of 2026-07-28): once it is one,
    /// questions to the client wait for `tasks/update`, and nothing is sent on the
    /// request's stream (its answer has gone).
    task: Option<Arc<TaskSlot>>,
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
        round: Option<Arc<Round>>,
        task: Option<Arc<TaskSlot>>,
    ) -> Self {
        // A call that may outlive its request is cancelled as a task is, not as the
        // request is (the request ends when the task handle is sent).
        let cancel = match &task {
            Some(slot) => slot.cancel.clone(),
            None => cancel,
        };
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
                round,
                task,
            }),
            input_key: None,
        }
    }

    /// This context, with the questions asked through it (`elicit`, `sample`,
    /// `list_roots`) going by `key` in a multi-round request of MCP 2026-07-28: the key of
    /// the question in the result's `inputRequests`, and of its answer in the retry's
    /// `inputResponses`. Without a key, questions are numbered in the order they are
    /// asked. Over the 2025 revisions the key is not needed and not used.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Name {
    ///     name: String,
    /// }
    ///
    /// /// Greet the user by name.
    /// #[tool]
    /// async fn greet(ctx: Context) -> Result<String, ClientRequestError> {
    ///     Ok(match ctx.input("user_name").elicit::<Name>("What is your name?").await? {
    ///         Elicitation::Accept(n) => format!("Hello, {}!", n.name),
    ///         _ => "Hello!".into(),
    ///     })
    /// }
    /// ```
    pub fn input(&self, key: impl Into<String>) -> Context {
        Context {
            inner: self.inner.clone(),
            input_key: Some(Arc::from(key.into())),
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

    /// The capabilities the client declared (none by default).
    pub fn client_capabilities(&self) -> &ClientCapabilities {
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
        self.inner.scope.carrier.as_deref()?.downcast_ref()
    }

    /// The authenticated caller, when the transport authenticated the request (Streamable
    /// HTTP with authentication on); `None` over stdio and without authentication.
    pub fn caller(&self) -> Option<&super::Caller> {
        self.inner.scope.extensions.get::<super::Caller>()
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
        let Some(token) = self.progress_token() else {
            return;
        };
        let Ok(progress_token) = ProgressToken::deserialize(token) else {
            tracing::debug!(%token, "progress skipped: the progressToken is not a string or an integer");
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
        self.notify::<Progress>(ProgressParams {
            progress_token,
            progress,
            total,
            message,
            meta: None,
        })
        .await;
    }

    /// Sends a log message (`notifications/message`) to the client, if it asked for this
    /// level or a less severe one (`logging/setLevel`; `info` when it did not say). A
    /// request of MCP 2026-07-28 gets log messages only when its `_meta` names a level.
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
        // 2026-07-28: no log messages at all unless the request named a level.
        let facts = &self.inner.facts;
        let least = match facts.log_level {
            Some(least) => least,
            None if facts.protocol_version.is_modern() => return,
            None => LoggingLevel::Info,
        };
        if level < least {
            return;
        }
        self.notify::<LoggingMessage>(LoggingMessageParams {
            level,
            logger: logger.map(str::to_owned),
            data: serde_json::to_value(data).unwrap_or(Value::Null),
            meta: None,
        })
        .await;
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

    /// Over Streamable HTTP, closes the connection carrying this call's SSE stream while
    /// the call goes on; the client reconnects with `Last-Event-ID` and receives the rest
    /// (SEP-1699 polling: long calls need no long-lived connection). Elsewhere, does nothing.
    pub async fn close_sse_stream(&self) {
        if let Some(outbound) = &self.inner.scope.outbound {
            outbound.release_connection().await;
        }
    }

    /// Goes on as a task from here, when the call may (a `#[tool(task)]` tool called by a
    /// client that declared the tasks extension of MCP 2026-07-28): the client gets the
    /// task's handle now, and the rest of the handler runs in the background; its
    /// questions to the client (`elicit`, `sample`, `list_roots`) wait for answers through
    /// `tasks/update`. Questions asked before this point are multi-round questions of
    /// the call itself. Returns whether the call runs as a task; otherwise (another
    /// client, another era, a full task store) it goes on in the call, and this returns
    /// at once.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm {
    ///     confirm: bool,
    /// }
    ///
    /// /// Rebuild the index, once the user agrees.
    /// #[tool(task)]
    /// async fn rebuild(ctx: Context) -> Result<String, ClientRequestError> {
    ///     let Elicitation::Accept(Confirm { confirm: true }) = ctx.elicit("Rebuild?").await? else {
    ///         return Ok("left as it is".into());
    ///     };
    ///     ctx.continue_as_task().await;
    ///     // ... the long part ...
    ///     Ok("rebuilt".into())
    /// }
    /// ```
    pub async fn continue_as_task(&self) -> bool {
        let Some(slot) = &self.inner.task else {
            return false;
        };
        if slot.task.get().is_none() {
            slot.requested
                .store(true, std::sync::atomic::Ordering::Relaxed);
            // One wait: the call's first part ends here and the task is made.
            tokio::task::yield_now().await;
        }
        slot.task.get().is_some()
    }

    /// The task this call became, if it did.
    pub(crate) fn task(&self) -> Option<&Arc<Task>> {
        self.inner.task.as_ref()?.task.get()
    }

    /// Sends a notification of `N` related to this request. Returns false when it cannot
    /// be delivered (no channel, the client is gone, or the call became a task: tasks get
    /// no progress or log messages).
    pub(crate) async fn notify<N: NotificationMethod>(&self, params: N::Params) -> bool {
        let Some(outbound) = &self.inner.scope.outbound else {
            return false;
        };
        if self.task().is_some() {
            tracing::debug!(
                method = N::NAME,
                "notification not sent: the call runs as a task"
            );
            return false;
        }
        match Notification::of::<N>(&params) {
            Ok(notification) => outbound.send(Message::Notification(notification)).await,
            Err(e) => {
                tracing::warn!(method = N::NAME, error = %e, "notification not sent: it could not be written");
                false
            }
        }
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
