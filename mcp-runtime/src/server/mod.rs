//! The server core. It knows nothing of stdio or HTTP.
//!
//! - [`definitions`]: what the program serves (tools, resources, prompts), their schemas
//!   and link-time registration, and the tables a request reads;
//! - [`dispatch`]: the protocol core, from a decoded payload to its answer, and the MCP
//!   methods;
//! - [`context`]: what a handler knows of its request, the extractors, and requests to the
//!   client;
//! - [`session`], [`facts`]: what the server keeps of a client, and the facts of one request;
//! - [`outbound`], [`scope`]: what a transport gives the core: where messages go, and
//!   what it knows of a request;
//! - [`schema`]: JSON Schemas from Rust types (tool inputs and outputs, forms).

mod builder;
pub(crate) mod caller;
pub(crate) mod context;
pub(crate) mod definitions;
pub(crate) mod dispatch;
pub(crate) mod facts;
mod limits;
pub(crate) mod listen;
pub(crate) mod mrtr;
pub(crate) mod outbound;
#[cfg(feature = "redis")]
pub(crate) mod redis_store;
#[cfg(feature = "redis")]
mod redis_tasks;
pub(crate) mod schema;
mod scope;
pub(crate) mod session;
pub(crate) mod store;
pub(crate) mod tasks;

pub use builder::{ConfigError, ItemKind, ServerBuilder};
pub use caller::Caller;
pub use context::{
    ClientRequestError, Context, Elicitation, FromContext, Rejection, Requirement, State,
};
pub use definitions::arguments::ToolArguments;
pub use definitions::glue;
pub use definitions::output::{
    IntoPromptResult, IntoResourceContents, IntoToolResult, NotFound, ToolOutcome,
};
pub use definitions::param_headers::HeaderProblem;
pub(crate) use definitions::program_package;
pub use definitions::uri_template::{TemplateError, UriTemplate};
pub use definitions::{
    BoxFuture, CompleteFn, Completer, Package, PromptDef, PromptRegistration, ResourceDef,
    ResourceInfo, ResourceRegistration, ResourceRequest, ToolDef, ToolFn, ToolRegistration, key_of,
};
pub use dispatch::Answer;
pub use facts::RequestFacts;
pub use limits::Limits;
pub use mrtr::RequestStateKeys;
pub use outbound::{Outbound, Sink, SinkFuture};
#[cfg(feature = "redis")]
pub use redis_store::{RedisSettings, RedisStore};
pub use schema::{InputSchema, SchemaGen};
pub use scope::RequestScope;
pub use session::{Admitted, EndReason, Session};
pub use store::{
    EventLog, LoggedEvent, MemoryStore, SessionFactory, SessionStore, StoreError, StoreFuture,
    StreamLog,
};
pub use tasks::{TaskSettings, TaskSupport};

use crate::protocol::Implementation;
use crate::protocol::{
    Message, Notification, NotificationMethod, NotificationParams, PromptListChanged,
    ProtocolVersion, ResourceListChanged, ResourceUpdated, ResourceUpdatedParams, ToolListChanged,
};
use context::StateMap;
use definitions as registry;
use definitions::tables::Tables;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};
use tokio_util::sync::CancellationToken;

/// An MCP server: its tools, resources and prompts, ready to serve on any transport.
///
/// Cheap to clone; every clone serves the same tables.
#[derive(Clone)]
pub struct Server {
    pub(crate) inner: Arc<ServerInner>,
}

pub(crate) struct ServerInner {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    tables: RwLock<Arc<Tables>>,
    pub(crate) states: Arc<StateMap>,
    pub(crate) limits: Limits,
    /// Live sessions, to tell them about changes.
    sessions: Mutex<Vec<Weak<Session>>>,
    pub(crate) modern: ModernConfig,
    /// Open `subscriptions/listen` streams (2026-07-28).
    pub(crate) listeners: Arc<listen::Listeners>,
    /// Tasks of the tasks extension (2026-07-28).
    pub(crate) tasks: tasks::Tasks,
    /// Set when several instances share their sessions: events go through it, to reach
    /// every instance's sessions and listeners (this one's included), instead of only
    /// this process's.
    relay: OnceLock<Relay>,
}

/// Carries an [`Event`] to every instance (a shared session store's channel).
pub(crate) type Relay = Arc<dyn Fn(Event) + Send + Sync>;

/// What sessions and listeners hear about, raised on any instance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    /// `notifications/resources/updated` for `uri`.
    ResourceUpdated {
        /// The resource.
        uri: String,
    },
    /// `notifications/tools/list_changed`.
    ToolsChanged,
    /// `notifications/prompts/list_changed`.
    PromptsChanged,
    /// `notifications/resources/list_changed`.
    ResourcesChanged,
    /// `notifications/tasks`: a task's new state (its view), for the listeners that asked
    /// for it.
    TaskStatus {
        /// The task.
        task_id: String,
        /// What `tasks/get` answers now.
        view: serde_json::Value,
    },
}

/// What the modern era (2026-07-28) needs beyond the tables.
pub(crate) struct ModernConfig {
    /// The server's identity as JSON, for the `_meta` of every result.
    pub(crate) server_info: String,
    pub(crate) list_cache: crate::protocol::CacheHint,
    pub(crate) read_cache: crate::protocol::CacheHint,
    pub(crate) state_keys: RequestStateKeys,
    pub(crate) extensions: serde_json::Map<String, serde_json::Value>,
}

impl Server {
    /// A builder with no tools, resources or prompts; add them by function name, or add
    /// every annotated item in the program with [`ServerBuilder::registered`].
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
    /// let server = Server::builder().name("calc").tool(add).build().unwrap();
    /// assert_eq!(server.info().name, "calc");
    /// ```
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Who the server says it is.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Every scope a tool, resource or prompt requires (for `scopes_supported`), in order.
    pub(crate) fn declared_scopes(&self) -> Vec<String> {
        let tables = self.tables();
        let mut scopes: Vec<String> = Vec::new();
        let all = (tables.tools.iter().flat_map(|t| &t.scopes))
            .chain(tables.static_resources.iter().flat_map(|r| &r.scopes))
            .chain(tables.templates.iter().flat_map(|r| &r.scopes))
            .chain(tables.prompts.iter().flat_map(|p| &p.scopes));
        for scope in all {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        scopes
    }

    pub(crate) fn tables(&self) -> Arc<Tables> {
        self.inner
            .tables
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A new session of this server (a connection's, or a Streamable HTTP session's); it
    /// hears about changes to the server's tables. It ends when [`Session::end`] is
    /// called, or when `stop` trips (the server is shutting down).
    pub fn new_session(&self, stop: &CancellationToken) -> Arc<Session> {
        let session = Arc::new(Session::new(
            self.inner.limits.max_concurrent_requests,
            stop.child_token(),
        ));
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(&session));
        session
    }

    /// The session stateless requests of `version` run in: established from the start, it
    /// keeps nothing from one request to the next and cannot receive the client's answers.
    /// It admits [`Limits::max_stateless_requests`] payloads at once.
    pub fn stateless_session(
        &self,
        version: ProtocolVersion,
        stop: &CancellationToken,
    ) -> Arc<Session> {
        let facts = RequestFacts {
            protocol_version: version,
            ..RequestFacts::default()
        };
        Arc::new(Session::stateless(
            Arc::new(facts),
            self.inner.limits.max_stateless_requests,
            stop.child_token(),
        ))
    }

    fn live_sessions(&self) -> Vec<Arc<Session>> {
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        sessions.retain(|s| s.strong_count() > 0);
        sessions.iter().filter_map(Weak::upgrade).collect()
    }

    /// Sends a notification of `N` to every initialized session that `only` picks, and
    /// to every `subscriptions/listen` stream whose filter `wants` it.
    fn broadcast<N: NotificationMethod>(
        &self,
        params: &N::Params,
        only: impl Fn(&Session) -> bool,
        wants: impl Fn(&crate::protocol::SubscriptionFilter) -> bool,
    ) {
        let notification = match Notification::of::<N>(params) {
            Ok(notification) => notification,
            Err(e) => {
                tracing::warn!(method = N::NAME, error = %e, "notification not sent: it could not be written");
                return;
            }
        };
        if !self.inner.listeners.is_empty() {
            let params = notification.params.clone().unwrap_or_default();
            self.inner.listeners.notify(N::NAME, &params, wants);
        }
        for session in self
            .live_sessions()
            .iter()
            .filter(|s| s.is_initialized() && only(s))
        {
            session.notify(Message::Notification(notification.clone()));
        }
    }

    /// Edits the tables; when `edit` changed them, every session is told with `N` (a
    /// `list_changed` notification).
    fn change<N: NotificationMethod<Params = NotificationParams>>(
        &self,
        edit: impl FnOnce(&mut Tables) -> bool,
    ) -> bool {
        let wants = |f: &crate::protocol::SubscriptionFilter| {
            let flag = match N::NAME {
                ToolListChanged::NAME => f.tools_list_changed,
                PromptListChanged::NAME => f.prompts_list_changed,
                _ => f.resources_list_changed,
            };
            flag == Some(true)
        };
        let changed = {
            let mut guard = self
                .inner
                .tables
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let mut tables = (**guard).clone();
            let changed = edit(&mut tables);
            if changed {
                tables.reindex();
                *guard = Arc::new(tables);
            }
            changed
        };
        if changed {
            let event = match N::NAME {
                ToolListChanged::NAME => Some(Event::ToolsChanged),
                PromptListChanged::NAME => Some(Event::PromptsChanged),
                crate::protocol::ResourceListChanged::NAME => Some(Event::ResourcesChanged),
                _ => None,
            };
            match (event, self.inner.relay.get()) {
                (Some(event), Some(relay)) => relay(event),
                _ => self.broadcast::<N>(&NotificationParams::default(), |_| true, wants),
            }
        }
        changed
    }

    /// Has events go through `relay` (once), which hands each to [`Server::deliver`] on
    /// every instance.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn set_relay(&self, relay: Relay) {
        let _ = self.inner.relay.set(relay);
    }

    /// Tells `session` alone about a server event given as JSON (one another instance
    /// delivered, and died before its client heard of it).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn deliver_json_to(&self, session: &Session, json: &str) {
        let Ok(event) = serde_json::from_str::<Event>(json) else {
            tracing::debug!("an unreadable kept event");
            return;
        };
        if !session.is_initialized() {
            return;
        }
        let params = NotificationParams::default();
        let notification = match &event {
            Event::ResourceUpdated { uri } if session.is_subscribed(uri) => {
                Notification::of::<ResourceUpdated>(&ResourceUpdatedParams {
                    uri: uri.clone(),
                    meta: None,
                })
            }
            Event::ToolsChanged => Notification::of::<ToolListChanged>(&params),
            Event::PromptsChanged => Notification::of::<PromptListChanged>(&params),
            Event::ResourcesChanged => Notification::of::<ResourceListChanged>(&params),
            _ => return,
        };
        if let Ok(notification) = notification {
            session.notify(Message::Notification(notification));
        }
    }

    /// Tells this process's sessions and listeners about `event` (raised here or on
    /// another instance).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn deliver(&self, event: &Event) {
        let params = NotificationParams::default();
        match event {
            Event::ResourceUpdated { uri } => self.broadcast_resource_updated(uri),
            Event::ToolsChanged => {
                self.broadcast::<ToolListChanged>(
                    &params,
                    |_| true,
                    |f| f.tools_list_changed == Some(true),
                );
            }
            Event::PromptsChanged => {
                self.broadcast::<PromptListChanged>(
                    &params,
                    |_| true,
                    |f| f.prompts_list_changed == Some(true),
                );
            }
            Event::ResourcesChanged => {
                self.broadcast::<crate::protocol::ResourceListChanged>(
                    &params,
                    |_| true,
                    |f| f.resources_list_changed == Some(true),
                );
            }
            Event::TaskStatus { task_id, view } => {
                if let Ok(view) = serde_json::value::to_raw_value(view) {
                    self.inner.tasks.notify_listeners(task_id, &view);
                }
            }
        }
    }

    /// Adds (or replaces, by name) a tool while serving; every session is told
    /// (`notifications/tools/list_changed`). Checked as [`ServerBuilder::build`] checks
    /// its tools (its `x-mcp-header` properties, the shared state its extractors need):
    /// a tool that fails is not added, and the error says why.
    pub fn add_tool(&self, def: ToolDef) -> crate::Result<()> {
        let mut errors = Vec::new();
        builder::check_headers(std::slice::from_ref(&def), &mut errors);
        builder::check_requirements(
            std::slice::from_ref(&def),
            &[],
            &[],
            &self.inner.states,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(crate::Error::Config(errors));
        }
        self.change::<ToolListChanged>(|t| {
            remove_where(&mut t.tools, |x| x.tool.name == def.tool.name);
            t.tools.push(def);
            true
        });
        Ok(())
    }

    /// Removes a tool while serving; false when there was none of that name.
    pub fn remove_tool(&self, name: &str) -> bool {
        self.change::<ToolListChanged>(|t| remove_where(&mut t.tools, |x| x.tool.name == name))
    }

    /// Adds (or replaces, by name) a prompt while serving; a prompt whose extractors need
    /// shared state the server lacks is not added, and the error says so.
    pub fn add_prompt(&self, def: PromptDef) -> crate::Result<()> {
        let mut errors = Vec::new();
        let prompts = std::slice::from_ref(&def);
        builder::check_requirements(&[], &[], prompts, &self.inner.states, &mut errors);
        if !errors.is_empty() {
            return Err(crate::Error::Config(errors));
        }
        self.change::<PromptListChanged>(|t| {
            remove_where(&mut t.prompts, |x| x.prompt.name == def.prompt.name);
            t.prompts.push(def);
            true
        });
        Ok(())
    }

    /// Removes a prompt while serving.
    pub fn remove_prompt(&self, name: &str) -> bool {
        self.change::<PromptListChanged>(|t| {
            remove_where(&mut t.prompts, |x| x.prompt.name == name)
        })
    }

    /// Adds (or replaces, by URI template) a resource while serving; one whose extractors
    /// need shared state the server lacks is not added, and the error says so.
    pub fn add_resource(&self, def: ResourceDef) -> crate::Result<()> {
        let mut errors = Vec::new();
        let resources = std::slice::from_ref(&def);
        builder::check_requirements(&[], resources, &[], &self.inner.states, &mut errors);
        if !errors.is_empty() {
            return Err(crate::Error::Config(errors));
        }
        self.change::<ResourceListChanged>(|t| {
            let uri = def.template.as_str().to_owned();
            t.remove_resource(&uri);
            if def.is_template() {
                t.templates.push(def)
            } else {
                t.static_resources.push(def)
            }
            true
        });
        Ok(())
    }

    /// Removes a resource (or template) while serving.
    pub fn remove_resource(&self, uri_template: &str) -> bool {
        self.change::<ResourceListChanged>(|t| t.remove_resource(uri_template))
    }

    /// Tells the sessions subscribed to `uri`, and the `subscriptions/listen` streams that
    /// name it, that it changed
    /// (`notifications/resources/updated`).
    pub fn notify_resource_updated(&self, uri: &str) {
        match self.inner.relay.get() {
            Some(relay) => relay(Event::ResourceUpdated {
                uri: uri.to_owned(),
            }),
            None => self.broadcast_resource_updated(uri),
        }
    }

    fn broadcast_resource_updated(&self, uri: &str) {
        let params = ResourceUpdatedParams {
            uri: uri.to_owned(),
            meta: None,
        };
        self.broadcast::<ResourceUpdated>(
            &params,
            |s| s.is_subscribed(uri),
            |f| {
                f.resource_subscriptions
                    .as_ref()
                    .is_some_and(|uris| uris.iter().any(|u| u == uri))
            },
        );
    }
}

/// Removes the items that match; true when there was one.
fn remove_where<T>(items: &mut Vec<T>, matches: impl Fn(&T) -> bool) -> bool {
    let before = items.len();
    items.retain(|x| !matches(x));
    items.len() != before
}

/// The server's default name and version: the executable's name (one Cargo package may
/// hold several servers, each its own binary), and the version of the Cargo package of the
/// first annotated item.
pub(crate) fn default_info(packages: Vec<registry::Package>) -> (String, String) {
    let version = packages.first().map_or("0.0.0", |p| p.version);
    (program_name(), version.to_owned())
}

/// The name of the running executable (`notes` for `target/debug/notes`), from the
/// first command-line argument, else the executable's path.
pub(crate) fn program_name() -> String {
    let stem = |path: &std::path::Path| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
    };
    std::env::args_os()
        .next()
        .and_then(|a| stem(std::path::Path::new(&a)))
        .or_else(|| std::env::current_exe().ok().as_deref().and_then(stem))
        .unwrap_or_else(|| "mcp-server".to_owned())
}
