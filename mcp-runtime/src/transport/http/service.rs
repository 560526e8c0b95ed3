//! The MCP endpoint as a `tower::Service`: validation, sessions, and dispatch to the core.

// Early-return HTTP responses travel as the `Err` of small helpers; they are the rare path.
#![allow(clippy::result_large_err)]

use super::body::{self, BodyBudget};
use super::config::{HttpConfig, host_allowed, origin_allowed};
use super::deferred::{Outgoing, deferred};
use super::modern;
use super::sessions::HttpStreams;
use super::sse::{self, AttachError, EventStream, Resume};
use crate::auth::ResourceServer;
use crate::protocol::{
    ErrorCode, ErrorObject, Message, Payload, ProtocolVersion, Response as RpcResponse,
};
use crate::server::Caller;
use crate::server::{
    Admitted, Answer, EventLog, MemoryStore, Outbound, RequestScope, Server, Session, SessionStore,
    StoreError, StreamLog,
};
use bytes::Bytes;
use http::header::{
    ACCEPT, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tokio_util::sync::CancellationToken;

/// The response body of the MCP endpoint.
pub type HttpBody = BoxBody<Bytes, Infallible>;

// Parsed once, not at every insertion as a `&str` name would be.
const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";

/// The Streamable HTTP endpoint of a [`Server`], as a `tower::Service`. Mount it in an
/// axum or hyper application, or let [`Server::run`] serve it.
///
/// ```no_run
/// use mcp_runtime::prelude::*;
/// use mcp_runtime::transport::HttpConfig;
///
/// # async fn demo(server: Server) {
/// let mcp = server.http_service(HttpConfig::default());
/// let app = axum::Router::new().route_service("/mcp", mcp);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await.unwrap();
/// axum::serve(listener, app).await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct McpService {
    inner: Arc<ServiceInner>,
}

struct ServiceInner {
    server: Server,
    config: HttpConfig,
    sessions: Arc<dyn SessionStore>,
    /// The store's log of stream events, when other instances share the sessions.
    log: Option<Arc<dyn EventLog>>,
    /// Stateless mode: the session a request runs in, one per protocol version, shared
    /// by every request of that version rather than made per request (a stateless
    /// session keeps nothing from one request to the next).
    stateless_sessions: Vec<Arc<Session>>,
    /// Request bytes buffered at once, across every connection.
    budget: Arc<BodyBudget>,
    /// Tripped when the server stops waiting for requests in flight (the end of the
    /// shutdown grace period); each session's own token is a child of it.
    stopping: CancellationToken,
    /// Authentication (`HttpConfig::auth`): the resource server, or why it could not be
    /// set up (then every request is refused: fail closed).
    auth: Option<Result<Arc<ResourceServer>, String>>,
}

impl Server {
    /// This server's Streamable HTTP endpoint as a `tower::Service`, its sessions in this
    /// process's memory (bounded by `config.max_sessions` and
    /// `config.session_idle_timeout`).
    pub fn http_service(&self, config: HttpConfig) -> McpService {
        let store = MemoryStore::new(config.max_sessions, config.session_idle_timeout);
        self.http_service_with_store(config, Arc::new(store))
    }

    /// Like [`Server::http_service`], with the sessions kept in `store` (the session limit
    /// and idle timeout are then the store's).
    pub fn http_service_with_store(
        &self,
        config: HttpConfig,
        store: Arc<dyn SessionStore>,
    ) -> McpService {
        self.http_service_at(config, store, None)
    }

    /// The service of an endpoint served at `served` (its URL, the default resource URI
    /// of authentication).
    pub(crate) fn http_service_at(
        &self,
        config: HttpConfig,
        store: Arc<dyn SessionStore>,
        served: Option<String>,
    ) -> McpService {
        let stopping = CancellationToken::new();
        store.bind(self, {
            let (server, stopping) = (self.clone(), stopping.clone());
            Arc::new(move || server.new_session(&stopping))
        });
        let auth = config.auth.as_ref().map(|settings| {
            let scopes = self.declared_scopes();
            let served = served.as_deref();
            let made = ResourceServer::new(settings, config.public_url.as_deref(), served, scopes);
            if let Err(e) = &made {
                tracing::error!(error = %e, "authentication cannot be set up: every request is refused");
            }
            made.map(Arc::new)
        });
        McpService {
            inner: Arc::new(ServiceInner {
                auth,
                budget: BodyBudget::new(config.max_buffered_body_bytes),
                server: self.clone(),
                config,
                log: store.event_log(),
                sessions: store,
                stateless_sessions: ProtocolVersion::ALL
                    .iter()
                    .map(|&version| self.stateless_session(version, &stopping))
                    .collect(),
                stopping,
            }),
        }
    }
}

impl McpService {
    /// Why authentication could not be set up, when it is configured and could not.
    pub(crate) fn auth_error(&self) -> Option<&str> {
        match &self.inner.auth {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// Ends every session (used on shutdown): their GET streams close at once, while a
    /// request in flight still sends its response on its own stream.
    pub fn close_sessions(&self) {
        // Modern listen streams end with their graceful answer.
        for session in &self.inner.stateless_sessions {
            session.drain();
        }
        for session in self.inner.sessions.forget_all() {
            session.drain();
            if let Some(streams) = session.attached::<HttpStreams>() {
                streams.standalone.finish();
            }
        }
    }

    /// Stops waiting for the requests in flight: each is answered with a JSON-RPC error
    /// (`-32000`, the server is shutting down) and its handler is dropped. Used at the end
    /// of the shutdown grace period.
    pub fn stop_requests(&self) {
        self.inner.stopping.cancel();
    }

    /// Answers one HTTP request: the MCP endpoint, and (with authentication on) the
    /// Protected Resource Metadata at `/.well-known/oauth-protected-resource[/path]`.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<HttpBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let auth = match &self.inner.auth {
            None => None,
            Some(Ok(auth)) => Some(auth.clone()),
            Some(Err(e)) => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::INTERNAL_ERROR,
                    format!("authentication is misconfigured, so no request is served: {e}"),
                );
            }
        };
        let Some(auth) = auth else {
            if req.uri().path().starts_with(crate::auth::WELL_KNOWN) {
                return not_found(crate::auth::WELL_KNOWN);
            }
            return self.handle_mcp(req, None).await;
        };
        if req.uri().path().starts_with(crate::auth::WELL_KNOWN) {
            return metadata_response(&auth, &req);
        }
        let (mut parts, body) = req.into_parts();
        let caller = match authenticate(&auth, &parts).await {
            Ok(caller) => caller,
            Err(resp) => return resp,
        };
        let subject = caller.subject().to_owned();
        parts.extensions.insert(caller);
        if auth.hide_unauthorized {
            parts.extensions.insert(crate::auth::HideUnauthorized);
        }
        let req = Request::from_parts(parts, body);
        let mut resp = self.handle_mcp(req, Some(&subject)).await;
        // A tool, resource or prompt the token's scopes do not allow: say which to ask for.
        if let Some(InsufficientScope(scopes)) = resp.extensions_mut().remove::<InsufficientScope>()
            && let Ok(value) = HeaderValue::from_str(&auth.challenge(
                Some("insufficient_scope"),
                Some("the access token lacks a scope this operation requires"),
                &scopes,
            ))
        {
            resp.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        resp
    }

    /// The MCP endpoint; `subject` is the authenticated caller's, when authentication is
    /// on.
    async fn handle_mcp<B>(&self, req: Request<B>, subject: Option<&str>) -> Response<HttpBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let inner = &self.inner;
        let headers = McpHeaders::read(req.headers());
        if let Some(name) = headers.repeated {
            return error(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                format!("Bad Request: the {name} header appears more than once; send it once"),
            );
        }
        if let Err(resp) = inner.check_host_and_origin(&headers, req.uri().authority()) {
            return resp;
        }
        match *req.method() {
            Method::POST => {
                let accepted = accepted(&headers);
                if !(accepted.json && accepted.event_stream) {
                    return error(
                        StatusCode::NOT_ACCEPTABLE,
                        ErrorCode::INVALID_REQUEST,
                        "Not Acceptable: a POST must send `Accept: application/json, text/event-stream` (the answer comes as either)",
                    );
                }
                if !content_type_is_json(headers.content_type) {
                    return error(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        ErrorCode::INVALID_REQUEST,
                        "Unsupported Media Type: the body must be application/json",
                    );
                }
                let version = protocol_version_header(headers.protocol_version);
                let session_id = headers.session_id.cloned();
                inner.post(req, version, session_id, subject).await
            }
            // 2026-07-28 has neither the GET stream nor sessions to delete.
            Method::GET | Method::DELETE if modern_header(&headers) => {
                let mut resp = error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorCode::INVALID_REQUEST,
                    "Method Not Allowed: MCP 2026-07-28 has no GET stream and no sessions; POST each request (subscriptions/listen for change notifications)",
                );
                resp.headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("POST"));
                resp
            }
            Method::GET => inner.get(&headers, subject).await,
            Method::DELETE => inner.delete(&headers, subject).await,
            _ => {
                let mut resp = error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorCode::INVALID_REQUEST,
                    "Method not allowed: use POST, GET or DELETE",
                );
                resp.headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
                resp
            }
        }
    }
}

impl<B> tower_service::Service<Request<B>> for McpService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response<HttpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(req).await) })
    }
}

impl ServiceInner {
    fn stateless_session(&self, version: ProtocolVersion) -> Arc<Session> {
        let known = self
            .stateless_sessions
            .iter()
            .find(|s| s.protocol_version() == version);
        known
            .cloned()
            .unwrap_or_else(|| self.server.stateless_session(version, &self.stopping))
    }

    /// DNS-rebinding protection: the `Host` header (and the authority of an absolute
    /// request target, or HTTP/2's `:authority`) and the `Origin` header must be on the
    /// allow-lists. Fails closed: a missing host, or a value that is not visible ASCII, is
    /// refused, never waved through (a repeated header was refused before).
    fn check_host_and_origin(
        &self,
        headers: &McpHeaders<'_>,
        authority: Option<&http::uri::Authority>,
    ) -> Result<(), Response<HttpBody>> {
        let allowed = &self.config.allowed_hosts;
        if headers.host.is_none() && authority.is_none() {
            return Err(error(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                "Bad Request: the Host header is missing",
            ));
        }
        if let Some(host) = headers.host {
            let Ok(host) = host.to_str() else {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::INVALID_REQUEST,
                    "Bad Request: the Host header is not visible ASCII",
                ));
            };
            if !host_allowed(allowed, host) {
                return Err(forbidden_host(host));
            }
        }
        if let Some(authority) = authority
            && !host_allowed(allowed, authority.as_str())
        {
            return Err(forbidden_host(authority.as_str()));
        }
        if let Some(origin) = headers.origin {
            let Ok(origin) = origin.to_str() else {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorCode::INVALID_REQUEST,
                    "Forbidden: the Origin header is not visible ASCII",
                ));
            };
            if !origin_allowed(&self.config.allowed_origins, origin) {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorCode::INVALID_REQUEST,
                    format!("Forbidden: Origin {origin:?} is not allowed"),
                ));
            }
        }
        Ok(())
    }

    /// POST, once its `Accept` and `Content-Type` passed: `version` is its
    /// `MCP-Protocol-Version` (read, not yet judged), `session_id` its `Mcp-Session-Id`.
    async fn post<B>(
        &self,
        req: Request<B>,
        version: Result<Option<ProtocolVersion>, Response<HttpBody>>,
        session_id: Option<HeaderValue>,
        subject: Option<&str>,
    ) -> Response<HttpBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let (parts, body) = req.into_parts();
        let limit = self
            .config
            .max_body_bytes
            .unwrap_or(self.server.limits().max_message_bytes);
        let read = body::read(body, limit, self.config.body_read_timeout, &self.budget);
        let (bytes, reservation) = match read.await {
            Ok(read) => read,
            Err(e) => return body_error(e, limit, &self.config),
        };
        let payload = Payload::decode(&bytes);
        // Decoded: the messages own their text now.
        drop((bytes, reservation));
        // MCP 2026-07-28: the request says its version in `_meta`; it needs no session
        // (a session id is ignored), and its headers must mirror its body.
        if let Payload::Single(Ok(Message::Request(request))) = &payload {
            if let Some((fields, body_version)) = modern::read(request) {
                if let Err(e) = modern::check(
                    &self.server,
                    &parts.headers,
                    request,
                    &fields,
                    &body_version,
                ) {
                    tracing::warn!(method = request.method.as_str(), id = %request.id, error = %e.message, "modern request refused: headers");
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &Message::Response(RpcResponse::error(Some(request.id.clone()), e)),
                    );
                }
                let scope = Self::scope(parts);
                let session = self.stateless_session(ProtocolVersion::V2026_07_28);
                let admitted = session.admit().await;
                return self
                    .request_modern(&session, admitted, payload, scope)
                    .await;
            }
            if let Ok(Some(v)) = &version
                && v.is_modern()
                && !self.server.starts_session(&payload)
            {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &Message::Response(RpcResponse::error(
                        Some(request.id.clone()),
                        ErrorObject::invalid_params(format!(
                            "Invalid params: a request of {v} carries its protocol version in _meta[\"io.modelcontextprotocol/protocolVersion\"] (and the client's capabilities in _meta[\"io.modelcontextprotocol/clientCapabilities\"])"
                        )),
                    )),
                );
            }
        }
        let header_version = match version {
            Ok(v) => v,
            Err(resp) => return resp,
        };
        let scope = Self::scope(parts);
        let starts_session = self.server.starts_session(&payload);
        if self.config.stateless {
            let version = header_version.unwrap_or(ProtocolVersion::V2025_03_26);
            // An initialize gets a session of its own: it records the client's facts.
            let session = if starts_session {
                self.server.stateless_session(version, &self.stopping)
            } else {
                self.stateless_session(version)
            };
            return self.dispatch(&session, None, payload, scope).await;
        }
        if starts_session {
            return self.initialize(payload, scope).await;
        }
        let session = match self.session(session_id.as_ref(), subject).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        let streams = match self.streams(&session, session_id.as_ref()) {
            Ok(streams) => streams,
            Err(resp) => return resp,
        };
        // A supported MCP-Protocol-Version (checked above) is accepted even when it differs
        // from the negotiated one: the spec asks for 400 only when it is invalid or
        // unsupported, and the official conformance suite sends 2025-03-26 on a 2025-11-25
        // session.
        self.dispatch(&session, Some(streams), payload, scope).await
    }

    /// The request's head reaches handlers (`Context::http_request`), and so do the
    /// extensions an enclosing application attached to it.
    fn scope(mut parts: http::request::Parts) -> RequestScope {
        let extensions = std::mem::take(&mut parts.extensions);
        RequestScope {
            carrier: Some(Arc::new(parts)),
            extensions,
            ..RequestScope::default()
        }
    }

    /// One request of MCP 2026-07-28: answered as one JSON body when it sends nothing
    /// first, else as an SSE stream of its notifications then its response (no event
    /// ids: such streams do not resume). Closing the response cancels the request: the
    /// call is dropped, and so is its handler.
    async fn request_modern(
        &self,
        session: &Arc<Session>,
        admitted: Admitted,
        payload: Payload,
        mut scope: RequestScope,
    ) -> Response<HttpBody> {
        let queue = self.server.limits().outbound_queue;
        let (sink, opened) = deferred(queue);
        scope.outbound = Some(Outbound::shared(sink));
        let cancel = CancellationToken::new();
        scope.cancel = Some(cancel.clone());
        let mut call = Box::pin(self.server.handle(session, admitted, payload, scope));
        let (mut rx, done) = tokio::select! {
            biased;
            answer = &mut call => match opened.try_take() {
                Some(rx) => (rx, Some(answer)),
                None => return reply(answer),
            },
            rx = opened.opened() => (rx, None),
        };
        let (tx, body) = tokio::sync::mpsc::channel::<Bytes>(queue.max(1));
        tokio::spawn(async move {
            let answer = match done {
                Some(answer) => answer,
                None => loop {
                    tokio::select! {
                        biased;
                        Some(outgoing) = rx.recv() => {
                            if !send_plain(&tx, outgoing).await {
                                return;
                            }
                        }
                        answer = &mut call => break answer,
                        // The client closed the stream (noticed when an event or a
                        // keep-alive comment fails to go out): that cancels the request.
                        // Its handler sees it; the call ends without an answer.
                        () = tx.closed() => {
                            cancel.cancel();
                            let _ = call.await;
                            return;
                        }
                    }
                },
            };
            while let Ok(outgoing) = rx.try_recv() {
                if !send_plain(&tx, outgoing).await {
                    return;
                }
            }
            if let Answer::Response(response) | Answer::Refused(response) = answer {
                send_plain(&tx, Outgoing::One(Box::new(Message::Response(response)))).await;
            }
        });
        sse_response(body, self.config.keep_alive)
    }

    /// A payload that starts a session: the session exists, and counts against the limit,
    /// only once the core established it.
    async fn initialize(&self, payload: Payload, scope: RequestScope) -> Response<HttpBody> {
        let core = self.server.new_session(&self.stopping);
        if let Some(caller) = scope.extensions.get::<Caller>() {
            core.bind_subject(caller.subject());
        }
        let admitted = core.admit().await;
        let answer = self.server.handle(&core, admitted, payload, scope).await;
        if !core.is_established() {
            return reply(answer);
        }
        match self.sessions.insert(core.clone()).await {
            Ok(id) => {
                let id = HeaderValue::from_str(&id).ok();
                // The streams exist before the client can open the GET stream.
                let _ = self.streams(&core, id.as_ref());
                let mut resp = reply(answer);
                if let Some(id) = id {
                    resp.headers_mut().insert(SESSION_ID, id);
                }
                resp
            }
            Err(e) => store_error(e),
        }
    }

    /// Runs the payload through the server core. One request is answered as it asks (see
    /// [`ServiceInner::request`]); anything else as one JSON body (a batch's responses),
    /// or 202 when there is nothing to answer.
    async fn dispatch(
        &self,
        session: &Arc<Session>,
        http: Option<&HttpStreams>,
        payload: Payload,
        scope: RequestScope,
    ) -> Response<HttpBody> {
        let admitted = session.admit().await;
        if matches!(payload, Payload::Single(Ok(Message::Request(_)))) {
            return self.request(session, http, admitted, payload, scope).await;
        }
        reply(self.server.handle(session, admitted, payload, scope).await)
    }

    /// Runs one request. If the handler sends nothing before its result, the answer is
    /// one JSON body; once it sends a message, the answer becomes an SSE stream: a priming
    /// event, the messages, then the response, then the stream ends.
    async fn request(
        &self,
        session: &Arc<Session>,
        http: Option<&HttpStreams>,
        admitted: Admitted,
        payload: Payload,
        mut scope: RequestScope,
    ) -> Response<HttpBody> {
        // With a log, a stream remembers the request it answers: an instance that finds
        // this one gone answers it instead.
        let request_id = match (&self.log, &payload) {
            (Some(_), Payload::Single(Ok(Message::Request(r)))) => {
                serde_json::to_string(&r.id).ok().map(Arc::<str>::from)
            }
            _ => None,
        };
        let (sink, opened) = deferred(self.server.limits().outbound_queue);
        scope.outbound = Some(Outbound::shared(sink));
        let mut call = Box::pin(self.server.handle(session, admitted, payload, scope));
        // Most calls finish in their first poll (a sync tool): they are answered without a
        // task. The others get a task of their own, so that a client that disconnects does
        // not cancel them (the spec asks for an explicit notifications/cancelled).
        let finished = futures_util::FutureExt::now_or_never(&mut call);
        let (mut rx, done, task) = match finished {
            Some(answer) => match opened.try_take() {
                // It sent messages and finished within one poll: they still go first.
                Some(rx) => (rx, Some(answer), None),
                None => return reply(answer),
            },
            None => {
                let mut handle = tokio::spawn(call);
                tokio::select! {
                    biased;
                    joined = &mut handle => {
                        let answer = joined_answer(joined);
                        match opened.try_take() {
                            Some(rx) => (rx, Some(answer), None),
                            None => return reply(answer),
                        }
                    }
                    rx = opened.opened() => (rx, None, Some(handle)),
                }
            }
        };
        let stream = match http {
            Some(s) => s.new_stream(request_id),
            None => Arc::new(EventStream::new(
                1,
                self.config.replay_buffer,
                self.server.limits().outbound_queue,
            )),
        };
        let Ok(conn) = stream.attach(Resume::Fresh, self.config.sse_retry, Vec::new()) else {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::INTERNAL_ERROR,
                "a new stream was busy",
            );
        };
        let forward_stream = stream.clone();
        tokio::spawn(async move {
            // Drive the call while forwarding what it sends; once it is done, whatever it
            // sent is already queued, and the response goes last.
            let answer = match (done, task) {
                (Some(answer), _) => answer,
                (None, Some(mut handle)) => loop {
                    tokio::select! {
                        biased;
                        Some(outgoing) = rx.recv() => push(&forward_stream, outgoing),
                        joined = &mut handle => break joined_answer(joined),
                    }
                },
                (None, None) => Answer::Cancelled,
            };
            while let Ok(outgoing) = rx.try_recv() {
                push(&forward_stream, outgoing);
            }
            if let Answer::Response(response) | Answer::Refused(response) = answer {
                push_message(&forward_stream, &Message::Response(response));
            }
            forward_stream.finish();
        });
        sse_response(conn, self.config.keep_alive)
    }

    /// The session named by the request's `Mcp-Session-Id`: 400 without one, 404 when
    /// unknown or ended.
    async fn session(
        &self,
        id: Option<&HeaderValue>,
        subject: Option<&str>,
    ) -> Result<Arc<Session>, Response<HttpBody>> {
        let session = self.find_session(id).await?;
        // A session is its opener's: another subject's token does not reach it (session
        // hijacking, MCP security best practices).
        if let Some(subject) = subject
            && session.subject() != Some(subject)
        {
            tracing::warn!(subject, "refused: the session belongs to another subject");
            return Err(error(
                StatusCode::FORBIDDEN,
                ErrorCode::INVALID_REQUEST,
                "Forbidden: this session was opened with another subject's token; initialize a session of your own",
            ));
        }
        Ok(session)
    }

    async fn find_session(
        &self,
        id: Option<&HeaderValue>,
    ) -> Result<Arc<Session>, Response<HttpBody>> {
        let Some(id) = id.and_then(|v| v.to_str().ok()) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                "Bad Request: Mcp-Session-Id header is required (send initialize first to get one)",
            ));
        };
        if let Some(session) = self.sessions.get_local(id) {
            return Ok(session);
        }
        let session = match self.sessions.get(id).await {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Err(error(
                    StatusCode::NOT_FOUND,
                    ErrorCode::INVALID_REQUEST,
                    "Not Found: the session does not exist or has ended; initialize a new one",
                ));
            }
            Err(e) => return Err(store_error(e)),
        };
        Ok(session)
    }

    /// The streams of `session` (whose id is `id`), made on first use.
    fn streams<'s>(
        &self,
        session: &'s Session,
        id: Option<&HeaderValue>,
    ) -> Result<&'s HttpStreams, Response<HttpBody>> {
        let queue = self.server.limits().outbound_queue;
        let (log, replay) = (self.log.as_ref(), self.config.replay_buffer);
        HttpStreams::of(session, id, log, replay, queue).ok_or_else(|| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::INTERNAL_ERROR,
                "the session carries another transport's state",
            )
        })
    }

    /// GET: the standalone SSE stream of a session, or the resumption of a stream.
    async fn get(&self, headers: &McpHeaders<'_>, subject: Option<&str>) -> Response<HttpBody> {
        if self.config.stateless {
            let mut resp = error(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::INVALID_REQUEST,
                "Method Not Allowed: this server is stateless and has no GET stream",
            );
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
        if !accepted(headers).event_stream {
            return error(
                StatusCode::NOT_ACCEPTABLE,
                ErrorCode::INVALID_REQUEST,
                "Not Acceptable: a GET must send `Accept: text/event-stream` (it opens an SSE stream)",
            );
        }
        if let Err(resp) = protocol_version_header(headers.protocol_version) {
            return resp;
        }
        let session = match self.session(headers.session_id, subject).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        let streams = match self.streams(&session, headers.session_id) {
            Ok(streams) => streams,
            Err(resp) => return resp,
        };
        let (stream, from) = match headers
            .last_event_id
            .map(|v| v.to_str().ok().and_then(sse::parse_event_id))
        {
            None => (streams.standalone.clone(), Resume::Fresh),
            Some(Some((stream, seq))) => match streams.stream(stream) {
                Some(s) => (s, Resume::After(seq)),
                None if self.log.is_some() => {
                    return self
                        .resume_elsewhere(headers, &session, streams, stream, seq)
                        .await;
                }
                None => {
                    return error(
                        StatusCode::NOT_FOUND,
                        ErrorCode::INVALID_REQUEST,
                        "Not Found: that stream has ended or is no longer kept",
                    );
                }
            },
            Some(None) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::INVALID_REQUEST,
                    "Bad Request: malformed Last-Event-ID",
                );
            }
        };
        match stream.attach(from, self.config.sse_retry, Vec::new()) {
            Ok(rx) => {
                if Arc::ptr_eq(&stream, &streams.standalone) {
                    self.took_stream(&session, headers, &stream);
                }
                sse_response(rx, self.config.keep_alive)
            }
            Err(AttachError::Busy) => error(
                StatusCode::CONFLICT,
                ErrorCode::INVALID_REQUEST,
                "Conflict: this session's stream is already open on another connection (a GET with Last-Event-ID takes it over)",
            ),
        }
    }

    /// A `Last-Event-ID` into a stream of this session that another instance wrote (it
    /// is kept in the store's log): the kept events after it, then, for the session's
    /// GET stream, this instance's GET stream of the session from here on; for the
    /// stream of a request, what the other instance goes on writing until the stream
    /// ends, or, should that instance be gone, an error answer to the request.
    async fn resume_elsewhere(
        &self,
        headers: &McpHeaders<'_>,
        session_core: &Session,
        streams: &HttpStreams,
        stream: u64,
        seq: u64,
    ) -> Response<HttpBody> {
        let gone = || {
            error(
                StatusCode::NOT_FOUND,
                ErrorCode::INVALID_REQUEST,
                "Not Found: that stream has ended or is no longer kept",
            )
        };
        let (Some(log), Some(session)) = (
            self.log.clone(),
            headers.session_id.and_then(|v| v.to_str().ok()),
        ) else {
            return gone();
        };
        // Where this instance's GET stream stands before the log is read: what it gets
        // from now on follows the log's events. And the last server event heard here.
        let mark = streams.standalone.position();
        let heard = log.heard();
        let mut kept = match log.read(session, stream).await {
            Ok(Some(kept)) => kept,
            // A GET stream that sent nothing (or nothing still kept): this instance's
            // takes over all the same.
            Ok(None) if super::sessions::is_standalone(stream) => StreamLog::default(),
            Ok(None) => return gone(),
            Err(e) => return store_error(e),
        };
        let retry = self.config.sse_retry;
        let mut last = seq;
        let mut preamble = Vec::with_capacity(kept.events.len() + 1);
        for (s, event) in std::mem::take(&mut kept.events) {
            if s > last {
                preamble.push(event);
                last = s;
            }
        }
        if super::sessions::is_standalone(stream) {
            // The session's GET stream: the kept events first. Then the server events
            // (list changes, resource updates) that the other instance had not heard when
            // it last wrote (its `heard`), up to the last one heard here, delivered from
            // the store to this session: once each, whether that instance is alive or
            // dead. This instance's copy skips what it held before (`mark`) and sends
            // what comes after. Without a `heard` (nothing kept of that stream, or the
            // store could not list what it missed), the copy's unsent events follow
            // instead: a message may then come twice.
            let missed = match kept.heard {
                Some(there) => log.missed(there, heard).await.ok(),
                None => None,
            };
            let from = if kept.owner_alive || missed.is_some() {
                Resume::After(mark)
            } else {
                Resume::Unsent
            };
            return match streams.standalone.attach(from, retry, preamble) {
                Ok(rx) => {
                    self.took_stream(session_core, headers, &streams.standalone);
                    for event in missed.unwrap_or_default() {
                        self.server.deliver_json_to(session_core, &event);
                    }
                    sse_response(rx, self.config.keep_alive)
                }
                Err(AttachError::Busy) => gone(),
            };
        }
        let prime = sse::prime(stream, seq, retry);
        let queue = self.server.limits().outbound_queue;
        let (tx, rx) = tokio::sync::mpsc::channel(queue.max(preamble.len() + 1));
        for event in std::iter::once(prime).chain(preamble) {
            let _ = tx.try_send(event);
        }
        tokio::spawn(sse::tail(log, session.to_owned(), stream, last, kept, tx));
        sse_response(rx, self.config.keep_alive)
    }

    /// The session's GET stream is read here now: with a shared store, the instance that
    /// carried it before lets go of its connection, so that a message goes out on one
    /// stream only.
    fn took_stream(&self, session: &Session, headers: &McpHeaders<'_>, stream: &EventStream) {
        let Some(log) = &self.log else {
            return;
        };
        session.forward(crate::server::session::Forward::StreamTaken);
        if let Some(id) = headers.session_id.and_then(|v| v.to_str().ok()) {
            log.attached(Arc::from(id), stream.id());
        }
    }

    /// DELETE: ends the session.
    async fn delete(&self, headers: &McpHeaders<'_>, subject: Option<&str>) -> Response<HttpBody> {
        if self.config.stateless {
            let mut resp = error(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::INVALID_REQUEST,
                "Method Not Allowed: this server is stateless and has no sessions",
            );
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
        if let Err(resp) = protocol_version_header(headers.protocol_version) {
            return resp;
        }
        let Some(id) = headers.session_id.and_then(|v| v.to_str().ok()) else {
            return error(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                "Bad Request: Mcp-Session-Id header is required",
            );
        };
        // Only its own subject may end a session.
        if subject.is_some()
            && let Err(resp) = self.session(headers.session_id, subject).await
        {
            return resp;
        }
        match self.sessions.remove(id).await {
            Ok(true) => empty(StatusCode::OK),
            Ok(false) => error(
                StatusCode::NOT_FOUND,
                ErrorCode::INVALID_REQUEST,
                "Not Found: the session does not exist or has ended",
            ),
            Err(e) => store_error(e),
        }
    }
}

/// The scopes a refused call needs, from [`reply`] to [`McpService::handle`].
#[derive(Clone)]
struct InsufficientScope(Vec<String>);

/// The Protected Resource Metadata (RFC 9728), at the well-known path or its form with
/// the endpoint's path.
fn metadata_response<B>(auth: &ResourceServer, req: &Request<B>) -> Response<HttpBody> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut resp = error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::INVALID_REQUEST,
            "Method Not Allowed: the metadata is read with GET",
        );
        resp.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return resp;
    }
    match serde_json::to_vec(&auth.metadata()) {
        Ok(body) => {
            let mut resp = with_body(StatusCode::OK, JSON, Bytes::from(body));
            resp.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
            resp
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::INTERNAL_ERROR,
            format!("the metadata could not be written: {e}"),
        ),
    }
}

/// The caller of `req`, from its bearer token; else the challenge it gets (RFC 6750).
async fn authenticate(
    auth: &ResourceServer,
    req: &http::request::Parts,
) -> Result<Caller, Response<HttpBody>> {
    let challenge =
        |status: StatusCode, error_code: Option<&str>, description: &str, scopes: &[String]| {
            let mut resp = error(
                status,
                ErrorCode::INVALID_REQUEST,
                format!(
                    "{}: {description}",
                    status.canonical_reason().unwrap_or("Unauthorized")
                ),
            );
            if let Ok(value) =
                HeaderValue::from_str(&auth.challenge(error_code, Some(description), scopes))
            {
                resp.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
            resp
        };
    // Tokens travel in the Authorization header only, never in the URL (where logs and
    // proxies keep them).
    let in_query = req.uri.query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("access_token"))
    });
    if in_query {
        return Err(challenge(
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            "access tokens are accepted only in the Authorization header, never in the query string",
            &[],
        ));
    }
    let mut values = req.headers.get_all(AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        return Err(challenge(
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            "the Authorization header appears more than once",
            &[],
        ));
    }
    let Some(value) = first else {
        return Err(challenge(
            StatusCode::UNAUTHORIZED,
            None,
            "this server requires an access token: send `Authorization: Bearer <token>` (the metadata URL in this header says where to get one)",
            &auth.required_scopes,
        ));
    };
    let Some(token) = value.to_str().ok().and_then(crate::auth::bearer) else {
        return Err(challenge(
            StatusCode::UNAUTHORIZED,
            Some("invalid_request"),
            "the Authorization header must be `Bearer <token>`",
            &[],
        ));
    };
    let caller = match auth.verify(token).await {
        Ok(caller) => caller,
        Err(crate::auth::TokenError::Invalid(why)) => {
            tracing::warn!(error = %why, "refused: invalid token");
            return Err(challenge(
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                &why,
                &[],
            ));
        }
        Err(crate::auth::TokenError::Unavailable(why)) => {
            tracing::error!(error = %why, "refused: the token cannot be checked");
            let mut resp = error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::INTERNAL_ERROR,
                format!("Service Unavailable: the access token cannot be checked now: {why}"),
            );
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("5"));
            return Err(resp);
        }
    };
    let missing = caller.missing(&auth.required_scopes);
    if !missing.is_empty() {
        let missing: Vec<String> = missing.into_iter().map(str::to_owned).collect();
        tracing::warn!(subject = caller.subject(), missing = %missing.join(" "), "refused: insufficient scope");
        return Err(challenge(
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            "the access token lacks a scope this server requires",
            &auth.required_scopes,
        ));
    }
    Ok(caller)
}

/// A store that could not keep or find a session: 503 (full, unreachable) or 500.
fn store_error(e: StoreError) -> Response<HttpBody> {
    let status = match e {
        StoreError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    let text = match status {
        StatusCode::SERVICE_UNAVAILABLE => format!("Service Unavailable: {e}"),
        _ => e.to_string(),
    };
    let mut resp = error(status, ErrorCode::INTERNAL_ERROR, text);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// The answer to a body that was not read: 413, 503 or 408. The connection closes after it,
/// since the rest of the body was not read.
fn body_error(e: body::BodyError, limit: usize, config: &HttpConfig) -> Response<HttpBody> {
    let mut resp = match e {
        body::BodyError::TooLarge => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::INVALID_REQUEST,
            format!("Payload Too Large: the body exceeds {limit} bytes"),
        ),
        body::BodyError::Busy => {
            let mut resp = error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::INTERNAL_ERROR,
                format!(
                    "Service Unavailable: the server is receiving too many request bodies at once ({} bytes at most); try again later",
                    config.max_buffered_body_bytes
                ),
            );
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        body::BodyError::TimedOut => error(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::INVALID_REQUEST,
            format!(
                "Request Timeout: the body did not arrive within {:?}",
                config.body_read_timeout
            ),
        ),
        body::BodyError::Read(e) => error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST,
            format!("Bad Request: reading the body failed: {e}"),
        ),
    };
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The core's answer as an HTTP response: 202 when there is nothing to answer, 400 for a
/// payload refused as a whole, else one JSON body; a cancelled request (no JSON-RPC
/// response) as an event stream that just ends.
fn reply(answer: Answer) -> Response<HttpBody> {
    match answer {
        Answer::Accepted => empty(StatusCode::ACCEPTED),
        Answer::Response(response) => match response
            .outcome
            .as_ref()
            .err()
            .and_then(crate::server::caller::required_scopes)
        {
            // The token lacks a scope the item requires: 403 (the challenge is added
            // where the resource server is known).
            Some(scopes) => {
                let mut resp = json_response(StatusCode::FORBIDDEN, &Message::Response(response));
                resp.extensions_mut().insert(InsufficientScope(scopes));
                resp
            }
            None => json_response(StatusCode::OK, &Message::Response(response)),
        },
        Answer::Refused(response) => {
            // 2026-07-28: a method the server does not have is 404, with the JSON-RPC
            // error that tells a modern server from an endpoint that is not there.
            let status = match &response.outcome {
                Err(e) if e.code == ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            json_response(status, &Message::Response(response))
        }
        Answer::Batch(responses) => {
            let messages: Vec<Message> = responses.into_iter().map(Message::Response).collect();
            match serde_json::to_vec(&messages) {
                Ok(body) => with_body(StatusCode::OK, JSON, Bytes::from(body)),
                Err(e) => error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::INTERNAL_ERROR,
                    format!("the responses could not be written: {e}"),
                ),
            }
        }
        Answer::Cancelled => with_body(StatusCode::OK, EVENT_STREAM, Bytes::new()),
    }
}

/// The answer of a call's task; a task that failed (it cannot panic: handlers' panics
/// are caught) is logged and answers nothing.
fn joined_answer(joined: Result<Answer, tokio::task::JoinError>) -> Answer {
    joined.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a request's task failed");
        Answer::Cancelled
    })
}

fn forbidden_host(host: &str) -> Response<HttpBody> {
    error(
        StatusCode::FORBIDDEN,
        ErrorCode::INVALID_REQUEST,
        format!("Forbidden: Host {host:?} is not allowed (see --allowed-host)"),
    )
}

/// One message as an SSE event without an id (2026-07-28 streams do not resume); false
/// once the client is gone.
async fn send_plain(tx: &tokio::sync::mpsc::Sender<Bytes>, outgoing: Outgoing) -> bool {
    let Outgoing::One(message) = outgoing else {
        // Nothing to let go of: such a stream cannot be resumed.
        return true;
    };
    let json = match message.to_json() {
        Ok(json) => json,
        Err(e) => {
            tracing::error!(error = %e, "a message could not be serialized");
            return true;
        }
    };
    tx.send(sse::encode_event(None, &json)).await.is_ok()
}

fn push(stream: &Arc<EventStream>, outgoing: Outgoing) {
    match outgoing {
        Outgoing::One(message) => push_message(stream, &message),
        Outgoing::Release => stream.disconnect(),
    }
}

fn push_message(stream: &Arc<EventStream>, message: &Message) {
    match message.to_json() {
        Ok(json) => stream.push(&json),
        Err(e) => tracing::error!(error = %e, "a message could not be serialized"),
    }
}

fn sse_response(
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    keep_alive: std::time::Duration,
) -> Response<HttpBody> {
    let body = StreamBody::new(sse::body_stream(rx, keep_alive));
    let mut resp = Response::new(BodyExt::boxed(body));
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(EVENT_STREAM));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies such as nginx pass each event on at once rather than buffering them.
    h.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    resp
}

/// True when the `MCP-Protocol-Version` header names a modern revision (2026-07-28).
fn modern_header(headers: &McpHeaders<'_>) -> bool {
    headers
        .protocol_version
        .and_then(|v| v.to_str().ok())
        .and_then(ProtocolVersion::parse)
        .is_some_and(ProtocolVersion::is_modern)
}

/// The `MCP-Protocol-Version` header: `None` when absent, 400 when unsupported.
fn protocol_version_header(
    value: Option<&HeaderValue>,
) -> Result<Option<ProtocolVersion>, Response<HttpBody>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("");
    ProtocolVersion::parse(text).map(Some).ok_or_else(|| {
        let supported: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
        error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST,
            format!(
                "Bad Request: unsupported MCP-Protocol-Version {text:?} (supported: {})",
                supported.join(", ")
            ),
        )
    })
}

/// The request headers the endpoint reads, each its first value, found in one pass over
/// the map (a lookup by name hashes the name; a request has few headers). A header that
/// must appear at most once and appears again is remembered in `repeated`: its first
/// value alone must never decide a check.
struct McpHeaders<'a> {
    map: &'a HeaderMap,
    repeated: Option<&'static str>,
    host: Option<&'a HeaderValue>,
    origin: Option<&'a HeaderValue>,
    accept: Option<&'a HeaderValue>,
    content_type: Option<&'a HeaderValue>,
    protocol_version: Option<&'a HeaderValue>,
    session_id: Option<&'a HeaderValue>,
    last_event_id: Option<&'a HeaderValue>,
}

impl<'a> McpHeaders<'a> {
    fn read(map: &'a HeaderMap) -> Self {
        let mut h = McpHeaders {
            map,
            repeated: None,
            host: None,
            origin: None,
            accept: None,
            content_type: None,
            protocol_version: None,
            session_id: None,
            last_event_id: None,
        };
        for (name, value) in map {
            // Header names are lowercase in a `HeaderMap`.
            let (slot, single) = match name.as_str() {
                "host" => (&mut h.host, "Host"),
                "origin" => (&mut h.origin, "Origin"),
                // A list header: its values may be split over several lines.
                "accept" => {
                    h.accept.get_or_insert(value);
                    continue;
                }
                "content-type" => (&mut h.content_type, "Content-Type"),
                "mcp-protocol-version" => (&mut h.protocol_version, "MCP-Protocol-Version"),
                "mcp-session-id" => (&mut h.session_id, "Mcp-Session-Id"),
                "last-event-id" => (&mut h.last_event_id, "Last-Event-ID"),
                _ => continue,
            };
            if slot.is_some() {
                h.repeated.get_or_insert(single);
            } else {
                *slot = Some(value);
            }
        }
        h
    }
}

/// Which of the two media types MCP answers with the `Accept` header allows.
#[derive(Default)]
struct Accepted {
    json: bool,
    event_stream: bool,
}

/// Reads the `Accept` header once, wildcards included (`*/*`, `application/*`, `text/*`);
/// parameters such as `q` are ignored.
fn accepted(headers: &McpHeaders<'_>) -> Accepted {
    // What Streamable HTTP clients send, recognized without parsing (more values could
    // only allow more).
    if headers
        .accept
        .is_some_and(|v| v.as_bytes() == b"application/json, text/event-stream")
    {
        return Accepted {
            json: true,
            event_stream: true,
        };
    }
    let mut out = Accepted::default();
    for value in headers.map.get_all(ACCEPT) {
        for item in value.as_bytes().split(|&b| b == b',') {
            let range = item
                .split(|&b| b == b';')
                .next()
                .unwrap_or_default()
                .trim_ascii();
            if range == b"*/*" {
                out.json = true;
                out.event_stream = true;
            } else if range.eq_ignore_ascii_case(JSON.as_bytes())
                || range.eq_ignore_ascii_case(b"application/*")
            {
                out.json = true;
            } else if range.eq_ignore_ascii_case(EVENT_STREAM.as_bytes())
                || range.eq_ignore_ascii_case(b"text/*")
            {
                out.event_stream = true;
            }
        }
    }
    out
}

fn content_type_is_json(content_type: Option<&HeaderValue>) -> bool {
    content_type.is_some_and(|v| {
        if v.as_bytes() == JSON.as_bytes() {
            return true;
        }
        let media = v
            .as_bytes()
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default();
        media.trim_ascii().eq_ignore_ascii_case(JSON.as_bytes())
    })
}

fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<HttpBody> {
    let mut resp = Response::new(BodyExt::boxed(Full::new(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn empty(status: StatusCode) -> Response<HttpBody> {
    let mut resp = Response::new(BodyExt::boxed(http_body_util::Empty::new()));
    *resp.status_mut() = status;
    resp
}

fn json_response(status: StatusCode, message: &Message) -> Response<HttpBody> {
    let body = message.to_json().unwrap_or_default();
    with_body(status, JSON, Bytes::from(body))
}

/// An HTTP error whose body is a JSON-RPC error response without an id.
fn error(status: StatusCode, code: i64, message: impl Into<String>) -> Response<HttpBody> {
    json_response(
        status,
        &Message::Response(RpcResponse::error(None, ErrorObject::new(code, message))),
    )
}

/// A body of fixed text.
pub(crate) fn text_body(text: &'static str) -> HttpBody {
    http_body_util::BodyExt::boxed(http_body_util::Full::new(Bytes::from_static(
        text.as_bytes(),
    )))
}

/// 404 for any path but the MCP endpoint's, naming the endpoint.
pub(crate) fn not_found(endpoint: &str) -> Response<HttpBody> {
    error(
        StatusCode::NOT_FOUND,
        ErrorCode::INVALID_REQUEST,
        format!("Not Found: this server's MCP endpoint is {endpoint}"),
    )
}
