//! Requests a handler sends to the client while it runs: sampling, elicitation, roots.

use super::Context;
use super::form;
use crate::protocol::{
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, ErrorObject, Message,
    ProtocolVersion, Request, Root,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::time::Duration;

impl Context {
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
        if !outbound.send(request).await {
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
