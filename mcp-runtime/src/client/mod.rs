//! An MCP client with one API over every transport: in memory ([`Client::in_memory`]),
//! stdio (a child process, [`Client::stdio`], or any byte stream), and Streamable HTTP
//! (`Client::http`, with the `http-client` feature).

use crate::error::{Error, Result};
use crate::protocol::{
    CallToolResult, Completion, CreateMessageRequest, CreateMessageResult, ElicitResult,
    ErrorObject, GetPromptResult, Implementation, InitializeResult, Message, Notification, Prompt,
    ProtocolVersion, ReadResourceResult, Request, RequestId, Resource, ResourceTemplate, Response,
    Root, Tool,
};
use crate::server::BoxFuture;
use crate::server::Server;

#[cfg(feature = "http-client")]
mod streamable_http;
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, LinesCodec};

/// Sees every message the client receives, as raw JSON (for logging and tests).
pub type Inspector = Arc<dyn Fn(&Value) + Send + Sync>;

type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, Error>>>>>;

/// Options for connecting a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    info: Implementation,
    protocol_version: String,
    capabilities: Value,
    timeout: Duration,
    inspector: Option<Inspector>,
    max_message_bytes: usize,
    handlers: Handlers,
}

/// Answers `sampling/createMessage`.
pub type SamplingHandler = Arc<
    dyn Fn(CreateMessageRequest) -> BoxFuture<Result<CreateMessageResult, ErrorObject>>
        + Send
        + Sync,
>;
/// Answers `elicitation/create`; gets the request's params (`message`, `requestedSchema`
/// or `url`, `mode`).
pub type ElicitationHandler =
    Arc<dyn Fn(Map<String, Value>) -> BoxFuture<Result<ElicitResult, ErrorObject>> + Send + Sync>;
/// Sees every notification from the server (logging, list changes, resource updates...).
pub type NotificationHandler = Arc<dyn Fn(Notification) + Send + Sync>;
type ProgressHandler = Arc<dyn Fn(f64, Option<f64>, Option<String>) + Send + Sync>;

/// What the client does when the server asks or tells it something.
#[derive(Clone, Default)]
pub(crate) struct Handlers {
    sampling: Option<SamplingHandler>,
    elicitation: Option<ElicitationHandler>,
    roots: Option<Vec<Root>>,
    notification: Option<NotificationHandler>,
    progress: Arc<Mutex<HashMap<String, ProgressHandler>>>,
    /// The server's requests being answered, to stop one the server cancels.
    answering: Arc<Mutex<HashMap<RequestId, tokio::task::AbortHandle>>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            info: Implementation {
                name: "mcp-runtime-client".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                title: None,
                description: None,
                website_url: None,
            },
            protocol_version: ProtocolVersion::LATEST.as_str().into(),
            capabilities: json!({}),
            timeout: Duration::from_secs(60),
            inspector: None,
            max_message_bytes: 16 << 20,
            handlers: Handlers::default(),
        }
    }
}

impl ClientBuilder {
    /// The protocol version to ask for (any string: servers answer with what they speak).
    pub fn protocol_version(mut self, version: impl Into<String>) -> Self {
        self.protocol_version = version.into();
        self
    }

    /// The client's name and version.
    pub fn info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.info.name = name.into();
        self.info.version = version.into();
        self
    }

    /// The capabilities to declare.
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// How long to wait for each answer (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Answers the server's sampling requests (and declares the `sampling` capability).
    pub fn on_sampling<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(CreateMessageRequest) -> Fut + Send + Sync + 'static,
        Fut:
            std::future::Future<Output = Result<CreateMessageResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.sampling = Some(Arc::new(move |req| Box::pin(f(req))));
        self
    }

    /// Answers the server's elicitation requests, form and URL mode (and declares the
    /// `elicitation` capability).
    pub fn on_elicitation<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<ElicitResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.elicitation = Some(Arc::new(move |req| Box::pin(f(req))));
        self
    }

    /// The roots to show the server (and declares the `roots` capability).
    pub fn roots(mut self, roots: Vec<Root>) -> Self {
        self.handlers.roots = Some(roots);
        self
    }

    /// Calls `f` with every notification from the server.
    pub fn on_notification(mut self, f: impl Fn(Notification) + Send + Sync + 'static) -> Self {
        self.handlers.notification = Some(Arc::new(f));
        self
    }

    /// The capabilities to declare: the ones given, plus those of the handlers set.
    fn declared_capabilities(&self) -> Value {
        let mut caps = match &self.capabilities {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        if self.handlers.sampling.is_some() {
            caps.entry("sampling").or_insert(json!({}));
        }
        if self.handlers.elicitation.is_some() {
            caps.entry("elicitation")
                .or_insert(json!({ "form": {}, "url": {} }));
        }
        if self.handlers.roots.is_some() {
            caps.entry("roots")
                .or_insert(json!({ "listChanged": false }));
        }
        Value::Object(caps)
    }

    /// Calls `f` with every message received, before it is handled.
    pub fn inspect(mut self, f: impl Fn(&Value) + Send + Sync + 'static) -> Self {
        self.inspector = Some(Arc::new(f));
        self
    }

    /// Connects to a server in the same process (messages still go through JSON).
    pub async fn in_memory(self, server: &Server) -> Result<Client> {
        let (client_end, server_end) = tokio::io::duplex(64 << 10);
        let server = server.clone();
        tokio::spawn(async move {
            let (read, write) = tokio::io::split(server_end);
            if let Err(e) = crate::transport::serve_io(&server, read, write).await {
                tracing::warn!(error = %e, "in-memory server ended");
            }
        });
        let (read, write) = tokio::io::split(client_end);
        self.connect_io(read, write, None).await
    }

    /// Starts `command` and talks to it over its stdin and stdout (stderr is inherited).
    pub async fn stdio(self, mut command: Command) -> Result<Client> {
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::Protocol(
                "the child process has no stdin or stdout".into(),
            ));
        };
        self.connect_io(stdout, stdin, Some(child)).await
    }

    /// Talks newline-delimited JSON-RPC over a byte stream and performs the handshake.
    pub async fn connect_io<R, W>(
        self,
        reader: R,
        writer: W,
        child: Option<Child>,
    ) -> Result<Client>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out_tx, out_rx) = mpsc::channel::<Message>(64);
        let pending: Pending = Arc::default();
        let writer = tokio::spawn(write_loop(writer, out_rx));
        let inbound = self.inbound(&pending, &out_tx);
        tokio::spawn(read_loop(reader, self.max_message_bytes, inbound));
        let connection = match child {
            Some(child) => Connection::Child(child),
            None => Connection::Task(writer),
        };
        self.handshake(out_tx, pending, connection).await
    }

    /// Connects to a Streamable HTTP endpoint, e.g. `http://127.0.0.1:8000/mcp` (cargo
    /// feature `http-client`).
    #[cfg(feature = "http-client")]
    pub async fn http(self, url: &str) -> Result<Client> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| Error::Transport(format!("invalid URL {url:?}: {e}")))?;
        let (out_tx, out_rx) = mpsc::channel::<Message>(64);
        let pending: Pending = Arc::default();
        let inbound = self.inbound(&pending, &out_tx);
        let task = tokio::spawn(streamable_http::run(
            uri,
            out_rx,
            inbound,
            self.max_message_bytes,
        ));
        self.handshake(out_tx, pending, Connection::Task(task))
            .await
    }

    fn inbound(&self, pending: &Pending, out: &mpsc::Sender<Message>) -> Inbound {
        Inbound {
            pending: pending.clone(),
            out: out.downgrade(),
            inspector: self.inspector.clone(),
            handlers: self.handlers.clone(),
        }
    }

    async fn handshake(
        self,
        out: mpsc::Sender<Message>,
        pending: Pending,
        connection: Connection,
    ) -> Result<Client> {
        let mut client = Client {
            out,
            pending,
            next_id: Arc::new(AtomicI64::new(1)),
            timeout: self.timeout,
            init: None,
            connection: Arc::new(tokio::sync::Mutex::new(Some(connection))),
            handlers: self.handlers.clone(),
        };
        let params = json!({
            "protocolVersion": self.protocol_version,
            "capabilities": self.declared_capabilities(),
            "clientInfo": self.info,
        });
        let init: InitializeResult = client.request_as("initialize", params).await?;
        client.notify("notifications/initialized", None).await?;
        client.init = Some(Arc::new(init));
        Ok(client)
    }
}

/// A connection to an MCP server.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Add two integers.
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> mcp_runtime::Result<()> {
/// let server = Server::builder().tool(add).build()?;
/// let client = Client::in_memory(&server).await?;
/// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
/// assert_eq!(result.structured_content, Some(serde_json::json!({"result": 5})));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    out: mpsc::Sender<Message>,
    pending: Pending,
    next_id: Arc<AtomicI64>,
    timeout: Duration,
    init: Option<Arc<InitializeResult>>,
    connection: Arc<tokio::sync::Mutex<Option<Connection>>>,
    handlers: Handlers,
}

/// What keeps a connection going, to wind it down on close.
enum Connection {
    /// A server process: waited for.
    Child(Child),
    /// The task that writes (stdio, in memory) or posts (HTTP): waited for.
    Task(tokio::task::JoinHandle<()>),
}

impl Client {
    /// Options for connecting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects to a server in the same process.
    pub async fn in_memory(server: &Server) -> Result<Client> {
        ClientBuilder::default().in_memory(server).await
    }

    /// Starts a server program and connects to it over stdio.
    pub async fn stdio(command: Command) -> Result<Client> {
        ClientBuilder::default().stdio(command).await
    }

    /// Connects to a Streamable HTTP endpoint, e.g. `http://127.0.0.1:8000/mcp` (cargo
    /// feature `http-client`).
    #[cfg(feature = "http-client")]
    pub async fn http(url: &str) -> Result<Client> {
        ClientBuilder::default().http(url).await
    }

    /// What the server answered to `initialize`.
    pub fn server(&self) -> Option<&InitializeResult> {
        self.init.as_deref()
    }

    /// Sends a request and waits for its result.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value> {
        let (_, answer) = self.begin(method, params).await?;
        answer.await
    }

    /// Sends a request and returns its id (to [`Client::cancel`] it) and its answer.
    pub async fn begin(
        &self,
        method: &str,
        params: Value,
    ) -> Result<(
        RequestId,
        impl std::future::Future<Output = Result<Value>> + use<>,
    )> {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let params = match params {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err(Error::Protocol(format!(
                    "params must be an object, not {other}"
                )));
            }
        };
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id.clone(), tx);
        let message = Message::Request(Request::new(id.clone(), method, params.as_ref()));
        if let Err(e) = self.send(&message).await {
            lock(&self.pending).remove(&id);
            return Err(e);
        }
        let (client, request_id) = (self.clone(), id.clone());
        let answer = async move {
            match tokio::time::timeout(client.timeout, rx).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err(Error::Closed),
                Err(_) => {
                    let _ = client.cancel(&request_id, "timed out").await;
                    Err(Error::Timeout(client.timeout))
                }
            }
        };
        Ok((id, answer))
    }

    /// Cancels a request in flight (`notifications/cancelled`); its answer becomes
    /// [`Error::Cancelled`].
    pub async fn cancel(&self, id: &RequestId, reason: &str) -> Result<()> {
        if let Some(tx) = lock(&self.pending).remove(id) {
            let _ = tx.send(Err(Error::Cancelled));
        }
        let params = json!({ "requestId": id, "reason": reason });
        self.notify("notifications/cancelled", Some(params)).await
    }

    /// Calls a tool and reports its progress notifications to `on_progress`
    /// (`progress`, `total`, `message`).
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
        on_progress: impl Fn(f64, Option<f64>, Option<String>) + Send + Sync + 'static,
    ) -> Result<CallToolResult> {
        let token = format!("progress-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        lock(&self.handlers.progress).insert(token.clone(), Arc::new(on_progress));
        let params =
            json!({ "name": name, "arguments": arguments, "_meta": { "progressToken": token } });
        let result = self.request("tools/call", params).await;
        lock(&self.handlers.progress).remove(&token);
        serde_json::from_value(result?)
            .map_err(|e| Error::Protocol(format!("the result of tools/call is malformed: {e}")))
    }

    /// Sets the least severe log level the server should send (`logging/setLevel`).
    pub async fn set_log_level(&self, level: crate::protocol::LoggingLevel) -> Result<()> {
        self.request("logging/setLevel", json!({ "level": level }))
            .await
            .map(drop)
    }

    /// Asks for completions of a prompt argument (`ref/prompt`) or template variable
    /// (`ref/resource`): `reference` is e.g. `{"type": "ref/prompt", "name": "review"}`.
    pub async fn complete(
        &self,
        reference: Value,
        argument: &str,
        value: &str,
    ) -> Result<Completion> {
        let params = json!({ "ref": reference, "argument": { "name": argument, "value": value } });
        let mut result = self.request("completion/complete", params).await?;
        serde_json::from_value(result["completion"].take()).map_err(|e| {
            Error::Protocol(format!(
                "the result of completion/complete is malformed: {e}"
            ))
        })
    }

    /// Subscribes to updates of a resource (`resources/subscribe`).
    pub async fn subscribe(&self, uri: &str) -> Result<()> {
        self.request("resources/subscribe", json!({ "uri": uri }))
            .await
            .map(drop)
    }

    /// Ends a subscription (`resources/unsubscribe`).
    pub async fn unsubscribe(&self, uri: &str) -> Result<()> {
        self.request("resources/unsubscribe", json!({ "uri": uri }))
            .await
            .map(drop)
    }

    async fn request_as<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T> {
        let value = self.request(method, params).await?;
        serde_json::from_value(value)
            .map_err(|e| Error::Protocol(format!("the result of {method} is malformed: {e}")))
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<()> {
        let params = params.and_then(|p| p.as_object().cloned());
        self.send(&Message::Notification(Notification {
            method: method.into(),
            params,
        }))
        .await
    }

    async fn send(&self, message: &Message) -> Result<()> {
        self.out
            .send(message.clone())
            .await
            .map_err(|_| Error::Closed)
    }

    /// `ping`.
    pub async fn ping(&self) -> Result<()> {
        self.request("ping", json!({})).await.map(drop)
    }

    async fn list_all<T: DeserializeOwned>(&self, method: &str, key: &str) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({ "cursor": c }),
                None => json!({}),
            };
            let mut page = self.request(method, params).await?;
            let batch: Vec<T> = serde_json::from_value(page[key].take()).map_err(|e| {
                Error::Protocol(format!("the result of {method} is malformed: {e}"))
            })?;
            items.extend(batch);
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// Every tool, following pagination.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        self.list_all("tools/list", "tools").await
    }

    /// Calls a tool. A tool that fails returns `Ok` with `is_error` set.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult> {
        self.request_as(
            "tools/call",
            json!({ "name": name, "arguments": arguments }),
        )
        .await
    }

    /// Every static resource, following pagination.
    pub async fn list_resources(&self) -> Result<Vec<Resource>> {
        self.list_all("resources/list", "resources").await
    }

    /// Every resource template, following pagination.
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// Reads a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult> {
        self.request_as("resources/read", json!({ "uri": uri }))
            .await
    }

    /// Every prompt, following pagination.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Gets a prompt with these arguments (strings).
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<GetPromptResult> {
        self.request_as(
            "prompts/get",
            json!({ "name": name, "arguments": arguments }),
        )
        .await
    }

    /// Closes the connection: over HTTP the session is ended (DELETE); a child server
    /// process is waited for (it exits when its stdin closes) and its exit status returned.
    /// Other clones of this client stop working.
    pub async fn close(self) -> Result<Option<std::process::ExitStatus>> {
        let Client {
            out, connection, ..
        } = self;
        drop(out);
        let connection = connection.lock().await.take();
        match connection {
            Some(Connection::Child(mut child)) => Ok(Some(child.wait().await?)),
            Some(Connection::Task(task)) => {
                let _ = task.await;
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn write_loop<W: AsyncWrite + Unpin>(mut writer: W, mut rx: mpsc::Receiver<Message>) {
    while let Some(message) = rx.recv().await {
        let Ok(mut bytes) = serde_json::to_vec(&message) else {
            continue;
        };
        bytes.push(b'\n');
        if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
            break;
        }
    }
    let _ = writer.shutdown().await;
}

async fn read_loop<R: AsyncRead + Unpin>(reader: R, max: usize, inbound: Inbound) {
    let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(max));
    while let Some(Ok(line)) = lines.next().await {
        match serde_json::from_str::<Value>(&line) {
            Ok(value) => inbound.handle(value).await,
            Err(_) => tracing::warn!(line, "the server sent invalid JSON"),
        }
    }
    inbound.close(None);
}

impl Handlers {
    /// The answer to a request from the server.
    async fn answer(&self, method: &str, params: Map<String, Value>) -> Result<Value, ErrorObject> {
        match method {
            "ping" => Ok(json!({})),
            "sampling/createMessage" if self.sampling.is_some() => {
                let request: CreateMessageRequest = serde_json::from_value(Value::Object(params))
                    .map_err(|e| {
                    ErrorObject::invalid_params(format!("sampling/createMessage: {e}"))
                })?;
                let handler = self
                    .sampling
                    .clone()
                    .ok_or_else(|| ErrorObject::method_not_found(method))?;
                json_result(handler(request).await?)
            }
            "elicitation/create" if self.elicitation.is_some() => {
                let handler = self
                    .elicitation
                    .clone()
                    .ok_or_else(|| ErrorObject::method_not_found(method))?;
                json_result(handler(params).await?)
            }
            "roots/list" if self.roots.is_some() => Ok(json!({ "roots": self.roots })),
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    fn notified(&self, n: Notification) {
        // The server gave up on a request of its own: stop answering it (no response).
        if n.method == "notifications/cancelled"
            && let Some(id) = n.params.as_ref().and_then(|p| p.get("requestId"))
            && let Ok(id) = serde_json::from_value::<RequestId>(id.clone())
            && let Some(task) = lock(&self.answering).remove(&id)
        {
            task.abort();
        }
        if n.method == "notifications/progress" {
            let params = n.params.clone().unwrap_or_default();
            let token = params
                .get("progressToken")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let handler = lock(&self.progress).get(token).cloned();
            if let Some(handler) = handler {
                let progress = params
                    .get("progress")
                    .and_then(Value::as_f64)
                    .unwrap_or_default();
                let total = params.get("total").and_then(Value::as_f64);
                let message = params
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                handler(progress, total, message);
            }
        }
        match &self.notification {
            Some(handler) => handler(n),
            None => tracing::debug!(method = n.method, "notification"),
        }
    }
}

fn json_result<T: serde::Serialize>(value: T) -> Result<Value, ErrorObject> {
    serde_json::to_value(value).map_err(|e| ErrorObject::internal(e.to_string()))
}

/// Routes what the server sends: responses to their waiting requests, pings answered.
#[derive(Clone)]
pub(crate) struct Inbound {
    pending: Pending,
    /// Weak: the client's own handle decides when the connection closes.
    out: mpsc::WeakSender<Message>,
    inspector: Option<Inspector>,
    handlers: Handlers,
}

impl Inbound {
    pub(crate) async fn handle(&self, value: Value) {
        if let Some(inspect) = &self.inspector {
            inspect(&value);
        }
        let messages = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        for message in messages.into_iter().map(Message::from_value) {
            match message {
                Ok(Message::Response(Response {
                    id: Some(id),
                    outcome,
                })) => {
                    let outcome = outcome.map_err(Error::Rpc).and_then(|raw| {
                        serde_json::from_str(raw.get()).map_err(|e| Error::Protocol(e.to_string()))
                    });
                    self.resolve(&id, outcome);
                }
                Ok(Message::Request(req)) => {
                    // Answered in a task: a handler may take a while (a human fills a form).
                    let (handlers, out) = (self.handlers.clone(), self.out.clone());
                    let id = req.id.clone();
                    let mut answering = lock(&self.handlers.answering);
                    let task = tokio::spawn(async move {
                        let outcome = match req.params_map() {
                            Ok(params) => handlers.answer(&req.method, params).await,
                            Err(e) => Err(ErrorObject::invalid_params(e.to_string())),
                        }
                        .and_then(|value| crate::protocol::raw(&value));
                        lock(&handlers.answering).remove(&req.id);
                        if let Some(out) = out.upgrade() {
                            let _ = out
                                .send(Message::Response(Response {
                                    id: Some(req.id),
                                    outcome,
                                }))
                                .await;
                        }
                    });
                    if !task.is_finished() {
                        answering.insert(id, task.abort_handle());
                    }
                }
                Ok(Message::Notification(n)) => self.handlers.notified(n),
                Ok(Message::Response(r)) => {
                    tracing::warn!(error = ?r.outcome, "response without id")
                }
                Err(e) => {
                    tracing::warn!(error = %e.error.message, "invalid message from the server")
                }
            }
        }
    }

    /// Answers the request `id` with `outcome` (a transport failure, for instance).
    pub(crate) fn resolve(&self, id: &RequestId, outcome: Result<Value>) {
        if let Some(tx) = lock(&self.pending).remove(id) {
            let _ = tx.send(outcome);
        }
    }

    /// Fails every waiting request: with `Error::Closed`, or with the transport's reason.
    pub(crate) fn close(&self, reason: Option<String>) {
        for (_, tx) in lock(&self.pending).drain() {
            let error = reason.clone().map_or(Error::Closed, Error::Transport);
            let _ = tx.send(Err(error));
        }
    }
}
