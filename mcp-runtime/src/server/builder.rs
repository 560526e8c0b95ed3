//! Building a [`Server`]: its items, shared state, identity and limits, checked at once.

use super::context::StateMap;
use super::definitions as registry;
use super::definitions::param_headers::{self, HeaderProblem};
use super::definitions::tables::Tables;
use super::definitions::uri_template::TemplateError;
use super::definitions::{PromptDef, ResourceDef, ToolDef};
use super::listen::Listeners;
use super::mrtr::{self, RequestStateKeys};
use super::tasks::{TaskSettings, Tasks};
use super::{Limits, ModernConfig, Server, ServerInner, default_info};
use crate::error::{Error, Result};
use crate::protocol::{CacheHint, Implementation};
use serde_json::{Map, Value};
use std::any::type_name;
use std::sync::{Arc, Mutex, RwLock};

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
    errors: Vec<ConfigError>,
    list_cache: Option<CacheHint>,
    read_cache: Option<CacheHint>,
    state_keys: Option<RequestStateKeys>,
    extensions: Map<String, Value>,
    tasks: TaskSettings,
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
                Err(e) => self.errors.push(ConfigError::Template(e)),
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
                self.errors.push(not_annotated::<F>(ItemKind::Tool));
                self
            }
        }
    }

    /// Adds a `#[resource]` function, by name: `.resource(note)`.
    pub fn resource<F: 'static>(mut self, f: F) -> Self {
        match registry::find_resource(registry::key_of(&f)) {
            Some(Ok(def)) => self.resource_def(def),
            Some(Err(e)) => {
                self.errors.push(ConfigError::Template(e));
                self
            }
            None => {
                self.errors.push(not_annotated::<F>(ItemKind::Resource));
                self
            }
        }
    }

    /// Adds a `#[prompt]` function, by name: `.prompt(review)`.
    pub fn prompt<F: 'static>(mut self, f: F) -> Self {
        match registry::find_prompt(registry::key_of(&f)) {
            Some(def) => self.prompt_def(def),
            None => {
                self.errors.push(not_annotated::<F>(ItemKind::Prompt));
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

    /// The caching hints (`ttlMs`, `cacheScope`) of the list results of MCP 2026-07-28
    /// (`tools/list`, `prompts/list`, `resources/list`, `resources/templates/list`) and of
    /// `server/discover`. Default: fresh for 0 ms (clients re-fetch, relying on
    /// `list_changed`), public (lists are the same for every client).
    pub fn list_cache(mut self, hint: CacheHint) -> Self {
        self.list_cache = Some(hint);
        self
    }

    /// The caching hints of `resources/read` results for a resource that sets none of its
    /// own (`#[resource(..., ttl_ms = .., cache_scope = "..")]`). Default: 0 ms, private.
    pub fn read_cache(mut self, hint: CacheHint) -> Self {
        self.read_cache = Some(hint);
        self
    }

    /// The keys that seal the `requestState` of multi-round requests (MCP 2026-07-28),
    /// the first signing and all accepted (rotation). Every process behind one endpoint
    /// needs the same keys, so that a retry may land on any of them. Default: the keys
    /// of `MCP_REQUEST_STATE_KEY` (comma-separated), else a random key for this process
    /// (a warning says so when serving HTTP).
    pub fn request_state_keys(mut self, keys: RequestStateKeys) -> Self {
        self.state_keys = Some(keys);
        self
    }

    /// Declares an extension (`capabilities.extensions`), e.g.
    /// `"com.example/feature"` with its settings object.
    pub fn extension(mut self, id: impl Into<String>, settings: Map<String, Value>) -> Self {
        self.extensions.insert(id.into(), Value::Object(settings));
        self
    }

    /// How the server keeps the tasks of `#[tool(task)]` tools (MCP 2026-07-28, the
    /// tasks extension): their time to live, the poll interval clients are asked to keep,
    /// how many are kept at once, how long a call may answer directly.
    pub fn tasks(mut self, settings: TaskSettings) -> Self {
        self.tasks = settings;
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
            ItemKind::Tool,
            &mut errors,
        );
        index_names(
            self.prompts.iter().map(|p| p.prompt.name.as_str()),
            ItemKind::Prompt,
            &mut errors,
        );
        index_names(
            self.resources.iter().map(|r| r.template.as_str()),
            ItemKind::Resource,
            &mut errors,
        );
        check_headers(&self.tools, &mut errors);
        check_requirements(
            &self.tools,
            &self.resources,
            &self.prompts,
            &self.states,
            &mut errors,
        );
        errors.extend(self.limits.check());
        if self.tasks.max_tasks == 0 {
            errors.push(ConfigError::Limit("TaskSettings::max_tasks"));
        }
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
        let info_json = info.clone();
        let listeners = Arc::new(Listeners::default());
        let listeners_for_tasks = listeners.clone();
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
                relay: std::sync::OnceLock::new(),
                modern: ModernConfig {
                    server_info: serde_json::to_string(&info_json).unwrap_or_default(),
                    list_cache: self.list_cache.unwrap_or(CacheHint::public(0)),
                    read_cache: self.read_cache.unwrap_or(CacheHint::private(0)),
                    state_keys: self.state_keys.unwrap_or_else(|| {
                        RequestStateKeys::from_env_or_random(mrtr::DEFAULT_STATE_TTL)
                    }),
                    extensions: self.extensions,
                },
                listeners,
                tasks: Tasks::new(self.tasks, listeners_for_tasks),
            }),
        })
    }
}

/// Why `.tool(f)` (or `.resource(f)`, `.prompt(f)`) found nothing: `f` has another of
/// the attributes, or none.
fn not_annotated<F: 'static>(expected: ItemKind) -> ConfigError {
    let key = std::any::TypeId::of::<F>();
    let actual = if registry::find_tool(key).is_some() {
        Some(ItemKind::Tool)
    } else if registry::find_resource(key).is_some() {
        Some(ItemKind::Resource)
    } else if registry::find_prompt(key).is_some() {
        Some(ItemKind::Prompt)
    } else {
        None
    };
    ConfigError::NotAnnotated {
        function: type_name::<F>(),
        expected,
        actual,
    }
}

fn index_names<'a>(
    names: impl Iterator<Item = &'a str>,
    kind: ItemKind,
    errors: &mut Vec<ConfigError>,
) {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            errors.push(ConfigError::DuplicateName {
                kind,
                name: name.to_owned(),
            });
        }
    }
}

/// MCP 2026-07-28: a client drops a tool whose `x-mcp-header`s break the rules, so the
/// server refuses to serve one.
pub(super) fn check_headers(tools: &[ToolDef], errors: &mut Vec<ConfigError>) {
    for tool in tools {
        errors.extend(
            param_headers::check(&tool.tool.input_schema)
                .into_iter()
                .map(|problem| ConfigError::Header {
                    tool: tool.tool.name.clone(),
                    problem,
                }),
        );
    }
}

pub(super) fn check_requirements(
    tools: &[ToolDef],
    resources: &[ResourceDef],
    prompts: &[PromptDef],
    states: &StateMap,
    errors: &mut Vec<ConfigError>,
) {
    let needs = tools
        .iter()
        .map(|t| (ItemKind::Tool, t.tool.name.as_str(), &t.requirements))
        .chain(
            resources
                .iter()
                .map(|r| (ItemKind::Resource, r.template.as_str(), &r.requirements)),
        )
        .chain(
            prompts
                .iter()
                .map(|p| (ItemKind::Prompt, p.prompt.name.as_str(), &p.requirements)),
        );
    for (kind, name, reqs) in needs {
        for req in reqs.iter().filter(|r| !states.contains(r.state)) {
            errors.push(ConfigError::MissingState {
                kind,
                name: name.to_owned(),
                state: req.state_name,
            });
        }
    }
}

/// What kind of item a configuration error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A `#[tool]`.
    Tool,
    /// A `#[resource]`.
    Resource,
    /// A `#[prompt]`.
    Prompt,
}

impl ItemKind {
    fn attribute(self) -> &'static str {
        match self {
            ItemKind::Tool => "tool",
            ItemKind::Resource => "resource",
            ItemKind::Prompt => "prompt",
        }
    }
}

/// What is wrong with a server's configuration; [`ServerBuilder::build`] reports every one
/// at once ([`Error::Config`](crate::Error::Config)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two items of a kind share a name (a resource: a URI template).
    #[error("two {}s are named `{name}`: rename one with #[...(name = \"...\")]", match kind { ItemKind::Resource => "resource URI", k => k.attribute() })]
    DuplicateName {
        /// The kind of the items.
        kind: ItemKind,
        /// The name they share.
        name: String,
    },
    /// A handler takes a `State<T>` the server was not given.
    #[error("{} `{name}` takes `State<{state}>`, but the server has no `{state}`: add `.state(...)` with one to the server builder", kind.attribute())]
    MissingState {
        /// The kind of the item.
        kind: ItemKind,
        /// Its name (a resource: its URI template).
        name: String,
        /// The state's type.
        state: &'static str,
    },
    /// `.tool(f)` (or `.resource(f)`, `.prompt(f)`) got a function without that attribute.
    #[error("{}", not_annotated_message(function, *expected, *actual))]
    NotAnnotated {
        /// The function's path.
        function: &'static str,
        /// The attribute the builder method expects.
        expected: ItemKind,
        /// The attribute the function has, if any.
        actual: Option<ItemKind>,
    },
    /// A tool's `inputSchema` has an `x-mcp-header` that MCP 2026-07-28 forbids (clients
    /// would drop the tool).
    #[error("tool `{tool}`: inputSchema: {problem}")]
    Header {
        /// The tool's name.
        tool: String,
        /// What is wrong.
        problem: HeaderProblem,
    },
    /// A resource's URI template does not parse.
    #[error("{0}")]
    Template(TemplateError),
    /// A limit is out of range.
    #[error("limits: `{0}` must be at least 1")]
    Limit(&'static str),
}

fn not_annotated_message(function: &str, expected: ItemKind, actual: Option<ItemKind>) -> String {
    let short = function.rsplit("::").next().unwrap_or(function);
    let what = expected.attribute();
    match actual {
        Some(actual) => {
            let actual = actual.attribute();
            format!(
                "`{function}` is a #[{actual}], not a #[{what}]: add it with `.{actual}({short})` instead of `.{what}({short})`"
            )
        }
        None => format!(
            "`{function}` is not a #[{what}] function: add #[{what}] to it, or pass the function that has it"
        ),
    }
}
