//! The client side of Streamable HTTP: one POST per message, answers as JSON or SSE.

use super::Inbound;
use super::modern::{self, Mirrored, ToolHeaders};
use crate::error::Error;
use crate::protocol::{
    Cancelled, Initialize, Initialized, Listen, Message, ProtocolVersion, RequestId,
};
// `Method` here is HTTP's; the MCP traits only lend their names.
use crate::protocol::{Method as _, NotificationMethod as _};
use bytes::Bytes;
use futures_util::StreamExt as _;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize as _;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

type Hyper = HyperClient<HttpConnector, Full<Bytes>>;

/// How long to wait before resuming a broken SSE answer when the server gave no `retry`.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);

/// How far the client got in the SSE answer to one request, to resume it after the
/// connection breaks.
#[derive(Default)]
struct Cursor {
    last_event_id: Option<String>,
    retry: Option<Duration>,
    answered: bool,
}

/// What the connection learned at `initialize`.
#[derive(Default)]
struct SessionInfo {
    id: Option<String>,
    version: Option<String>,
}

struct Conn {
    hyper: Hyper,
    uri: Uri,
    session: Mutex<SessionInfo>,
    inbound: Inbound,
    max_bytes: usize,
    /// The initialize request, to start a new session when the server ends this one.
    initialize: Mutex<Option<Message>>,
    /// The `x-mcp-header` parameters of the tools, to mirror them (2026-07-28).
    tools: ToolHeaders,
    /// 2026-07-28: the POSTs in flight, by request id; closing one's response stream is
    /// how this transport cancels a request.
    inflight: Mutex<std::collections::HashMap<RequestId, tokio::task::AbortHandle>>,
}

/// Posts every outgoing message; ends the session with DELETE when the client closes.
pub(super) async fn run(
    uri: Uri,
    mut rx: mpsc::Receiver<Message>,
    inbound: Inbound,
    max_bytes: usize,
    tools: ToolHeaders,
) {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let hyper = HyperClient::builder(TokioExecutor::new()).build(connector);
    let conn = Arc::new(Conn {
        hyper,
        uri,
        session: Mutex::default(),
        inbound,
        max_bytes,
        initialize: Mutex::default(),
        tools,
        inflight: Mutex::default(),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut listener: Option<tokio::task::JoinHandle<()>> = None;
    // 2026-07-28 `subscriptions/listen` POSTs, which only end when cancelled.
    let mut listens = Vec::new();
    while let Some(message) = rx.recv().await {
        while tasks.try_join_next().is_some() {}
        listens.retain(|l: &tokio::task::AbortHandle| !l.is_finished());
        // A modern request is cancelled by closing its response stream, not by a message.
        if let Message::Notification(n) = &message
            && n.method == Cancelled::NAME
            && let Ok(params) = n.params_of::<Cancelled>()
            && let Some(id) = params.request_id
            && let Some(post) = lock(&conn.inflight).remove(&id)
        {
            post.abort();
            continue;
        }
        let modern = match &message {
            Message::Request(r) => r
                .params
                .as_deref()
                .is_some_and(|p| crate::protocol::may_be_modern(p.get()))
                .then(|| (r.id.clone(), r.method == Listen::NAME)),
            _ => None,
        };
        let is_initialize = matches!(&message, Message::Request(r) if r.method == Initialize::NAME);
        let is_initialized =
            matches!(&message, Message::Notification(n) if n.method == Initialized::NAME);
        let conn = conn.clone();
        if is_initialize {
            *lock(&conn.initialize) = Some(message.clone());
            // Everything after initialize needs its session id: wait for it.
            conn.post(message).await;
            if listener.is_none() && conn.session().id.is_some() {
                listener = Some(tokio::spawn(conn.clone().listen()));
            }
        } else if is_initialized {
            // In order too: until it arrives, the server sends the session no list changes
            // or resource updates, and a request posted alongside could overtake it.
            conn.post(message).await;
        } else if let Some((id, is_listen)) = modern {
            // Registered before the task can end, which unregisters it.
            let mut inflight = lock(&conn.inflight);
            let post = tasks.spawn({
                let (conn, id) = (conn.clone(), id.clone());
                async move {
                    conn.post(message).await;
                    lock(&conn.inflight).remove(&id);
                }
            });
            if is_listen {
                listens.push(post.clone());
            }
            inflight.insert(id, post);
        } else {
            tasks.spawn(async move { conn.post(message).await });
        }
    }
    // Nobody holds the client any more: its listen streams end with it.
    for listen in listens {
        listen.abort();
    }
    while tasks.join_next().await.is_some() {}
    if let Some(listener) = listener {
        listener.abort();
    }
    conn.delete_session().await;
    conn.inbound.close(None);
}

impl Conn {
    fn session(&self) -> std::sync::MutexGuard<'_, SessionInfo> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn request(
        &self,
        method: Method,
        body: Bytes,
        mirrored: Option<&Mirrored>,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let mut builder = Request::builder().method(&method).uri(self.uri.clone());
        if method == Method::POST {
            builder = builder
                .header(ACCEPT, "application/json, text/event-stream")
                .header(CONTENT_TYPE, "application/json");
        } else if method == Method::GET {
            builder = builder.header(ACCEPT, "text/event-stream");
        }
        let session = self.session();
        if let Some(id) = &session.id {
            builder = builder.header("mcp-session-id", id);
        }
        match mirrored {
            // 2026-07-28: the headers mirror the body.
            Some(m) => {
                for (name, value) in [
                    ("mcp-protocol-version", &m.version),
                    ("mcp-method", &m.method),
                    ("mcp-name", &m.name),
                ] {
                    if let Some(value) = value {
                        builder = builder.header(name, value);
                    }
                }
                for (name, value) in &m.params {
                    builder = builder.header(name, value);
                }
            }
            None => {
                if let Some(version) = &session.version {
                    builder = builder.header("mcp-protocol-version", version);
                }
            }
        }
        drop(session);
        builder
            .body(Full::new(body))
            .map_err(|e| Error::Transport(format!("bad request: {e}")))
    }

    async fn post(&self, message: Message) {
        let id = match &message {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        if let Err(e) = self.exchange(&message, id.as_ref()).await {
            match &id {
                Some(id) => self.inbound.resolve(id, Err(e)),
                None => tracing::warn!(error = %e, "a notification could not be delivered"),
            }
        }
    }

    async fn exchange(&self, message: &Message, id: Option<&RequestId>) -> Result<(), Error> {
        let is_initialize = matches!(message, Message::Request(r) if r.method == Initialize::NAME);
        let mirrored = match message {
            Message::Request(r) => modern::mirrored(r, &self.tools),
            _ => None,
        };
        if let Some(version) = mirrored.as_ref().and_then(|m| m.version.clone()) {
            // The version of the notifications that follow.
            self.session().version = Some(version);
        } else if is_initialize {
            // A fallback after a 2026-07-28 probe: no version until the server picks one.
            self.session().version = None;
        }
        let body = serde_json::to_vec(message).map_err(|e| Error::Protocol(e.to_string()))?;
        let mut resp = self
            .send_post(Bytes::from(body.clone()), mirrored.as_ref())
            .await?;
        // The server ended the session: start a new one and send the message again, once
        // (a client MUST re-initialize after a 404 on its session).
        if resp.status() == StatusCode::NOT_FOUND && !is_initialize && self.session().id.is_some() {
            self.start_new_session().await?;
            resp = self.send_post(Bytes::from(body), None).await?;
        }
        let status = resp.status();
        if is_initialize
            && let Some(sid) = resp
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
        {
            self.session().id = Some(sid.to_owned());
        }
        let is_sse = is_event_stream(resp.headers());
        if status == StatusCode::ACCEPTED {
            return Ok(());
        }
        if !status.is_success() {
            let text = self.read_body(resp.into_body()).await.unwrap_or_default();
            // A JSON-RPC error answering the request (a 400 of 2026-07-28, for instance):
            // the request fails with it.
            if let Some(value) = serde_json::from_slice::<Value>(&text).ok()
                && value.get("error").is_some()
                && id.is_some_and(|id| answers(&value, id))
            {
                self.deliver(value).await;
                return Ok(());
            }
            let text = String::from_utf8_lossy(&text);
            return Err(Error::Transport(match status {
                StatusCode::NOT_FOUND if self.session().id.is_some() => {
                    format!("the server ended the session (404): {text}")
                }
                _ => format!("HTTP {status}: {text}"),
            }));
        }
        if is_sse {
            let mut cursor = Cursor::default();
            self.read_events(resp.into_body(), id, &mut cursor).await;
            return match id {
                Some(id) => self.resume(id, cursor).await,
                None => Ok(()),
            };
        }
        let body = self.read_body(resp.into_body()).await?;
        if let Some(value) = parse(&body) {
            self.deliver(value).await;
        }
        Ok(())
    }

    /// Delivers the messages of an SSE body until it ends or its connection breaks;
    /// `cursor` keeps where it stopped.
    async fn read_events(
        &self,
        body: hyper::body::Incoming,
        id: Option<&RequestId>,
        cursor: &mut Cursor,
    ) {
        let mut events = sse_stream::SseStream::new(body);
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(event) => event,
                Err(e) => {
                    tracing::debug!(error = %e, "the SSE stream broke");
                    return;
                }
            };
            if let Some(event_id) = event.id {
                cursor.last_event_id = Some(event_id);
            }
            if let Some(retry) = event.retry {
                cursor.retry = Some(Duration::from_millis(retry));
            }
            let Some(value) = event.data.as_deref().and_then(|d| parse(d.as_bytes())) else {
                continue;
            };
            cursor.answered |= id.is_some_and(|id| answers(&value, id));
            self.deliver(value).await;
        }
    }

    /// Resumes the SSE answer to request `id` after its connection ended without the
    /// response: waits the server's `retry`, then GETs the stream from the last event id
    /// seen, as long as the request is awaited and the server resumes it.
    async fn resume(&self, id: &RequestId, mut cursor: Cursor) -> Result<(), Error> {
        while !cursor.answered {
            let Some(last) = cursor.last_event_id.clone() else {
                return Err(Error::Transport(
                    "the server's event stream ended before the response and cannot be resumed (its events have no id)".into(),
                ));
            };
            if !self.awaits(id) {
                return Ok(());
            }
            tokio::time::sleep(cursor.retry.unwrap_or(DEFAULT_RETRY)).await;
            let mut req = self.request(Method::GET, Bytes::new(), None)?;
            let last = HeaderValue::from_str(&last).map_err(|_| {
                Error::Transport(format!(
                    "the server sent an event id that is not a header value: {last:?}"
                ))
            })?;
            req.headers_mut().insert("last-event-id", last);
            let resp = self.hyper.request(req).await.map_err(|e| {
                Error::Transport(format!(
                    "resuming the answer (GET {}) failed: {e}",
                    self.uri
                ))
            })?;
            let status = resp.status();
            if status != StatusCode::OK || !is_event_stream(resp.headers()) {
                let text = self.read_body(resp.into_body()).await.unwrap_or_default();
                return Err(Error::Transport(format!(
                    "the answer's event stream broke and resuming it failed: HTTP {status}: {}",
                    String::from_utf8_lossy(&text)
                )));
            }
            self.read_events(resp.into_body(), Some(id), &mut cursor)
                .await;
        }
        Ok(())
    }

    /// True while a caller waits for the response to `id` (not yet answered or timed out).
    fn awaits(&self, id: &RequestId) -> bool {
        super::lock(&self.inbound.pending).contains_key(id)
    }

    async fn send_post(
        &self,
        body: Bytes,
        mirrored: Option<&Mirrored>,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let req = self.request(Method::POST, body, mirrored)?;
        self.hyper
            .request(req)
            .await
            .map_err(|e| Error::Transport(format!("POST {} failed: {e}", self.uri)))
    }

    /// Sends the initialize request again, without the old session id, and then
    /// `notifications/initialized`.
    async fn start_new_session(&self) -> Result<(), Error> {
        let Some(Message::Request(mut init)) = lock(&self.initialize).clone() else {
            return Err(Error::Transport(
                "the server ended the session (404)".into(),
            ));
        };
        init.id = RequestId::String("reinitialize".into());
        self.session().id = None;
        let body = serde_json::to_vec(&Message::Request(init))
            .map_err(|e| Error::Protocol(e.to_string()))?;
        let resp = self.send_post(Bytes::from(body), None).await?;
        let sid = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if resp.status() != StatusCode::OK || sid.is_none() {
            return Err(Error::Transport(format!(
                "the server ended the session (404) and refused a new one (HTTP {})",
                resp.status()
            )));
        }
        self.session().id = sid;
        let _ = self.read_body(resp.into_body()).await;
        let initialized = Message::Notification(crate::protocol::Notification {
            method: Initialized::NAME.into(),
            params: None,
        });
        let body = serde_json::to_vec(&initialized).map_err(|e| Error::Protocol(e.to_string()))?;
        self.send_post(Bytes::from(body), None).await.map(drop)
    }

    /// Listens on the session's GET stream for what the server sends outside any call
    /// (list changes, resource updates), reconnecting with `Last-Event-ID` when it drops.
    async fn listen(self: Arc<Self>) {
        let mut cursor = Cursor::default();
        loop {
            let resp = match self.request(Method::GET, Bytes::new(), None) {
                Ok(mut req) => {
                    if let Some(last) = cursor
                        .last_event_id
                        .as_deref()
                        .and_then(|l| HeaderValue::from_str(l).ok())
                    {
                        req.headers_mut().insert("last-event-id", last);
                    }
                    self.hyper.request(req).await
                }
                Err(_) => return,
            };
            match resp {
                Ok(resp) if resp.status() == StatusCode::OK && is_event_stream(resp.headers()) => {
                    self.read_events(resp.into_body(), None, &mut cursor).await;
                }
                // 405: no GET stream here; 404: the session ended; 409: another is open.
                Ok(resp) => {
                    tracing::debug!(status = %resp.status(), "no GET stream");
                    return;
                }
                Err(e) => tracing::debug!(error = %e, "the GET stream failed"),
            }
            tokio::time::sleep(cursor.retry.unwrap_or(DEFAULT_RETRY)).await;
        }
    }

    async fn read_body(&self, body: hyper::body::Incoming) -> Result<Bytes, Error> {
        Limited::new(body, self.max_bytes)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|e| Error::Transport(format!("reading the answer failed: {e}")))
    }

    /// Hands a received JSON message to the client, noting the negotiated version.
    async fn deliver(&self, value: Value) {
        if let Some(version) = value
            .pointer("/result/protocolVersion")
            .and_then(Value::as_str)
            && ProtocolVersion::parse(version).is_some()
        {
            self.session().version = Some(version.to_owned());
        }
        self.inbound.handle(value).await;
    }

    async fn delete_session(&self) {
        if self.session().id.is_none() {
            return;
        }
        let Ok(req) = self.request(Method::DELETE, Bytes::new(), None) else {
            return;
        };
        match self.hyper.request(req).await {
            Ok(resp)
                if resp.status().is_success()
                    || resp.status() == StatusCode::METHOD_NOT_ALLOWED => {}
            Ok(resp) => tracing::debug!(status = %resp.status(), "DELETE of the session refused"),
            Err(e) => tracing::debug!(error = %e, "DELETE of the session failed"),
        }
    }
}

/// The JSON of a message the server sent; `None` (logged) when it is empty or not JSON.
fn parse(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes);
            tracing::warn!(error = %e, %text, "the server sent invalid JSON");
            None
        }
    }
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// True when `message` is the response to request `id`.
fn answers(message: &Value, id: &RequestId) -> bool {
    message.get("method").is_none()
        && message
            .get("id")
            .is_some_and(|v| RequestId::deserialize(v).is_ok_and(|v| v == *id))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
