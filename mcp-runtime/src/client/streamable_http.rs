//! The client side of Streamable HTTP: one POST per message, answers as JSON or SSE.

use super::Inbound;
use crate::error::Error;
use crate::protocol::{Message, ProtocolVersion, RequestId};
use bytes::Bytes;
use futures_util::StreamExt as _;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

type Hyper = HyperClient<HttpConnector, Full<Bytes>>;

/// How often a call's stream may be resumed before the client gives up.
const MAX_RESUMES: usize = 10;

/// Where a stream was left: its last event id and the advised reconnection delay.
struct StreamCursor {
    last_id: Option<String>,
    retry: std::time::Duration,
    answered: bool,
}

impl Default for StreamCursor {
    fn default() -> Self {
        StreamCursor {
            last_id: None,
            retry: std::time::Duration::from_millis(1000),
            answered: false,
        }
    }
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
}

/// Posts every outgoing message; ends the session with DELETE when the client closes.
pub(super) async fn run(
    uri: Uri,
    mut rx: mpsc::Receiver<Message>,
    inbound: Inbound,
    max_bytes: usize,
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
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut listener: Option<tokio::task::JoinHandle<()>> = None;
    while let Some(message) = rx.recv().await {
        while tasks.try_join_next().is_some() {}
        let is_initialize = matches!(&message, Message::Request(r) if r.method == "initialize");
        let conn = conn.clone();
        if is_initialize {
            // Everything after initialize needs its session id: wait for it.
            conn.post(message).await;
            if listener.is_none() && conn.session().id.is_some() {
                listener = Some(tokio::spawn(conn.clone().listen()));
            }
        } else {
            tasks.spawn(async move { conn.post(message).await });
        }
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

    fn request(&self, method: Method, body: Bytes) -> Result<Request<Full<Bytes>>, Error> {
        let mut builder = Request::builder()
            .method(method)
            .uri(self.uri.clone())
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json");
        let session = self.session();
        if let Some(id) = &session.id {
            builder = builder.header("mcp-session-id", id);
        }
        if let Some(version) = &session.version {
            builder = builder.header("mcp-protocol-version", version);
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
        let body = serde_json::to_vec(message).map_err(|e| Error::Protocol(e.to_string()))?;
        let req = self.request(Method::POST, Bytes::from(body))?;
        let resp = self
            .hyper
            .request(req)
            .await
            .map_err(|e| Error::Transport(format!("POST {} failed: {e}", self.uri)))?;
        let status = resp.status();
        if let Some(sid) = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
        {
            self.session().id = Some(sid.to_owned());
        }
        let is_sse = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if status == StatusCode::ACCEPTED {
            return Ok(());
        }
        if !status.is_success() {
            let text = self.read_body(resp.into_body()).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            return Err(Error::Transport(match status {
                StatusCode::NOT_FOUND if self.session().id.is_some() => {
                    format!("the server ended the session (404): {text}")
                }
                _ => format!("HTTP {status}: {text}"),
            }));
        }
        if is_sse {
            return self.read_call_stream(resp.into_body(), id).await;
        }
        let body = self.read_body(resp.into_body()).await?;
        if !body.is_empty() {
            self.deliver(&String::from_utf8_lossy(&body)).await;
        }
        let _ = id;
        Ok(())
    }

    /// Reads a POST's SSE stream until its response; if the server closes the connection
    /// first (SEP-1699 polling), resumes it with GET and `Last-Event-ID`.
    async fn read_call_stream(
        &self,
        body: hyper::body::Incoming,
        id: Option<&RequestId>,
    ) -> Result<(), Error> {
        let mut cursor = StreamCursor::default();
        self.read_events(body, id, &mut cursor).await?;
        let mut attempts = 0;
        while !cursor.answered && id.is_some() {
            let Some(last) = cursor.last_id.clone() else {
                return Err(Error::Transport(
                    "the server closed the stream before answering".into(),
                ));
            };
            attempts += 1;
            if attempts > MAX_RESUMES {
                return Err(Error::Transport(format!(
                    "the stream was cut {MAX_RESUMES} times without an answer"
                )));
            }
            tokio::time::sleep(cursor.retry).await;
            let resp = self.get_stream(Some(&last)).await?;
            if !resp.status().is_success() {
                return Err(Error::Transport(format!(
                    "resuming the stream failed: HTTP {}",
                    resp.status()
                )));
            }
            self.read_events(resp.into_body(), id, &mut cursor).await?;
        }
        Ok(())
    }

    async fn read_events(
        &self,
        body: hyper::body::Incoming,
        id: Option<&RequestId>,
        cursor: &mut StreamCursor,
    ) -> Result<(), Error> {
        let mut events = sse_stream::SseStream::new(body);
        while let Some(event) = events.next().await {
            let Ok(event) = event else { break };
            if let Some(event_id) = event.id {
                cursor.last_id = Some(event_id);
            }
            if let Some(retry) = event.retry {
                cursor.retry = std::time::Duration::from_millis(retry.min(60_000));
            }
            if let Some(data) = event.data.filter(|d| !d.trim().is_empty()) {
                if let (Some(id), Ok(value)) = (id, serde_json::from_str::<Value>(&data)) {
                    let is_answer = value.get("method").is_none()
                        && value.get("id").is_some_and(|v| {
                            serde_json::from_value::<RequestId>(v.clone()).ok().as_ref() == Some(id)
                        });
                    cursor.answered |= is_answer;
                }
                self.deliver(&data).await;
            }
        }
        Ok(())
    }

    async fn get_stream(
        &self,
        last_event_id: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let mut req = self.request(Method::GET, Bytes::new())?;
        req.headers_mut()
            .insert(ACCEPT, http::HeaderValue::from_static("text/event-stream"));
        req.headers_mut().remove(CONTENT_TYPE);
        if let Some(last) = last_event_id.and_then(|l| http::HeaderValue::from_str(l).ok()) {
            req.headers_mut().insert("last-event-id", last);
        }
        self.hyper
            .request(req)
            .await
            .map_err(|e| Error::Transport(format!("GET {} failed: {e}", self.uri)))
    }

    /// Listens on the session's GET stream for what the server sends outside any call
    /// (list changes, resource updates), reconnecting with `Last-Event-ID` when it drops.
    async fn listen(self: Arc<Self>) {
        let mut cursor = StreamCursor::default();
        loop {
            match self.get_stream(cursor.last_id.as_deref()).await {
                Ok(resp) if resp.status().is_success() => {
                    let _ = self.read_events(resp.into_body(), None, &mut cursor).await;
                }
                // 405: no GET stream here; 404: the session ended; 409: another is open.
                Ok(resp) => {
                    tracing::debug!(status = %resp.status(), "no GET stream");
                    return;
                }
                Err(e) => tracing::debug!(error = %e, "GET stream failed"),
            }
            tokio::time::sleep(cursor.retry).await;
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
    async fn deliver(&self, text: &str) {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            tracing::warn!(text, "the server sent invalid JSON");
            return;
        };
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
        let Ok(req) = self.request(Method::DELETE, Bytes::new()) else {
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
