//! Requests a handler sends to the client while it runs: sampling, elicitation, roots.

use super::Context;
use super::form;
use crate::protocol::{
    Cancelled, CancelledParams, CreateMessage, CreateMessageRequest, CreateMessageResult, Elicit,
    ElicitAction, ElicitFormParams, ElicitParams, ElicitResult, ElicitUrlParams,
    ElicitationCapability, ErrorObject, FormMode, ListRoots, Message, Method, ProtocolVersion,
    Request, RequestId, RequestParams, Root, UrlMode, decode,
};
use crate::server::mrtr::Asked;
use crate::server::tasks::Task;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

impl Context {
    /// True when the client declared the top-level capability `name` (`sampling`, ...).
    pub fn client_supports(&self, name: &str) -> bool {
        self.client_capabilities().declares(name)
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
        self.require("sampling").await?;
        self.request::<CreateMessage>(request).await
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
        let schema = form::form_schema::<T>().map_err(ClientRequestError::InvalidForm)?;
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
        self.require("elicitation").await?;
        if !self.elicitation().is_some_and(ElicitationCapability::form) {
            return Err(ClientRequestError::Unsupported("elicitation (form mode)"));
        }
        // The mode is named from 2025-11-25 on; before, form mode was the only one.
        let mode =
            (self.protocol_version() >= ProtocolVersion::V2025_11_25).then_some(FormMode::Form);
        let params = ElicitParams::Form(ElicitFormParams {
            mode,
            message: message.to_owned(),
            requested_schema: schema,
            meta: None,
        });
        self.request::<Elicit>(params).await
    }

    /// URL-mode elicitation: asks the user to open `url` (for a sign-in or a payment that
    /// must not pass through the client). Returns whether the user agreed to open it.
    pub async fn elicit_url(
        &self,
        message: &str,
        url: &str,
        elicitation_id: &str,
    ) -> Result<ElicitAction, ClientRequestError> {
        self.require("elicitation").await?;
        if !self.elicitation().is_some_and(ElicitationCapability::url) {
            return Err(ClientRequestError::Unsupported("elicitation (URL mode)"));
        }
        if self.protocol_version().is_modern() {
            // 2026-07-28 has no elicitationId: the retry itself says the user is back.
            let params = serde_json::json!({ "mode": "url", "message": message, "url": url });
            let answer = self.request_client(Elicit::NAME, params).await?;
            return serde_json::from_value::<ElicitResult>(answer)
                .map(|r| r.action)
                .map_err(|e| {
                    ClientRequestError::Malformed(format!(
                        "the client's answer to {} is malformed: {e}",
                        Elicit::NAME
                    ))
                });
        }
        let params = ElicitParams::Url(ElicitUrlParams {
            mode: UrlMode::Url,
            message: message.to_owned(),
            url: url.to_owned(),
            elicitation_id: elicitation_id.to_owned(),
            meta: None,
        });
        self.request::<Elicit>(params).await.map(|r| r.action)
    }

    /// The client's roots (`roots/list`).
    pub async fn list_roots(&self) -> Result<Vec<Root>, ClientRequestError> {
        self.require("roots").await?;
        let result = self.request::<ListRoots>(RequestParams::default()).await?;
        Ok(result.roots)
    }

    fn elicitation(&self) -> Option<&ElicitationCapability> {
        self.client_capabilities().elicitation.as_ref()
    }

    /// The client declared `capability`. In a multi-round request of MCP 2026-07-28 a
    /// missing one ends the call with -32021 (the spec's answer), never returning here.
    async fn require(&self, capability: &'static str) -> Result<(), ClientRequestError> {
        if self.client_supports(capability) {
            return Ok(());
        }
        // A task has answered its request: the handler is told, as a legacy one is.
        if let Some(round) = self.inner.round.as_ref().filter(|_| self.task().is_none()) {
            round.need(capability);
            std::future::pending::<()>().await;
        }
        Err(ClientRequestError::Unsupported(capability))
    }

    /// Sends a request of `M` to the client and waits for its answer, as
    /// [`Context::request_client`] does. It checks no capability: see
    /// [`Context::client_supports`].
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::protocol::{ListRoots, RequestParams};
    ///
    /// /// How many roots the client shows.
    /// #[tool]
    /// async fn count_roots(ctx: Context) -> Result<usize, ClientRequestError> {
    ///     let roots = ctx.request::<ListRoots>(RequestParams::default()).await?;
    ///     Ok(roots.roots.len())
    /// }
    /// ```
    pub async fn request<M: Method>(
        &self,
        params: M::Params,
    ) -> Result<M::Result, ClientRequestError> {
        let answer = self
            .send_to_client(|id| Request::of::<M>(id, &params))
            .await?;
        match decode(answer.get()) {
            Ok(result) => Ok(result),
            Err(e) => {
                let message = format!("the client's answer to {} is malformed: {e}", M::NAME);
                // 2026-07-28: an inputResponses entry that does not parse is invalid
                // params of the retry, not something for the handler to cope with.
                if let Some(round) = self.inner.round.as_ref().filter(|_| self.task().is_none()) {
                    round.reject(format!("Invalid params: inputResponses: {message}"));
                    std::future::pending::<()>().await;
                }
                Err(ClientRequestError::Malformed(message))
            }
        }
    }

    /// Sends a request to the client and waits for its answer, at most the server's
    /// `client_request_timeout`; on timeout or cancellation the client is told to stop.
    /// For the methods of MCP, [`Context::request`] is typed.
    pub async fn request_client(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientRequestError> {
        let params = match &params {
            Value::Object(map) => Some(map),
            _ => None,
        };
        let answer = self
            .send_to_client(|id| Ok(Request::new(id, method, params)))
            .await?;
        serde_json::from_str(answer.get()).map_err(|e| {
            ClientRequestError::Malformed(format!(
                "the client's answer to {method} is malformed: {e}"
            ))
        })
    }

    /// Sends the request `make` writes with a fresh id, and waits for its answer.
    async fn send_to_client(
        &self,
        make: impl FnOnce(RequestId) -> serde_json::Result<Request>,
    ) -> Result<Box<RawValue>, ClientRequestError> {
        if let Some(task) = self.task() {
            return self.ask_in_task(task, make).await;
        }
        if self.protocol_version().is_modern() {
            return self.ask_in_round(make).await;
        }
        let session = &self.inner.session;
        if !session.accepts_responses {
            return Err(ClientRequestError::NoSession);
        }
        let Some(outbound) = &self.inner.scope.outbound else {
            return Err(ClientRequestError::NoSession);
        };
        let (id, rx) = session.expect_response();
        let request = match make(id.clone()) {
            Ok(request) => request,
            Err(e) => {
                session.forget(&id);
                return Err(ClientRequestError::Malformed(format!(
                    "the request could not be written: {e}"
                )));
            }
        };
        if !outbound.send(Message::Request(request)).await {
            session.forget(&id);
            return Err(ClientRequestError::Closed);
        }
        let timeout = self.inner.client_timeout;
        let failure = tokio::select! {
            answer = rx => return match answer {
                Ok(Ok(raw)) => Ok(raw),
                Ok(Err(error)) => Err(ClientRequestError::Rpc(error)),
                Err(_) => Err(ClientRequestError::Closed),
            },
            () = tokio::time::sleep(timeout) => ClientRequestError::Timeout(timeout),
            () = self.cancelled() => ClientRequestError::Cancelled,
        };
        session.forget(&id);
        self.notify::<Cancelled>(CancelledParams {
            request_id: Some(id),
            reason: Some(failure.to_string()),
            meta: None,
        })
        .await;
        Err(failure)
    }
}

/// A question to the client as its method and params (no id: it travels in a result).
fn question(
    make: impl FnOnce(RequestId) -> serde_json::Result<Request>,
) -> Result<(String, Value), ClientRequestError> {
    let malformed = |e: serde_json::Error| {
        ClientRequestError::Malformed(format!("the request could not be written: {e}"))
    };
    let request = make(RequestId::Number(0)).map_err(malformed)?;
    let params = match request.params {
        Some(raw) => serde_json::from_str(raw.get()).map_err(malformed)?,
        None => Value::Object(Map::new()),
    };
    Ok((request.method, params))
}

impl Context {
    /// A question of a modern request: answered from the retry when the client answered
    /// it, else the call ends here with an `InputRequiredResult` that asks it.
    async fn ask_in_round(
        &self,
        make: impl FnOnce(RequestId) -> serde_json::Result<Request>,
    ) -> Result<Box<RawValue>, ClientRequestError> {
        let Some(round) = &self.inner.round else {
            return Err(ClientRequestError::NotHere);
        };
        let (method, params) = question(make)?;
        match round.ask(self.input_key.as_deref(), &method, params) {
            // An answer is a result (`InputResponse`): one that does not parse as what was
            // asked is invalid params of the retry (see `request`).
            Asked::Answer(answer) => Ok(answer),
            Asked::Pending => std::future::pending().await,
        }
    }

    /// A question of a task: it shows in `tasks/get` (`input_required`) until the client
    /// answers it with `tasks/update`. The wait ends with the task (cancelled, expired).
    async fn ask_in_task(
        &self,
        task: &Arc<Task>,
        make: impl FnOnce(RequestId) -> serde_json::Result<Request>,
    ) -> Result<Box<RawValue>, ClientRequestError> {
        let (method, params) = question(make)?;
        let request = serde_json::json!({ "method": method, "params": params });
        let Some(rx) = task.ask(self.input_key.as_deref(), request) else {
            return Err(ClientRequestError::Cancelled);
        };
        // Withdrawn from `tasks/get` when this wait is dropped unanswered.
        let _withdraw = Withdraw(task);
        let answer = tokio::select! {
            answer = rx => answer.map_err(|_| ClientRequestError::Cancelled)?,
            () = self.cancelled() => return Err(ClientRequestError::Cancelled),
        };
        serde_json::value::to_raw_value(&answer).map_err(|e| {
            ClientRequestError::Malformed(format!("the client's answer is malformed: {e}"))
        })
    }
}

/// Withdraws the question of a task whose wait ends without its answer.
struct Withdraw<'a>(&'a Task);

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.0.withdraw_unanswered();
    }
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
    /// The client cannot be asked during this request: in MCP 2026-07-28 only
    /// `tools/call`, `prompts/get` and `resources/read` may ask it something.
    #[error(
        "the client cannot be asked anything during this request: only tools/call, prompts/get and resources/read may ask (MCP 2026-07-28)"
    )]
    NotHere,
    /// The call was cancelled while waiting.
    #[error("cancelled while waiting for the client")]
    Cancelled,
    /// The connection closed.
    #[error("the client went away")]
    Closed,
    /// The answer does not fit the request (or the request could not be written).
    #[error("{0}")]
    Malformed(String),
    /// The form type cannot be shown as a form.
    #[error("invalid form: {0}")]
    InvalidForm(String),
}
