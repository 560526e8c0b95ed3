//! What each side declares it supports, exchanged by `initialize`.
//!
//! Both sets are open: a key this crate does not know (a newer revision's `tasks`, a
//! vendor's extension) is kept in `other`, so it survives a round trip.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a server offers, declared in its `initialize` result.
///
/// ```
/// use mcp_runtime::protocol::{ListChangedCapability, ServerCapabilities};
///
/// let caps = ServerCapabilities {
///     tools: Some(ListChangedCapability { list_changed: Some(true) }),
///     ..Default::default()
/// };
/// assert_eq!(
///     serde_json::to_value(&caps).unwrap(),
///     serde_json::json!({ "tools": { "listChanged": true } })
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct ServerCapabilities {
    /// Non-standard capabilities, by name; each is an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Map<String, Value>>,
    /// The server sends log messages (`notifications/message`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Map<String, Value>>,
    /// The server completes prompt arguments and template variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<Map<String, Value>>,
    /// The server offers prompts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<ListChangedCapability>,
    /// The server offers resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesCapability>,
    /// The server offers tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<ListChangedCapability>,
    /// Capabilities this crate does not know, kept as they came.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// What a client supports, declared in its `initialize` request.
///
/// ```
/// use mcp_runtime::protocol::ClientCapabilities;
///
/// let caps: ClientCapabilities =
///     serde_json::from_value(serde_json::json!({ "elicitation": {}, "tasks": { "list": {} } }))
///         .unwrap();
/// assert!(caps.elicitation.as_ref().is_some_and(|e| e.form() && !e.url()));
/// assert!(caps.declares("tasks") && !caps.declares("sampling"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct ClientCapabilities {
    /// Non-standard capabilities, by name; each is an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Map<String, Value>>,
    /// The client lists its roots (`roots/list`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roots: Option<ListChangedCapability>,
    /// The client samples its model for the server (`sampling/createMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingCapability>,
    /// The client asks its user on the server's behalf (`elicitation/create`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation: Option<ElicitationCapability>,
    /// Capabilities this crate does not know, kept as they came.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ClientCapabilities {
    /// True when the client declared the top-level capability `name` (`sampling`,
    /// `roots`, `elicitation`, `experimental`, or one kept in `other`).
    pub fn declares(&self, name: &str) -> bool {
        match name {
            "experimental" => self.experimental.is_some(),
            "roots" => self.roots.is_some(),
            "sampling" => self.sampling.is_some(),
            "elicitation" => self.elicitation.is_some(),
            other => self.other.get(other).is_some_and(|v| !v.is_null()),
        }
    }

    /// True when the client declared the extension `id` (`extensions` of MCP 2026-07-28,
    /// e.g. `io.modelcontextprotocol/tasks`).
    pub fn declares_extension(&self, id: &str) -> bool {
        self.other
            .get("extensions")
            .and_then(Value::as_object)
            .and_then(|extensions| extensions.get(id))
            .is_some_and(|v| !v.is_null())
    }
}

/// A feature whose list may change, and whether the peer says so when it does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct ListChangedCapability {
    /// The peer sends `notifications/.../list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// The server's resources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct ResourcesCapability {
    /// Clients may subscribe to a resource's updates (`resources/subscribe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<bool>,
    /// The server sends `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// The client's sampling.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct SamplingCapability {
    /// The client honours `includeContext` other than `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    /// The client lets its model use tools (`tools`, `toolChoice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Map<String, Value>>,
}

/// The client's elicitation modes. An empty object (`"elicitation": {}`, all a client
/// could declare before 2025-11-25) means form mode only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "an object")]
pub struct ElicitationCapability {
    /// The client shows forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Map<String, Value>>,
    /// The client opens URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Map<String, Value>>,
}

impl ElicitationCapability {
    /// Both modes.
    pub fn all() -> Self {
        ElicitationCapability {
            form: Some(Map::new()),
            url: Some(Map::new()),
        }
    }

    /// True when the client shows forms: it said so, or it named no mode at all.
    pub fn form(&self) -> bool {
        self.form.is_some() || self.url.is_none()
    }

    /// True when the client opens URLs.
    pub fn url(&self) -> bool {
        self.url.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_capabilities_survive_a_round_trip() {
        let client = json!({
            "experimental": { "x-trace": { "level": 2 } },
            "roots": { "listChanged": true },
            "sampling": { "context": {}, "tools": {} },
            "elicitation": { "form": {}, "url": {} },
            "tasks": { "list": {}, "cancel": {} },
            "x-vendor": { "on": true }
        });
        let typed: ClientCapabilities = serde_json::from_value(client.clone()).unwrap();
        assert_eq!(typed.roots.as_ref().unwrap().list_changed, Some(true));
        assert!(typed.declares("tasks") && typed.declares("x-vendor"));
        assert_eq!(serde_json::to_value(&typed).unwrap(), client);

        let server = json!({
            "logging": {},
            "completions": {},
            "prompts": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": false },
            "tools": {},
            "tasks": { "requests": { "tools": { "call": {} } } }
        });
        let typed: ServerCapabilities = serde_json::from_value(server.clone()).unwrap();
        assert_eq!(typed.resources.as_ref().unwrap().subscribe, Some(true));
        assert_eq!(typed.tools, Some(ListChangedCapability::default()));
        assert_eq!(serde_json::to_value(&typed).unwrap(), server);
    }

    #[test]
    fn elicitation_modes() {
        let modes = |v: Value| {
            let caps: ElicitationCapability = serde_json::from_value(v).unwrap();
            (caps.form(), caps.url())
        };
        assert_eq!(modes(json!({})), (true, false));
        assert_eq!(modes(json!({ "form": {} })), (true, false));
        assert_eq!(modes(json!({ "url": {} })), (false, true));
        assert_eq!(modes(json!({ "form": {}, "url": {} })), (true, true));
    }

    #[test]
    fn a_null_capability_is_not_declared() {
        let caps: ClientCapabilities =
            serde_json::from_value(json!({ "sampling": null, "tasks": null })).unwrap();
        assert!(!caps.declares("sampling") && !caps.declares("tasks"));
        assert!(!ClientCapabilities::default().declares("roots"));
    }
}
