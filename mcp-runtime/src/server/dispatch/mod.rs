//! The protocol core: from one decoded payload of a session to what to send back. It owns
//! the rules that hold on every transport: the lifecycle (nothing but `ping` before
//! `initialize`), the batch rule of the session's protocol version, the requests in flight
//! and their cancellation, the end of a session. It does no I/O: transports decode bytes
//! into a [`Payload`], call [`Server::handle`], and write the [`Answer`] on their wire.

mod methods;
pub(crate) mod modern;

use super::Server;
use super::scope::RequestScope;
use super::session::{Admitted, EndReason, InFlight, Session};
use crate::protocol::{
    DecodeError, ErrorCode, ErrorObject, Initialize, Message, Method as _, Payload, Ping,
    ProtocolVersion, Request, Response,
};
use futures_util::FutureExt as _;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What the core answers to one payload.
#[derive(Debug)]
pub enum Answer {
    /// Nothing to send back: the payload held only notifications and responses (HTTP:
    /// 202 Accepted).
    Accepted,
    /// The response to the payload's one request.
    Response(Response),
    /// The request was cancelled by the client: JSON-RPC sends no response.
    Cancelled,
    /// The responses to a batch, in order (never empty).
    Batch(Vec<Response>),
    /// The payload is refused as a whole, before anything in it was handled: it is not
    /// JSON-RPC, or it is a batch the session's protocol version does not have (HTTP: 400).
    Refused(Response),
}

impl Server {
    /// True when `payload` starts a session: it is one `initialize` request. A transport
    /// with sessions of its own (Streamable HTTP) makes one for it.
    pub fn starts_session(&self, payload: &Payload) -> bool {
        matches!(payload, Payload::Single(Ok(Message::Request(r))) if is_initialize(r))
    }

    /// Handles one payload of `session`. What the payload does at once (notifications,
    /// responses to the server's requests, registering requests in flight) is done before
    /// this returns, in the order payloads are handed over; the returned future runs the
    /// requests and resolves to what to send back.
    pub fn handle(
        &self,
        session: &Arc<Session>,
        admitted: Admitted,
        payload: Payload,
        scope: RequestScope,
    ) -> impl Future<Output = Answer> + Send + 'static {
        let cancel = scope.cancel.as_ref();
        let work = match payload {
            Payload::Single(message) => match self.accept(session, message, cancel) {
                Accepted::Now(answer) => Work::Done(answer),
                Accepted::Run(call) => Work::One(call),
            },
            Payload::Batch(messages) => self.accept_batch(session, messages, cancel),
        };
        let (server, session) = (self.clone(), session.clone());
        async move {
            let answer = match work {
                Work::Done(answer) => answer,
                Work::One(call) => {
                    let modern = call.modern.is_some();
                    match server.run_call(&session, call, scope).await {
                        // A modern request that needs a capability the client lacks is
                        // refused (HTTP: 400), as a malformed one is.
                        Some(response)
                            if modern
                                && response.outcome.as_ref().is_err_and(|e| {
                                    e.code == ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
                                }) =>
                        {
                            Answer::Refused(response)
                        }
                        Some(response) => Answer::Response(response),
                        None => Answer::Cancelled,
                    }
                }
                Work::Batch(items) => {
                    let mut responses = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Item::Answered(response) => responses.push(response),
                            Item::Call(call) => responses
                                .extend(server.run_call(&session, call, scope.clone()).await),
                        }
                    }
                    if responses.is_empty() {
                        Answer::Accepted
                    } else {
                        Answer::Batch(responses)
                    }
                }
            };
            drop(admitted);
            answer
        }
    }

    /// One message: a notification or a response is taken now; a request is checked
    /// against the lifecycle and registered in flight.
    fn accept(
        &self,
        session: &Arc<Session>,
        message: Result<Message, DecodeError>,
        cancel: Option<&CancellationToken>,
    ) -> Accepted {
        match message {
            Ok(Message::Request(request)) => self.admit_request(session, request, cancel),
            Ok(Message::Notification(n)) => {
                self.handle_notification(session, n);
                Accepted::Now(Answer::Accepted)
            }
            Ok(Message::Response(r)) => {
                self.handle_response(session, r);
                Accepted::Now(Answer::Accepted)
            }
            Err(e) => Accepted::Now(Answer::Refused(e.into_response())),
        }
    }

    /// A JSON-RPC batch: only where the session's protocol version has them (2025-03-26).
    fn accept_batch(
        &self,
        session: &Arc<Session>,
        messages: Vec<Result<Message, DecodeError>>,
        cancel: Option<&CancellationToken>,
    ) -> Work {
        let version = session.protocol_version();
        if !session.is_established() || version > ProtocolVersion::V2025_03_26 {
            let why = if session.is_established() {
                format!(
                    "Invalid Request: JSON-RPC batches are not part of protocol version {version}; send one message at a time"
                )
            } else {
                "Invalid Request: a batch cannot start a session; send `initialize` alone first"
                    .to_owned()
            };
            tracing::warn!(error = %why, "batch refused");
            return Work::Done(Answer::Refused(Response::error(
                None,
                ErrorObject::new(ErrorCode::INVALID_REQUEST, why),
            )));
        }
        let items = messages
            .into_iter()
            .filter_map(|message| match message {
                Ok(Message::Request(r)) if is_initialize(&r) => {
                    Some(Item::Answered(Response::error(
                        Some(r.id),
                        ErrorObject::new(
                            ErrorCode::INVALID_REQUEST,
                            "Invalid Request: `initialize` cannot be part of a batch",
                        ),
                    )))
                }
                message => match self.accept(session, message, cancel) {
                    Accepted::Run(call) => Some(Item::Call(call)),
                    Accepted::Now(Answer::Response(r) | Answer::Refused(r)) => {
                        Some(Item::Answered(r))
                    }
                    Accepted::Now(_) => None,
                },
            })
            .collect();
        Work::Batch(items)
    }

    /// The era of a request, then the lifecycle gate: a modern request (2026-07-28, its
    /// version in `_meta`) needs no session; before `initialize` succeeded, a legacy one
    /// may only be `initialize` or `ping`.
    fn admit_request(
        &self,
        session: &Arc<Session>,
        request: Request,
        cancel: Option<&CancellationToken>,
    ) -> Accepted {
        {
            // `initialize` with a modern `_meta` is a modern request too: one 2026-07-28
            // does not have (-32601).
            match modern::read(&request) {
                None => {}
                Some(Err(error)) => {
                    tracing::warn!(method = request.method.as_str(), id = %request.id, code = error.code, error = %error.message, "modern request refused");
                    return Accepted::Now(Answer::Refused(Response::error(
                        Some(request.id),
                        error,
                    )));
                }
                Some(Ok(modern)) => {
                    let in_flight = session.begin(&request.id, cancel);
                    return Accepted::Run(Call {
                        request,
                        in_flight,
                        modern: Some(Box::new(modern)),
                    });
                }
            }
        }
        if !session.is_established()
            && !matches!(request.method.as_str(), Initialize::NAME | Ping::NAME)
        {
            tracing::warn!(method = request.method.as_str(), id = %request.id, "request before initialize refused");
            return Accepted::Now(Answer::Response(Response::error(
                Some(request.id),
                ErrorObject::new(
                    ErrorCode::INVALID_REQUEST,
                    "Invalid Request: the session is not initialized; send `initialize` first",
                ),
            )));
        }
        let in_flight = session.begin(&request.id, cancel);
        if is_initialize(&request) {
            let id = request.id.clone();
            // `initialize` does not wait on anything: answered here, in order, it sets up
            // the session before the requests read after it are looked at (a client may
            // send them without waiting for its answer).
            let mut answering = Box::pin(self.handle_request(
                session,
                request,
                &in_flight,
                RequestScope::default(),
                None,
            ));
            if let Some(response) = (&mut answering).now_or_never() {
                return Accepted::Now(response.map_or(Answer::Cancelled, Answer::Response));
            }
            // Unreachable while `initialize` awaits nothing; fail loudly rather than hang.
            tracing::error!("initialize did not finish at once");
            return Accepted::Now(Answer::Response(Response::error(
                Some(id),
                ErrorObject::internal("initialize could not be answered at once"),
            )));
        }
        Accepted::Run(Call {
            request,
            in_flight,
            modern: None,
        })
    }

    /// Runs one request until it is answered, cancelled (no response), or its session
    /// ends (an error that says why).
    async fn run_call(
        &self,
        session: &Arc<Session>,
        call: Call,
        scope: RequestScope,
    ) -> Option<Response> {
        let Call {
            request,
            in_flight,
            modern,
        } = call;
        let id = request.id.clone();
        let ended = |reason: EndReason| {
            Some(Response::error(
                Some(id.clone()),
                ErrorObject::new(ErrorCode::CONNECTION_CLOSED, reason.message()),
            ))
        };
        // The request first: most finish in their first poll, before the end is even
        // looked at. Ending a session also cancels its requests; they get the error that
        // says why rather than no answer at all.
        tokio::select! {
            biased;
            response = self.handle_request(session, request, &in_flight, scope, modern) => {
                match response {
                    None => session.end_reason().and_then(ended),
                    response => response,
                }
            }
            reason = session.ended() => ended(reason),
        }
    }
}

/// True for the request that starts a session.
fn is_initialize(request: &Request) -> bool {
    request.method == Initialize::NAME
}

/// A request admitted by the lifecycle and registered in flight.
struct Call {
    request: Request,
    in_flight: InFlight,
    /// The request is of the modern era: its facts, and a retry's answers (boxed: the
    /// legacy hot path moves `Call`s around and should not carry the space).
    modern: Option<Box<modern::Modern>>,
}

enum Accepted {
    Now(Answer),
    Run(Call),
}

enum Item {
    Answered(Response),
    Call(Call),
}

enum Work {
    Done(Answer),
    One(Call),
    Batch(Vec<Item>),
}

#[cfg(test)]
mod tests;
