//! Tools, resources and prompts as the server holds them, and their link-time registration.

pub(crate) mod arguments;
pub mod glue;
pub(crate) mod output;
pub(crate) mod param_headers;
pub(crate) mod tables;
pub(crate) mod uri_template;

use self::arguments::ToolArguments;
use self::glue::Arguments;
use self::output::ToolOutcome;
use self::uri_template::{TemplateError, UriTemplate};
use super::context::{Context, Requirement};
use crate::protocol::{
    ErrorObject, GetPromptResult, Meta, Prompt, Resource, ResourceContents, ResourceTemplate, Tool,
};
use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Runs a tool call.
pub type ToolFn = fn(Context, ToolArguments) -> BoxFuture<ToolOutcome>;
/// Reads a resource: the URI and the template variables it bound.
pub type ResourceFn =
    fn(Context, ResourceRequest) -> BoxFuture<Result<Vec<ResourceContents>, ErrorObject>>;
/// Renders a prompt.
pub type PromptFn = fn(Context, Arguments) -> BoxFuture<Result<GetPromptResult, ErrorObject>>;

/// Completes one argument: gets the partial value, returns candidates.
pub type CompleteFn = fn(Context, String) -> BoxFuture<crate::protocol::Completion>;

/// How one argument (or URI variable) is completed.
#[derive(Clone)]
pub enum Completer {
    /// A fixed list (an enum's variants), filtered by prefix.
    Values(Vec<String>),
    /// A function.
    Function(CompleteFn),
}

/// The URI being read and the template variables it bound.
#[derive(Debug, Clone)]
pub struct ResourceRequest {
    /// The URI, as the client sent it.
    pub uri: String,
    /// Template variables, percent-decoded.
    pub vars: Vec<(String, String)>,
}

/// A tool: what `tools/list` shows and the function `tools/call` runs.
#[derive(Clone)]
pub struct ToolDef {
    pub(crate) tool: Tool,
    pub(crate) call: ToolFn,
    /// `structuredContent` is wrapped as `{"result": ...}` (non-object output types).
    pub(crate) wrap_output: bool,
    /// The argument names `inputSchema` declares (`None`: it declares no `properties`,
    /// and any argument goes), read once rather than at each call.
    pub(crate) declared: Option<Vec<String>>,
    /// The `x-mcp-header` names of `inputSchema` and the property path of each (MCP
    /// 2026-07-28, Streamable HTTP), read once rather than at each call.
    pub(crate) headers: Vec<(String, Vec<String>)>,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) key: Option<TypeId>,
    pub(crate) package: Option<Package>,
    /// Whether a call may answer with a task (the tasks extension of 2026-07-28).
    pub(crate) task: crate::server::TaskSupport,
    /// The scopes an authenticated caller's token must grant to call it.
    pub(crate) scopes: Vec<String>,
}

impl ToolDef {
    /// A tool from its description and function. `outputSchema`, when given and not of
    /// type object, is wrapped as `{"result": ...}`, and so is the structured content.
    pub fn new(mut tool: Tool, call: ToolFn) -> Self {
        let mut wrap_output = false;
        if let Some(schema) = tool.output_schema.take() {
            let (schema, wrapped) = crate::server::schema::output_schema(schema);
            tool.output_schema = Some(schema);
            wrap_output = wrapped;
        }
        let declared = tool
            .input_schema
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|properties| properties.keys().cloned().collect());
        let headers = param_headers::header_params(&tool.input_schema);
        ToolDef {
            tool,
            call,
            wrap_output,
            declared,
            headers,
            requirements: Vec::new(),
            key: None,
            package: None,
            task: crate::server::TaskSupport::Forbidden,
            scopes: Vec::new(),
        }
    }

    /// This tool, callable only by callers whose access token grants every scope of
    /// `scopes` (`#[tool(scopes = ["notes:write"])]` sets it). Without authentication
    /// (stdio, or HTTP without `--auth-issuer`) there is no caller, and no check.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes a caller needs.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// This tool, answering with a task when `support` allows it (MCP 2026-07-28, the
    /// tasks extension; `#[tool(task)]` sets it): a call still working at its first wait
    /// returns a task handle to a client that declared the extension, and goes on in the
    /// background.
    pub fn with_task_support(mut self, support: crate::server::TaskSupport) -> Self {
        self.task = support;
        self
    }

    /// The definition of a `#[tool]` function, e.g. to add it while serving with
    /// [`Server::add_tool`](crate::Server::add_tool); `None` if `f` has no `#[tool]`.
    pub fn of<F: 'static>(f: F) -> Option<ToolDef> {
        find_tool(key_of(&f))
    }

    /// What `tools/list` shows for it.
    pub fn tool(&self) -> &Tool {
        &self.tool
    }

    /// Whether a call may answer with a task.
    pub fn task_support(&self) -> crate::server::TaskSupport {
        self.task
    }

    #[doc(hidden)]
    pub fn with_requirements(mut self, requirements: Vec<Requirement>) -> Self {
        self.requirements = requirements;
        self
    }
}

/// A resource or resource template.
#[derive(Clone)]
pub struct ResourceDef {
    pub(crate) template: UriTemplate,
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) meta: Option<Meta>,
    pub(crate) read: ResourceFn,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) completers: Vec<(String, Completer)>,
    pub(crate) key: Option<TypeId>,
    pub(crate) package: Option<Package>,
    /// The caching hints of its `resources/read` results (2026-07-28); `None`: the
    /// server's default.
    pub(crate) cache: Option<crate::protocol::CacheHint>,
    /// The scopes an authenticated caller's token must grant to read it.
    pub(crate) scopes: Vec<String>,
}

/// The descriptive fields of a resource.
#[derive(Clone, Debug, Default)]
pub struct ResourceInfo {
    /// Programmatic name.
    pub name: String,
    /// Human-readable name.
    pub title: Option<String>,
    /// What it holds.
    pub description: Option<String>,
    /// MIME type of its contents.
    pub mime_type: Option<String>,
    /// Extra metadata.
    pub meta: Option<Meta>,
}

impl ResourceDef {
    /// A resource from its URI template (static when it has no variables).
    pub fn new(
        uri_template: &str,
        info: ResourceInfo,
        read: ResourceFn,
    ) -> Result<Self, TemplateError> {
        let template = UriTemplate::parse(uri_template)?;
        Ok(ResourceDef {
            template,
            name: info.name,
            title: info.title,
            description: info.description,
            mime_type: info.mime_type,
            meta: info.meta,
            read,
            requirements: Vec::new(),
            completers: Vec::new(),
            key: None,
            package: None,
            cache: None,
            scopes: Vec::new(),
        })
    }

    /// This resource, readable only by callers whose access token grants every scope of
    /// `scopes` (`#[resource(..., scopes = [...])]`).
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    #[doc(hidden)]
    pub fn with_requirements(mut self, requirements: Vec<Requirement>) -> Self {
        self.requirements = requirements;
        self
    }

    /// The caching hints (`ttlMs`, `cacheScope`) its `resources/read` results carry in
    /// MCP 2026-07-28, instead of the server's default.
    pub fn with_cache(mut self, hint: crate::protocol::CacheHint) -> Self {
        self.cache = Some(hint);
        self
    }

    #[doc(hidden)]
    pub fn with_completers(mut self, completers: Vec<(String, Completer)>) -> Self {
        self.completers = completers;
        self
    }

    /// The definition of a `#[resource]` function; `None` if `f` has no `#[resource]`,
    /// `Some(Err)` if its URI template is invalid.
    pub fn of<F: 'static>(f: F) -> Option<Result<ResourceDef, TemplateError>> {
        find_resource(key_of(&f))
    }

    /// True for a template with variables.
    pub fn is_template(&self) -> bool {
        !self.template.is_static()
    }

    pub(crate) fn as_resource(&self) -> Resource {
        Resource {
            uri: self.template.as_str().to_owned(),
            name: self.name.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            mime_type: self.mime_type.clone(),
            meta: self.meta.clone(),
        }
    }

    pub(crate) fn as_template(&self) -> ResourceTemplate {
        ResourceTemplate {
            uri_template: self.template.as_str().to_owned(),
            name: self.name.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            mime_type: self.mime_type.clone(),
            meta: self.meta.clone(),
        }
    }
}

/// A prompt.
#[derive(Clone)]
pub struct PromptDef {
    pub(crate) prompt: Prompt,
    pub(crate) get: PromptFn,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) completers: Vec<(String, Completer)>,
    pub(crate) key: Option<TypeId>,
    pub(crate) package: Option<Package>,
    /// The scopes an authenticated caller's token must grant to get it.
    pub(crate) scopes: Vec<String>,
}

impl PromptDef {
    /// This prompt, for callers whose access token grants every scope of `scopes`
    /// (`#[prompt(scopes = [...])]`).
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The definition of a `#[prompt]` function; `None` if `f` has no `#[prompt]`.
    pub fn of<F: 'static>(f: F) -> Option<PromptDef> {
        find_prompt(key_of(&f))
    }

    #[doc(hidden)]
    pub fn with_completers(mut self, completers: Vec<(String, Completer)>) -> Self {
        self.completers = completers;
        self
    }

    /// A prompt from its description and function.
    pub fn new(prompt: Prompt, get: PromptFn) -> Self {
        PromptDef {
            prompt,
            get,
            requirements: Vec::new(),
            completers: Vec::new(),
            key: None,
            package: None,
            scopes: Vec::new(),
        }
    }

    #[doc(hidden)]
    pub fn with_requirements(mut self, requirements: Vec<Requirement>) -> Self {
        self.requirements = requirements;
        self
    }
}

/// The Cargo package an annotated item was compiled in: the server's default name and version.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
}

/// Link-time registration of a `#[tool]` (emitted by the macro).
#[doc(hidden)]
pub struct ToolRegistration {
    pub key: fn() -> TypeId,
    pub package: Package,
    pub def: fn() -> ToolDef,
}

/// Link-time registration of a `#[resource]` (emitted by the macro).
#[doc(hidden)]
pub struct ResourceRegistration {
    pub key: fn() -> TypeId,
    pub package: Package,
    pub def: fn() -> Result<ResourceDef, TemplateError>,
}

/// Link-time registration of a `#[prompt]` (emitted by the macro).
#[doc(hidden)]
pub struct PromptRegistration {
    pub key: fn() -> TypeId,
    pub package: Package,
    pub def: fn() -> PromptDef,
}

inventory::collect!(ToolRegistration);
inventory::collect!(ResourceRegistration);
inventory::collect!(PromptRegistration);

/// The `TypeId` of a function item: how `.tool(add)` finds `add`'s registration.
#[doc(hidden)]
pub fn key_of<F: 'static>(_: &F) -> TypeId {
    TypeId::of::<F>()
}

impl ToolRegistration {
    fn build(&self) -> ToolDef {
        ToolDef {
            key: Some((self.key)()),
            package: Some(self.package),
            ..(self.def)()
        }
    }
}

impl ResourceRegistration {
    fn build(&self) -> Result<ResourceDef, TemplateError> {
        let (key, package) = (Some((self.key)()), Some(self.package));
        (self.def)().map(|d| ResourceDef { key, package, ..d })
    }
}

impl PromptRegistration {
    fn build(&self) -> PromptDef {
        PromptDef {
            key: Some((self.key)()),
            package: Some(self.package),
            ..(self.def)()
        }
    }
}

pub(crate) fn find_tool(key: TypeId) -> Option<ToolDef> {
    inventory::iter::<ToolRegistration>
        .into_iter()
        .find(|r| (r.key)() == key)
        .map(ToolRegistration::build)
}

pub(crate) fn find_resource(key: TypeId) -> Option<Result<ResourceDef, TemplateError>> {
    inventory::iter::<ResourceRegistration>
        .into_iter()
        .find(|r| (r.key)() == key)
        .map(ResourceRegistration::build)
}

pub(crate) fn find_prompt(key: TypeId) -> Option<PromptDef> {
    inventory::iter::<PromptRegistration>
        .into_iter()
        .find(|r| (r.key)() == key)
        .map(PromptRegistration::build)
}

/// The Cargo package of the program's annotated items (the one first by name among the
/// tools', else the resources', else the prompts'), if it has any.
pub(crate) fn program_package() -> Option<Package> {
    // `min_by_key` keeps the first of equals, as a stable sort would.
    let first = |packages: &mut dyn Iterator<Item = Package>| packages.min_by_key(|p| p.name);
    first(
        &mut inventory::iter::<ToolRegistration>
            .into_iter()
            .map(|r| r.package),
    )
    .or_else(|| {
        first(
            &mut inventory::iter::<ResourceRegistration>
                .into_iter()
                .map(|r| r.package),
        )
    })
    .or_else(|| {
        first(
            &mut inventory::iter::<PromptRegistration>
                .into_iter()
                .map(|r| r.package),
        )
    })
}

/// Every registered tool, resource and prompt, each built once.
pub(crate) fn all() -> (
    Vec<ToolDef>,
    Vec<Result<ResourceDef, TemplateError>>,
    Vec<PromptDef>,
) {
    (
        inventory::iter::<ToolRegistration>
            .into_iter()
            .map(ToolRegistration::build)
            .collect(),
        inventory::iter::<ResourceRegistration>
            .into_iter()
            .map(ResourceRegistration::build)
            .collect(),
        inventory::iter::<PromptRegistration>
            .into_iter()
            .map(PromptRegistration::build)
            .collect(),
    )
}
