//! What MCP 2026-07-28 adds to the wire: the per-request `_meta` keys, `server/discover`,
//! multi-round results (`InputRequiredResult`), caching hints and `subscriptions/listen`.

use super::{Meta, ServerCapabilities};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The reserved `_meta` keys of 2026-07-28.
pub mod meta_keys {
    /// The protocol version of a request (required on every modern request).
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// The client's capabilities for a request (required on every modern request).
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// The client's name and version.
    pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
    /// The least severe log level the client wants for a request; without it, no logs.
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    /// The server's name and version, on every result.
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    /// The `subscriptions/listen` request a notification belongs to.
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
}

/// Who may keep a cached result (`cacheScope`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Holds nothing specific to a user: any cache may keep and share it.
    #[default]
    Public,
    /// Only for the same authorization context.
    Private,
}

impl CacheScope {
    /// As on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            CacheScope::Public => "public",
            CacheScope::Private => "private",
        }
    }
}

/// The caching hints of a cacheable result (`ttlMs`, `cacheScope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheHint {
    /// How long the client may consider the result fresh, in milliseconds.
    pub ttl_ms: u64,
    /// Who may keep it.
    pub scope: CacheScope,
}

impl CacheHint {
    /// Fresh for `ttl_ms` milliseconds, cacheable by anyone.
    pub const fn public(ttl_ms: u64) -> Self {
        CacheHint {
            ttl_ms,
            scope: CacheScope::Public,
        }
    }

    /// Fresh for `ttl_ms` milliseconds, only within the same authorization context.
    pub const fn private(ttl_ms: u64) -> Self {
        CacheHint {
            ttl_ms,
            scope: CacheScope::Private,
        }
    }
}

/// The result of `server/discover` (its `resultType`, caching hints and server identity
/// are added where every modern result gets them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult {
    /// The protocol versions the server speaks, newest first.
    pub supported_versions: Vec<String>,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// How to use the server, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

/// The notifications a `subscriptions/listen` stream carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
    /// `notifications/tasks` for these task ids (the tasks extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_ids: Option<Vec<String>>,
}

/// The parameters of `subscriptions/listen`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListenParams {
    /// What the client opts in to.
    #[serde(default)]
    pub notifications: SubscriptionFilter,
    /// The request's `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The parameters of `notifications/subscriptions/acknowledged`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AcknowledgedParams {
    /// What the server agreed to send.
    pub notifications: SubscriptionFilter,
    /// Carries the subscription's id.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The `_meta` keys a modern request carries, as read before its method is looked at:
/// each as its JSON text, read into its type by whoever needs it.
#[derive(Debug, Default, Deserialize)]
pub struct RequestMeta {
    /// `io.modelcontextprotocol/protocolVersion`.
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", default)]
    pub protocol_version: Option<Box<RawValue>>,
    /// `io.modelcontextprotocol/clientCapabilities`.
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities", default)]
    pub client_capabilities: Option<Box<RawValue>>,
    /// `io.modelcontextprotocol/clientInfo`.
    #[serde(rename = "io.modelcontextprotocol/clientInfo", default)]
    pub client_info: Option<Box<RawValue>>,
    /// `io.modelcontextprotocol/logLevel`.
    #[serde(rename = "io.modelcontextprotocol/logLevel", default)]
    pub log_level: Option<Box<RawValue>>,
}

/// What a modern request's params carry besides its method's own fields: its `_meta`, and
/// on the retry of a multi-round request, the client's answers and the server's state.
#[derive(Debug, Default, Deserialize)]
pub struct ModernEnvelope {
    /// The request's `_meta` keys.
    #[serde(rename = "_meta", default)]
    pub meta: Option<RequestMeta>,
    /// The answers to the questions of the previous round, by key.
    #[serde(rename = "inputResponses", default)]
    pub input_responses: Option<Map<String, Value>>,
    /// The state the previous round's result carried, echoed.
    #[serde(rename = "requestState", default)]
    pub request_state: Option<String>,
}

/// True when `params` (a request's params as JSON text) may name a modern protocol version:
/// it holds the `_meta` key `io.modelcontextprotocol/protocolVersion`. A cheap test, with a
/// searcher built once, so that legacy requests (the hot path) pay next to nothing; a
/// `true` is confirmed by reading the params.
pub fn may_be_modern(params: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(meta_keys::PROTOCOL_VERSION));
    let bytes = params.as_bytes();
    // The key holds a '/': most legacy params (a tool's arguments) hold none, and one
    // vectorized byte search says so for less than building the substring search costs.
    memchr::memchr(b'/', bytes).is_some() && FINDER.find(bytes).is_some()
}
