//! The server core. It knows nothing of stdio or HTTP.
//!
//! - [`definitions`]: what the program serves (tools, resources, prompts), their schemas
//!   and link-time registration, and the tables a request reads;
//! - [`dispatch`]: the protocol core, from a decoded payload to its answer, and the MCP
//!   methods;
//! - [`context`]: what a handler knows of its request, the extractors, and requests to the
//!   client;
//! - [`session`], [`facts`]: what the server keeps of a client, and the facts of one request;
//! - [`outbound`]: the interface through which the core sends messages on a transport.

pub(crate) mod context;
pub(crate) mod definitions;
pub(crate) mod dispatch;
pub(crate) mod facts;
mod limits;
pub(crate) mod outbound;
pub(crate) mod session;

pub use context::{
    ClientRequestError, Context, Elicitation, FromContext, Rejection, Requirement, State,
};
pub use definitions::arguments::ToolArguments;
pub use definitions::glue;
pub use definitions::output::{
    IntoPromptResult, IntoResourceContents, IntoToolResult, NotFound, ToolOutcome,
};
pub(crate) use definitions::program_package;
pub use definitions::schema::{InputSchema, SchemaGen};
pub use definitions::uri_template::{TemplateError, UriTemplate};
pub use definitions::{
    BoxFuture, CompleteFn, Completer, Package, PromptDef, PromptRegistration, ResourceDef,
    ResourceInfo, ResourceRegistration, ResourceRequest, ToolDef, ToolFn, ToolRegistration, key_of,
};
pub use dispatch::{Answer, RequestScope};
pub use facts::RequestFacts;
pub use limits::Limits;
pub use outbound::{Outbound, Sink, SinkFuture};
pub use session::{Admitted, EndReason, Session};

use crate::error::{Error, Result};
use crate::protocol::Implementation;
use crate::protocol::{
    Message, Notification, NotificationMethod, NotificationParams, PromptListChanged,
    ProtocolVersion, ResourceListChanged, ResourceUpdated, ResourceUpdatedParams, ToolListChanged,
};
use context::StateMap;
use definitions as registry;
use definitions::tables::Tables;
use std::any::type_name;
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
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

    /// Sends a notification of `N` to every initialized session that `only` picks.
    fn broadcast<N: NotificationMethod>(
        &self,
        params: &N::Params,
        only: impl Fn(&Session) -> bool,
    ) {
        let notification = match Notification::of::<N>(params) {
            Ok(notification) => notification,
            Err(e) => {
                tracing::warn!(method = N::NAME, error = %e, "notification not sent: it could not be written");
                return;
            }
        };
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
            self.broadcast::<N>(&NotificationParams::default(), |_| true);
        }
        changed
    }

    /// Adds (or replaces, by name) a tool while serving; every session is told
    /// (`notifications/tools/list_changed`).
    pub fn add_tool(&self, def: ToolDef) {
        self.change::<ToolListChanged>(|t| {
            remove_where(&mut t.tools, |x| x.tool.name == def.tool.name);
            t.tools.push(def);
            true
        });
    }

    /// Removes a tool while serving; false when there was none of that name.
    pub fn remove_tool(&self, name: &str) -> bool {
        self.change::<ToolListChanged>(|t| remove_where(&mut t.tools, |x| x.tool.name == name))
    }

    /// Adds (or replaces, by name) a prompt while serving.
    pub fn add_prompt(&self, def: PromptDef) {
        self.change::<PromptListChanged>(|t| {
            remove_where(&mut t.prompts, |x| x.prompt.name == def.prompt.name);
            t.prompts.push(def);
            true
        });
    }

    /// Removes a prompt while serving.
    pub fn remove_prompt(&self, name: &str) -> bool {
        self.change::<PromptListChanged>(|t| {
            remove_where(&mut t.prompts, |x| x.prompt.name == name)
        })
    }

    /// Adds (or replaces, by URI template) a resource while serving.
    pub fn add_resource(&self, def: ResourceDef) {
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
    }

    /// Removes a resource (or template) while serving.
    pub fn remove_resource(&self, uri_template: &str) -> bool {
        self.change::<ResourceListChanged>(|t| t.remove_resource(uri_template))
    }

    /// Tells the sessions subscribed to `uri` that it changed
    /// (`notifications/resources/updated`).
    pub fn notify_resource_updated(&self, uri: &str) {
        let params = ResourceUpdatedParams {
            uri: uri.to_owned(),
            meta: None,
        };
        self.broadcast::<ResourceUpdated>(&params, |s| s.is_subscribed(uri));
    }
}

/// Builds a [`Server`].
#[derive(Default)]
pub struct ServerBuilder {
    name: Option<String>,
    version: Option<String>,
    title: Option<String>,
    instructions: Option<String>,
    tools: Vec<ToolDef>,
    resources: Vec<ResourceDef>,
    prompts: Vec<PromptDef>,
    states: StateMap,
    limits: Limits,
    errors: Vec<String>,
}

impl ServerBuilder {
    /// Adds every `#[tool]`, `#[resource]` and `#[prompt]` linked into the program,
    /// in name order.
    pub fn registered(mut self) -> Self {
        let (mut tools, resources, mut prompts) = registry::all();
        tools.sort_by(|a, b| a.tool.name.cmp(&b.tool.name));
        for def in tools {
            self = self.tool_def(def);
        }
        let mut res = Vec::new();
        for def in resources {
            match def {
                Ok(def) => res.push(def),
                Err(e) => self.errors.push(e),
            }
        }
        res.sort_by(|a, b| a.template.as_str().cmp(b.template.as_str()));
        for def in res {
            self = self.resource_def(def);
        }
        prompts.sort_by(|a, b| a.prompt.name.cmp(&b.prompt.name));
        for def in prompts {
            self = self.prompt_def(def);
        }
        self
    }

    /// Adds a `#[tool]` function, by name: `.tool(add)`.
    pub fn tool<F: 'static>(mut self, f: F) -> Self {
        match registry::find_tool(registry::key_of(&f)) {
            Some(def) => self.tool_def(def),
            None => {
                self.errors.push(not_annotated::<F>("tool"));
                self
            }
        }
    }

    /// Adds a `#[resource]` function, by name: `.resource(note)`.
    pub fn resource<F: 'static>(mut self, f: F) -> Self {
        match registry::find_resource(registry::key_of(&f)) {
            Some(Ok(def)) => self.resource_def(def),
            Some(Err(e)) => {
                self.errors.push(e);
                self
            }
            None => {
                self.errors.push(not_annotated::<F>("resource"));
                self
            }
        }
    }

    /// Adds a `#[prompt]` function, by name: `.prompt(review)`.
    pub fn prompt<F: 'static>(mut self, f: F) -> Self {
        match registry::find_prompt(registry::key_of(&f)) {
            Some(def) => self.prompt_def(def),
            None => {
                self.errors.push(not_annotated::<F>("prompt"));
                self
            }
        }
    }

    /// Adds a tool built by hand.
    pub fn tool_def(mut self, def: ToolDef) -> Self {
        if def.key.is_none() || !self.tools.iter().any(|t| t.key == def.key) {
            self.tools.push(def);
        }
        self
    }

    /// Adds a resource built by hand.
    pub fn resource_def(mut self, def: ResourceDef) -> Self {
        if def.key.is_none() || !self.resources.iter().any(|r| r.key == def.key) {
            self.resources.push(def);
        }
        self
    }

    /// Adds a prompt built by hand.
    pub fn prompt_def(mut self, def: PromptDef) -> Self {
        if def.key.is_none() || !self.prompts.iter().any(|p| p.key == def.key) {
            self.prompts.push(def);
        }
        self
    }

    /// Shares `value` with every handler that takes a `State<T>`.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(Arc::new(value));
        self
    }

    /// Shares an `Arc<T>` the program keeps a handle to.
    pub fn state_arc<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        self.states.insert(value);
        self
    }

    /// The server's name (default: the executable's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The server's version (default: the Cargo package's version).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// A human-readable name.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// How to use the server, sent to the client at `initialize` (often shown to the model).
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Checks the configuration and builds the server.
    pub fn build(self) -> Result<Server> {
        let mut errors = self.errors;
        index_names(
            self.tools.iter().map(|t| t.tool.name.as_str()),
            "tool",
            &mut errors,
        );
        index_names(
            self.prompts.iter().map(|p| p.prompt.name.as_str()),
            "prompt",
            &mut errors,
        );
        index_names(
            self.resources.iter().map(|r| r.template.as_str()),
            "resource URI",
            &mut errors,
        );
        check_requirements(
            &self.tools,
            &self.resources,
            &self.prompts,
            &self.states,
            &mut errors,
        );
        errors.extend(self.limits.check());
        if !errors.is_empty() {
            return Err(Error::Config(errors));
        }
        let packages = (self.tools.iter().filter_map(|t| t.package))
            .chain(self.resources.iter().filter_map(|r| r.package))
            .chain(self.prompts.iter().filter_map(|p| p.package))
            .collect();
        let (name, version) = default_info(packages);
        let info = Implementation {
            name: self.name.unwrap_or(name),
            version: self.version.unwrap_or(version),
            title: self.title,
            description: None,
            website_url: None,
        };
        Ok(Server {
            inner: Arc::new(ServerInner {
                info,
                instructions: self.instructions,
                tables: RwLock::new(Arc::new(Tables::new(
                    self.tools,
                    self.resources,
                    self.prompts,
                ))),
                states: Arc::new(self.states),
                limits: self.limits,
                sessions: Mutex::default(),
            }),
        })
    }
}

/// Why `.tool(f)` (or `.resource(f)`, `.prompt(f)`) found nothing: `f` has another of
/// the attributes, or none.
fn not_annotated<F: 'static>(what: &str) -> String {
    let name = type_name::<F>();
    let short = name.rsplit("::").next().unwrap_or(name);
    let key = std::any::TypeId::of::<F>();
    let actual = if registry::find_tool(key).is_some() {
        Some("tool")
    } else if registry::find_resource(key).is_some() {
        Some("resource")
    } else if registry::find_prompt(key).is_some() {
        Some("prompt")
    } else {
        None
    };
    match actual {
        Some(actual) => format!(
            "`{name}` is a #[{actual}], not a #[{what}]: add it with `.{actual}({short})` instead of `.{what}({short})`"
        ),
        None => format!(
            "`{name}` is not a #[{what}] function: add #[{what}] to it, or pass the function that has it"
        ),
    }
}

fn index_names<'a>(names: impl Iterator<Item = &'a str>, what: &str, errors: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            errors.push(format!(
                "two {what}s are named `{name}`: rename one with #[...(name = \"...\")]"
            ));
        }
    }
}

fn check_requirements(
    tools: &[ToolDef],
    resources: &[ResourceDef],
    prompts: &[PromptDef],
    states: &StateMap,
    errors: &mut Vec<String>,
) {
    let needs = tools
        .iter()
        .map(|t| ("tool", t.tool.name.as_str(), &t.requirements))
        .chain(
            resources
                .iter()
                .map(|r| ("resource", r.template.as_str(), &r.requirements)),
        )
        .chain(
            prompts
                .iter()
                .map(|p| ("prompt", p.prompt.name.as_str(), &p.requirements)),
        );
    for (what, name, reqs) in needs {
        for req in reqs.iter().filter(|r| !states.contains(r.state)) {
            errors.push(format!(
                "{what} `{name}` takes `State<{ty}>`, but the server has no `{ty}`: add `.state(...)` with one to the server builder",
                ty = req.state_name
            ));
        }
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
fn default_info(packages: Vec<registry::Package>) -> (String, String) {
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
