//! An MCP client with one API over every transport: in memory ([`Client::in_memory`]),
//! stdio (a child process, [`Client::stdio`], or any byte stream), and Streamable HTTP
//! (`Client::http`, with the `http-client` feature).

use crate::error::{Error, Result};
use crate::protocol::{
    AcknowledgedParams, Discover, Listen, ListenParams, RequestParams, SubscriptionFilter,
    SubscriptionsAcknowledged, meta_keys,
};
use crate::protocol::{
    CallTool, CallToolParams, CallToolResult, Cancelled, CancelledParams, ClientCapabilities,
    Complete, CompleteParams, Completion, CompletionArgument, CreateMessage, CreateMessageRequest,
    CreateMessageResult, Elicit, ElicitResult, ElicitationCapability, EmptyResult, ErrorObject,
    GetPrompt, GetPromptParams, GetPromptResult, Implementation, Initialize, InitializeParams,
    InitializeResult, Initialized, ListChangedCapability, ListPrompts, ListResourceTemplates,
    ListResources, ListRoots, ListRootsResult, ListTools, Message, Method, Notification,
    NotificationMethod, NotificationParams, PaginatedParams, Ping, Progress, Prompt,
    ProtocolVersion, ReadResource, ReadResourceParams, ReadResourceResult, Request, RequestId,
    Resource, ResourceTemplate, Response, Root, SamplingCapability, SetLevel, SetLevelParams,
    Subscribe, SubscribeParams, Tool, Unsubscribe, decode, decode_params, raw,
};
use crate::server::BoxFuture;
use crate::server::Server;

mod modern;
#[cfg(feature = "http-client")]
mod streamable_http;
use futures_util::StreamExt as _;
pub use modern::Era;
use modern::{Modern, RoundResult, ToolHeaders};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
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

/// The requests waiting for their answers, which travel as their JSON text: each
/// requester reads it into its own type.
type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Result<Box<RawValue>, Error>>>>>;

/// The answer to a request, as its JSON text.
type Answer = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Box<RawValue>>> + Send>>;

/// How long an [`Era::Auto`] client waits for the answer to its `server/discover` probe
/// before it takes the server for a legacy one (a legacy server may not answer at all).
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for connecting a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    info: Implementation,
    protocol_version: Option<String>,
    era: Option<Era>,
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
    /// The `subscriptions/listen` requests waiting for their acknowledgement.
    acks: Arc<Mutex<HashMap<RequestId, oneshot::Sender<SubscriptionFilter>>>>,
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
            protocol_version: None,
            era: None,
            capabilities: Value::Object(Map::new()),
            timeout: Duration::from_secs(60),
            inspector: None,
            max_message_bytes: 16 << 20,
            handlers: Handlers::default(),
        }
    }
}

impl ClientBuilder {
    /// The protocol version to ask for (any string: servers answer with what they speak).
    /// It picks the era too, unless [`ClientBuilder::era`] says otherwise: `2026-07-28`
    /// speaks [`Era::Modern`], any other version [`Era::Legacy`] (`initialize`).
    pub fn protocol_version(mut self, version: impl Into<String>) -> Self {
        self.protocol_version = Some(version.into());
        self
    }

    /// Which revisions to speak (default [`Era::Auto`]: 2026-07-28 when the server speaks
    /// it, found with `server/discover`, otherwise `initialize` and 2025-11-25).
    pub fn era(mut self, era: Era) -> Self {
        self.era = Some(era);
        self
    }

    /// The era asked for, explicitly or through the protocol version.
    fn chosen_era(&self) -> Era {
        match (self.era, &self.protocol_version) {
            (Some(era), _) => era,
            (None, None) => Era::Auto,
            (None, Some(v))
                if ProtocolVersion::parse(v).is_some_and(ProtocolVersion::is_modern) =>
            {
                Era::Modern
            }
            (None, Some(_)) => Era::Legacy,
        }
    }

    /// The client's name and version.
    pub fn info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.info.name = name.into();
        self.info.version = version.into();
        self
    }

    /// The capabilities to declare, as the JSON of a
    /// [`ClientCapabilities`]: capabilities of the
    /// wrong shape fail the connection ([`Error::InvalidRequest`]).
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
    fn declared_capabilities(&self) -> Result<ClientCapabilities> {
        let mut caps = match &self.capabilities {
            Value::Object(map) => crate::protocol::decode_map::<ClientCapabilities>(map)
                .map_err(|e| Error::InvalidRequest(format!("the client's capabilities: {e}")))?,
            _ => ClientCapabilities::default(),
        };
        if self.handlers.sampling.is_some() {
            caps.sampling
                .get_or_insert_with(SamplingCapability::default);
        }
        if self.handlers.elicitation.is_some() {
            caps.elicitation
                .get_or_insert_with(ElicitationCapability::all);
        }
        if self.handlers.roots.is_some() {
            caps.roots.get_or_insert(ListChangedCapability {
                list_changed: Some(false),
            });
        }
        Ok(caps)
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
        self.handshake(out_tx, pending, connection, None).await
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
        let tools = ToolHeaders::default();
        let task = tokio::spawn(streamable_http::run(
            uri,
            out_rx,
            inbound,
            self.max_message_bytes,
            tools.clone(),
        ));
        self.handshake(out_tx, pending, Connection::Task(task), Some(tools))
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

    /// Finds the era the server speaks and starts the conversation: `server/discover`
    /// for 2026-07-28 (then a `subscriptions/listen` for the list changes the server
    /// offers), `initialize` for a session.
    async fn handshake(
        self,
        out: mpsc::Sender<Message>,
        pending: Pending,
        connection: Connection,
        tool_headers: Option<ToolHeaders>,
    ) -> Result<Client> {
        let capabilities = self.declared_capabilities()?;
        let mut client = Client {
            out,
            pending,
            next_id: Arc::new(AtomicI64::new(1)),
            timeout: self.timeout,
            init: None,
            modern: None,
            rounds: Arc::default(),
            listens: Arc::default(),
            tool_headers,
            connection: Arc::new(tokio::sync::Mutex::new(Some(connection))),
            handlers: self.handlers.clone(),
        };
        let era = self.chosen_era();
        if era != Era::Legacy {
            let version = match (era, &self.protocol_version) {
                (Era::Modern, Some(v)) => v.clone(),
                _ => ProtocolVersion::LATEST.as_str().to_owned(),
            };
            let modern = Modern::new(
                version.clone(),
                serde_json::to_value(&capabilities).unwrap_or_default(),
                serde_json::to_value(&self.info).unwrap_or_default(),
            );
            client.modern = Some(Arc::new(modern));
            if era == Era::Auto {
                client.timeout = self.timeout.min(PROBE_TIMEOUT);
            }
            let discovered = client.discover().await;
            client.timeout = self.timeout;
            match discovered {
                Ok(init) if init.protocol_version == version => {
                    client.init = Some(Arc::new(init));
                    client.listen_for_list_changes().await;
                    return Ok(client);
                }
                Ok(init) if era == Era::Modern => {
                    return Err(Error::Protocol(format!(
                        "the server does not speak {version}: it offers {}",
                        init.protocol_version
                    )));
                }
                Ok(_) => {}
                // A modern server that speaks none of our modern versions may still speak
                // a legacy one: `initialize` tells.
                Err(Error::Rpc(e))
                    if era == Era::Auto
                        && e.code == crate::protocol::ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => {}
                Err(Error::Rpc(e)) if modern::is_modern_error(&e) => return Err(Error::Rpc(e)),
                Err(e) if era == Era::Modern => return Err(e),
                Err(e) => {
                    tracing::debug!(error = %e, "server/discover failed: the server speaks a legacy revision; falling back to initialize");
                }
            }
            client.modern = None;
        }
        let params = InitializeParams {
            protocol_version: self
                .protocol_version
                .clone()
                .filter(|v| !ProtocolVersion::parse(v).is_some_and(ProtocolVersion::is_modern))
                .unwrap_or_else(|| ProtocolVersion::LATEST_LEGACY.as_str().into()),
            capabilities,
            client_info: Some(self.info.clone()),
            meta: None,
        };
        let init = client.send_request::<Initialize>(params).await?;
        client
            .send_notification::<Initialized>(NotificationParams::default())
            .await?;
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
    /// Set when the client speaks 2026-07-28 with the server.
    modern: Option<Arc<Modern>>,
    /// Multi-round requests in progress: the id of the first round, which the caller
    /// holds, and the id of the round on the wire.
    rounds: Arc<Mutex<HashMap<RequestId, RequestId>>>,
    /// 2026-07-28: the `subscriptions/listen` request that carries each resource
    /// subscription.
    listens: Arc<Mutex<HashMap<String, RequestId>>>,
    /// Over Streamable HTTP: the `x-mcp-header` parameters of the tools listed.
    tool_headers: Option<ToolHeaders>,
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

    /// Who the server is and what it offers: its answer to `initialize`, or for a client
    /// that speaks 2026-07-28, the same facts from `server/discover` (the version in use,
    /// the capabilities, the `_meta` server info, the instructions).
    pub fn server(&self) -> Option<&InitializeResult> {
        self.init.as_deref()
    }

    /// The era this client speaks with its server: [`Era::Modern`] (2026-07-28) or
    /// [`Era::Legacy`].
    pub fn era(&self) -> Era {
        if self.modern.is_some() {
            Era::Modern
        } else {
            Era::Legacy
        }
    }

    /// `server/discover`, read as the facts `initialize` would have given.
    async fn discover(&self) -> Result<InitializeResult> {
        let raw = self
            .request(Discover::NAME, Value::Object(Map::new()))
            .await?;
        let discovered: crate::protocol::DiscoverResult = serde_json::from_value(raw.clone())
            .map_err(|e| {
                Error::Protocol(format!("the result of server/discover is malformed: {e}"))
            })?;
        let version = self.modern.as_ref().map(|m| m.version.clone());
        let protocol_version = match version {
            Some(v) if discovered.supported_versions.contains(&v) => v,
            _ => discovered.supported_versions.join(", "),
        };
        let server_info = raw
            .pointer(&format!(
                "/_meta/{}",
                meta_keys::SERVER_INFO.replace('/', "~1")
            ))
            .and_then(|info| serde_json::from_value(info.clone()).ok())
            .unwrap_or_else(|| Implementation {
                name: String::new(),
                version: String::new(),
                title: None,
                description: None,
                website_url: None,
            });
        Ok(InitializeResult {
            protocol_version,
            capabilities: discovered.capabilities,
            server_info,
            instructions: discovered.instructions,
            meta: None,
        })
    }

    /// 2026-07-28: opens a `subscriptions/listen` stream for the list changes the server
    /// offers, so that they reach [`ClientBuilder::on_notification`] as a legacy session's
    /// do. A server that refuses it leaves the client working, without them.
    async fn listen_for_list_changes(&self) {
        let Some(caps) = self.init.as_ref().map(|i| &i.capabilities) else {
            return;
        };
        let offered = |c: Option<bool>| c.filter(|&on| on);
        let filter = SubscriptionFilter {
            tools_list_changed: offered(caps.tools.as_ref().and_then(|t| t.list_changed)),
            prompts_list_changed: offered(caps.prompts.as_ref().and_then(|p| p.list_changed)),
            resources_list_changed: offered(caps.resources.as_ref().and_then(|r| r.list_changed)),
            ..SubscriptionFilter::default()
        };
        if filter == SubscriptionFilter::default() {
            return;
        }
        if let Err(e) = self.listen(filter).await {
            tracing::warn!(error = %e, "subscriptions/listen for list changes failed: the client will not hear of them");
        }
    }

    /// 2026-07-28: opens a `subscriptions/listen` stream. What the server sends on it
    /// reaches [`ClientBuilder::on_notification`], each notification tagged with the
    /// subscription's id in `_meta`; it lasts until [`Client::cancel`] of
    /// [`Listening::id`] or the end of the connection. Returns once the server has
    /// acknowledged it, with what it agreed to send.
    ///
    /// A client that speaks a legacy revision gets [`Error::Unsupported`]: its session
    /// hears of list changes without asking, and [`Client::subscribe`] covers resources.
    pub async fn listen(&self, notifications: SubscriptionFilter) -> Result<Listening> {
        if self.modern.is_none() {
            return Err(Error::Unsupported(format!(
                "{} is a method of 2026-07-28, and this client speaks {} with the server: its session gets list changes without it, and Client::subscribe subscribes to resources",
                Listen::NAME,
                self.init
                    .as_ref()
                    .map_or("a legacy revision", |i| i.protocol_version.as_str())
            )));
        }
        let id = self.next_request_id();
        let request = Request::of::<Listen>(
            id.clone(),
            &ListenParams {
                notifications,
                meta: None,
            },
        )
        .map_err(|e| Error::InvalidRequest(format!("{}: {e}", Listen::NAME)))?;
        let (ack_tx, ack_rx) = oneshot::channel();
        lock(&self.handlers.acks).insert(id.clone(), ack_tx);
        let answer = match self.send_unbounded(request).await {
            Ok(answer) => answer,
            Err(e) => {
                lock(&self.handlers.acks).remove(&id);
                return Err(e);
            }
        };
        let acknowledged = tokio::time::timeout(self.timeout, async {
            tokio::select! {
                ack = ack_rx => ack.map_err(|_| Error::Closed),
                answer = answer => Err(match answer {
                    Ok(Err(e)) => e,
                    Ok(Ok(_)) => Error::Protocol(format!("{} ended before the server acknowledged it", Listen::NAME)),
                    Err(_) => Error::Closed,
                }),
            }
        })
        .await;
        lock(&self.handlers.acks).remove(&id);
        match acknowledged {
            Ok(Ok(agreed)) => Ok(Listening { id, agreed }),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let _ = self.cancel(&id, "not acknowledged in time").await;
                Err(Error::Timeout(self.timeout))
            }
        }
    }

    /// Sends a request of `M` and waits for its result.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::protocol::{ListTools, PaginatedParams};
    ///
    /// /// Add two integers.
    /// #[tool]
    /// fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> mcp_runtime::Result<()> {
    /// let client = Client::in_memory(&Server::builder().tool(add).build()?).await?;
    /// let page = client.send_request::<ListTools>(PaginatedParams::default()).await?;
    /// assert_eq!(page.tools[0].name, "add");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_request<M: Method>(&self, params: M::Params) -> Result<M::Result> {
        let (_, answer) = self.begin_request::<M>(params).await?;
        answer.await
    }

    /// Sends a request of `M` and returns its id (to [`Client::cancel`] it) and its answer.
    pub async fn begin_request<M: Method>(
        &self,
        params: M::Params,
    ) -> Result<(
        RequestId,
        impl std::future::Future<Output = Result<M::Result>> + use<M>,
    )> {
        let id = self.next_request_id();
        let request = Request::of::<M>(id.clone(), &params).map_err(|e| {
            Error::InvalidRequest(format!("{}: the params cannot be written: {e}", M::NAME))
        })?;
        let answer = self.start(request).await?;
        let answer = async move {
            let raw = answer.await?;
            decode(raw.get()).map_err(|e| {
                Error::Protocol(format!("the result of {} is malformed: {e}", M::NAME))
            })
        };
        Ok((id, answer))
    }

    /// Sends a notification of `N`.
    pub async fn send_notification<N: NotificationMethod>(&self, params: N::Params) -> Result<()> {
        let notification = Notification::of::<N>(&params).map_err(|e| {
            Error::InvalidRequest(format!("{}: the params cannot be written: {e}", N::NAME))
        })?;
        self.send(&Message::Notification(notification)).await
    }

    /// Sends a request and waits for its result. For the methods of MCP,
    /// [`Client::send_request`] is typed.
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
        let params = match params {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Err(Error::Protocol(format!(
                    "params must be an object, not {other}"
                )));
            }
        };
        let id = self.next_request_id();
        let answer = self
            .start(Request::new(id.clone(), method, params.as_ref()))
            .await?;
        let method = method.to_owned();
        let answer = async move {
            let raw = answer.await?;
            serde_json::from_str(raw.get())
                .map_err(|e| Error::Protocol(format!("the result of {method} is malformed: {e}")))
        };
        Ok((id, answer))
    }

    fn next_request_id(&self) -> RequestId {
        RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends `request` (with the `_meta` of 2026-07-28 when the client speaks it) and
    /// registers it; returns the receiver of its answer, which no timeout bounds.
    async fn send_unbounded(
        &self,
        mut request: Request,
    ) -> Result<oneshot::Receiver<Result<Box<RawValue>, Error>>> {
        if let Some(modern) = &self.modern {
            let params = modern.params(request.params.as_deref()).map_err(|e| {
                Error::InvalidRequest(format!("{}: the params: {e}", request.method))
            })?;
            request.params = Some(raw_of(&params)?);
        }
        let id = request.id.clone();
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id.clone(), tx);
        if let Err(e) = self.send(&Message::Request(request)).await {
            lock(&self.pending).remove(&id);
            return Err(e);
        }
        Ok(rx)
    }

    /// Sends `request`; returns its answer's JSON text, which fails with the server's
    /// error, on timeout or when cancelled. In 2026-07-28, a multi-round request's
    /// questions are answered by the client's handlers and the request retried, and the
    /// answer is that of its last round.
    async fn start(&self, request: Request) -> Result<Answer> {
        let multi_round = self.modern.is_some() && modern::is_multi_round(&request.method);
        let id = request.id.clone();
        let first = self.send_once(request.clone()).await?;
        if !multi_round {
            return Ok(first);
        }
        lock(&self.rounds).insert(id.clone(), id);
        let client = self.clone();
        Ok(Box::pin(
            async move { client.rounds_of(request, first).await },
        ))
    }

    /// One request and its answer, within the client's timeout.
    async fn send_once(&self, request: Request) -> Result<Answer> {
        let request_id = request.id.clone();
        let rx = self.send_unbounded(request).await?;
        let client = self.clone();
        Ok(Box::pin(async move {
            match tokio::time::timeout(client.timeout, rx).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err(Error::Closed),
                Err(_) => {
                    let _ = client.cancel(&request_id, "timed out").await;
                    Err(Error::Timeout(client.timeout))
                }
            }
        }))
    }

    /// Follows a multi-round request from the answer to its first round: while the
    /// server answers with an `InputRequiredResult`, answers its questions with the
    /// client's handlers and retries with `inputResponses` and the `requestState`
    /// echoed, under a new id.
    async fn rounds_of(&self, mut request: Request, first: Answer) -> Result<Box<RawValue>> {
        let origin = request.id.clone();
        let followed = async {
            let params: Map<String, Value> = match request.params.as_deref() {
                Some(raw) => serde_json::from_str(raw.get())
                    .map_err(|e| Error::InvalidRequest(format!("{}: {e}", request.method)))?,
                None => Map::new(),
            };
            let mut answer = first;
            for _ in 0..modern::MAX_ROUNDS {
                let raw = answer.await?;
                let Some(round) = RoundResult::read(&raw).filter(RoundResult::needs_input) else {
                    return Ok(raw);
                };
                let answers = self
                    .answer_questions(round.input_requests.unwrap_or_default())
                    .await?;
                let mut retry = params.clone();
                retry.remove("inputResponses");
                retry.remove("requestState");
                if !answers.is_empty() {
                    retry.insert("inputResponses".into(), Value::Object(answers));
                }
                if let Some(state) = round.request_state {
                    retry.insert("requestState".into(), Value::String(state));
                }
                request.id = self.next_request_id();
                request.params = Some(raw_of(&retry)?);
                match lock(&self.rounds).get_mut(&origin) {
                    Some(current) => *current = request.id.clone(),
                    // Cancelled while its questions were being answered.
                    None => return Err(Error::Cancelled),
                }
                answer = self.send_once(request.clone()).await?;
            }
            Err(Error::Protocol(format!(
                "{}: the server asked for input {} times in a row; the client gave up",
                request.method,
                modern::MAX_ROUNDS
            )))
        }
        .await;
        lock(&self.rounds).remove(&origin);
        followed
    }

    /// The answers to a round's questions (`inputRequests`), by key, from the client's
    /// handlers, asked all at once.
    async fn answer_questions(&self, questions: Map<String, Value>) -> Result<Map<String, Value>> {
        let answers = questions.iter().map(|(key, question)| async move {
            let request = modern::input_request(key, question).map_err(Error::Rpc)?;
            let answer = self.handlers.answer(&request).await.map_err(Error::Rpc)?;
            let answer = serde_json::from_str(answer.get())
                .map_err(|e| Error::Protocol(format!("the answer to {key:?}: {e}")))?;
            Ok::<_, Error>((key.clone(), answer))
        });
        Ok(futures_util::future::try_join_all(answers)
            .await?
            .into_iter()
            .collect())
    }

    /// Cancels a request in flight (`notifications/cancelled`); its answer becomes
    /// [`Error::Cancelled`].
    ///
    /// In 2026-07-28 over Streamable HTTP, the request's response stream is closed (the
    /// cancellation signal of that transport) rather than a notification sent. A
    /// multi-round request is cancelled in whatever round it is.
    pub async fn cancel(&self, id: &RequestId, reason: &str) -> Result<()> {
        let id = lock(&self.rounds).remove(id).unwrap_or_else(|| id.clone());
        if let Some(tx) = lock(&self.pending).remove(&id) {
            let _ = tx.send(Err(Error::Cancelled));
        }
        self.send_notification::<Cancelled>(CancelledParams {
            request_id: Some(id),
            reason: Some(reason.to_owned()),
            meta: None,
        })
        .await
    }

    /// Calls a tool and reports its progress notifications to `on_progress`
    /// (`progress`, `total`, `message`).
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
        on_progress: impl Fn(f64, Option<f64>, Option<String>) + Send + Sync + 'static,
    ) -> Result<CallToolResult> {
        self.learn_tool_headers().await?;
        let token = format!("progress-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut meta = Map::new();
        meta.insert("progressToken".to_owned(), Value::String(token.clone()));
        let params = CallToolParams {
            name: name.to_owned(),
            arguments: object(CallTool::NAME, "arguments", arguments)?,
            meta: Some(meta),
        };
        lock(&self.handlers.progress).insert(token.clone(), Arc::new(on_progress));
        let result = self.send_request::<CallTool>(params).await;
        lock(&self.handlers.progress).remove(&token);
        result
    }

    /// Sets the least severe log level the server should send (`logging/setLevel`). In
    /// 2026-07-28, which has no such method, every request from now on carries the level
    /// in its `_meta` (without one, a modern server sends no logs).
    pub async fn set_log_level(&self, level: crate::protocol::LoggingLevel) -> Result<()> {
        if let Some(modern) = &self.modern {
            modern.set_log_level(level);
            return Ok(());
        }
        self.send_request::<SetLevel>(SetLevelParams { level, meta: None })
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
        let reference = serde_json::from_value(reference).map_err(|e| {
            Error::InvalidRequest(format!("{}: the reference: {e}", Complete::NAME))
        })?;
        let params = CompleteParams {
            reference,
            argument: CompletionArgument {
                name: argument.to_owned(),
                value: value.to_owned(),
            },
            context: None,
            meta: None,
        };
        Ok(self.send_request::<Complete>(params).await?.completion)
    }

    /// Subscribes to updates of a resource (`resources/subscribe`; in 2026-07-28, a
    /// `subscriptions/listen` stream for it).
    pub async fn subscribe(&self, uri: &str) -> Result<()> {
        if self.modern.is_some() {
            if lock(&self.listens).contains_key(uri) {
                return Ok(());
            }
            let listening = self
                .listen(SubscriptionFilter {
                    resource_subscriptions: Some(vec![uri.to_owned()]),
                    ..SubscriptionFilter::default()
                })
                .await?;
            lock(&self.listens).insert(uri.to_owned(), listening.id);
            return Ok(());
        }
        let params = SubscribeParams {
            uri: uri.to_owned(),
            meta: None,
        };
        self.send_request::<Subscribe>(params).await.map(drop)
    }

    /// Ends a subscription (`resources/unsubscribe`; in 2026-07-28, the end of its
    /// `subscriptions/listen` stream).
    pub async fn unsubscribe(&self, uri: &str) -> Result<()> {
        if self.modern.is_some() {
            let id = lock(&self.listens).remove(uri);
            return match id {
                Some(id) => self.cancel(&id, "unsubscribed").await,
                None => Ok(()),
            };
        }
        let params = SubscribeParams {
            uri: uri.to_owned(),
            meta: None,
        };
        self.send_request::<Unsubscribe>(params).await.map(drop)
    }

    /// Sends a notification. For the notifications of MCP,
    /// [`Client::send_notification`] is typed.
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

    /// `ping` (in 2026-07-28, which has no ping, a `server/discover` round trip).
    pub async fn ping(&self) -> Result<()> {
        if self.modern.is_some() {
            return self
                .send_request::<Discover>(RequestParams::default())
                .await
                .map(drop);
        }
        self.send_request::<Ping>(Default::default())
            .await
            .map(drop)
    }

    /// Every item of a list method, following pagination.
    async fn list_all<M>(&self) -> Result<Vec<<M::Result as Paged>::Item>>
    where
        M: Method<Params = PaginatedParams>,
        M::Result: Paged,
    {
        let mut items = Vec::new();
        let mut cursor = None;
        loop {
            let params = PaginatedParams { cursor, meta: None };
            let (page, next) = self.send_request::<M>(params).await?.into_page();
            items.extend(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Every tool, following pagination. In 2026-07-28 over Streamable HTTP, a tool whose
    /// `x-mcp-header` annotations break the rules is left out (with a warning), and the
    /// others' header parameters are noted, to mirror them in the headers of calls.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        let mut tools = self.list_all::<ListTools>().await?;
        if let (Some(_), Some(headers)) = (&self.modern, &self.tool_headers) {
            modern::learn_tools(headers, &mut tools);
        }
        Ok(tools)
    }

    /// In 2026-07-28 over Streamable HTTP: lists the tools once before the first call, to
    /// learn which arguments the call mirrors in headers.
    async fn learn_tool_headers(&self) -> Result<()> {
        let unknown = self.modern.is_some()
            && self
                .tool_headers
                .as_ref()
                .is_some_and(|headers| lock(headers).is_none());
        if unknown {
            self.list_tools().await?;
        }
        Ok(())
    }

    /// Calls a tool. A tool that fails returns `Ok` with `is_error` set.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult> {
        self.learn_tool_headers().await?;
        let params = CallToolParams {
            name: name.to_owned(),
            arguments: object(CallTool::NAME, "arguments", arguments)?,
            meta: None,
        };
        self.send_request::<CallTool>(params).await
    }

    /// Every static resource, following pagination.
    pub async fn list_resources(&self) -> Result<Vec<Resource>> {
        self.list_all::<ListResources>().await
    }

    /// Every resource template, following pagination.
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplate>> {
        self.list_all::<ListResourceTemplates>().await
    }

    /// Reads a resource.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult> {
        let params = ReadResourceParams {
            uri: uri.to_owned(),
            meta: None,
        };
        self.send_request::<ReadResource>(params).await
    }

    /// Every prompt, following pagination.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>> {
        self.list_all::<ListPrompts>().await
    }

    /// Gets a prompt with these arguments (strings).
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<GetPromptResult> {
        let params = GetPromptParams {
            name: name.to_owned(),
            arguments: object(GetPrompt::NAME, "arguments", arguments)?,
            meta: None,
        };
        self.send_request::<GetPrompt>(params).await
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

/// A `subscriptions/listen` stream the server acknowledged.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Listening {
    /// The request's id, which tags what arrives on it (`_meta` subscription id); to
    /// [`Client::cancel`] it.
    pub id: RequestId,
    /// What the server agreed to send.
    pub agreed: SubscriptionFilter,
}

/// `params` as the JSON text of a request's params.
fn raw_of(params: &Map<String, Value>) -> Result<Box<RawValue>> {
    serde_json::value::to_raw_value(params)
        .map_err(|e| Error::InvalidRequest(format!("the params cannot be written: {e}")))
}

/// The result of a list method: a page of items and the cursor of the next one.
trait Paged {
    type Item;
    fn into_page(self) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! paged {
    ($($result:ty => $item:ty, $field:ident;)*) => {$(
        impl Paged for $result {
            type Item = $item;
            fn into_page(self) -> (Vec<$item>, Option<String>) {
                (self.$field, self.next_cursor)
            }
        }
    )*};
}

paged! {
    crate::protocol::ListToolsResult => Tool, tools;
    crate::protocol::ListResourcesResult => Resource, resources;
    crate::protocol::ListResourceTemplatesResult => ResourceTemplate, resource_templates;
    crate::protocol::ListPromptsResult => Prompt, prompts;
}

/// `value` as the object a parameter must be (`null`: none).
fn object(method: &str, field: &str, value: Value) -> Result<Option<Map<String, Value>>> {
    match value {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(None),
        other => Err(Error::InvalidRequest(format!(
            "{method}: `{field}` must be an object, not {other}"
        ))),
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
    async fn answer(&self, request: &Request) -> Result<Box<RawValue>, ErrorObject> {
        let params = request.params.as_deref();
        match request.method.as_str() {
            Ping::NAME => {
                decode_params::<Ping>(params)?;
                raw(&EmptyResult::default())
            }
            CreateMessage::NAME if self.sampling.is_some() => {
                let request = decode_params::<CreateMessage>(params)?;
                let handler = self
                    .sampling
                    .clone()
                    .ok_or_else(|| ErrorObject::method_not_found(CreateMessage::NAME))?;
                raw(&handler(request).await?)
            }
            // The handler gets the parameters as they came (form or URL mode).
            Elicit::NAME if self.elicitation.is_some() => {
                let handler = self
                    .elicitation
                    .clone()
                    .ok_or_else(|| ErrorObject::method_not_found(Elicit::NAME))?;
                let params = request
                    .params_map()
                    .map_err(|e| ErrorObject::invalid_params(format!("{}: {e}", Elicit::NAME)))?;
                raw(&handler(params).await?)
            }
            ListRoots::NAME if self.roots.is_some() => {
                decode_params::<ListRoots>(params)?;
                raw(&ListRootsResult {
                    roots: self.roots.clone().unwrap_or_default(),
                    meta: None,
                })
            }
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    fn notified(&self, n: Notification) {
        // The first message of a `subscriptions/listen` stream.
        if n.method == SubscriptionsAcknowledged::NAME
            && let Ok(ack) = n.params_of::<SubscriptionsAcknowledged>()
            && let Some(id) = subscription_of(&ack)
            && let Some(tx) = lock(&self.acks).remove(&id)
        {
            let _ = tx.send(ack.notifications);
        }
        // The server gave up on a request of its own: stop answering it (no response).
        if n.method == Cancelled::NAME
            && let Ok(CancelledParams {
                request_id: Some(id),
                ..
            }) = n.params_of::<Cancelled>()
            && let Some(task) = lock(&self.answering).remove(&id)
        {
            task.abort();
        }
        // This client's progress tokens are strings.
        if n.method == Progress::NAME
            && let Ok(progress) = n.params_of::<Progress>()
            && let RequestId::String(token) = &progress.progress_token
        {
            let handler = lock(&self.progress).get(token).cloned();
            if let Some(handler) = handler {
                handler(progress.progress, progress.total, progress.message);
            }
        }
        match &self.notification {
            Some(handler) => handler(n),
            None => tracing::debug!(method = n.method, "notification"),
        }
    }
}

/// The subscription (the `subscriptions/listen` request's id) an acknowledgement is for.
fn subscription_of(ack: &AcknowledgedParams) -> Option<RequestId> {
    let id = ack.meta.as_ref()?.get(meta_keys::SUBSCRIPTION_ID)?;
    serde::Deserialize::deserialize(id).ok()
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
                })) => self.resolve(&id, outcome.map_err(Error::Rpc)),
                Ok(Message::Request(req)) => {
                    // Answered in a task: a handler may take a while (a human fills a form).
                    let (handlers, out) = (self.handlers.clone(), self.out.clone());
                    let id = req.id.clone();
                    let mut answering = lock(&self.handlers.answering);
                    let task = tokio::spawn(async move {
                        let outcome = handlers.answer(&req).await;
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
    pub(crate) fn resolve(&self, id: &RequestId, outcome: Result<Box<RawValue>>) {
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
