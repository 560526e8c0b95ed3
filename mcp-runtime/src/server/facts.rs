//! The facts of one request: protocol version, the client's identity and capabilities,
//! its log level. They travel with the request, not with a session.

use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel, ProtocolVersion};

/// Facts that belong to one request. In the 2025 revisions they come from the session's
/// `initialize`; from 2026-07-28 on, each request carries them in `_meta`. Handlers read them
/// here either way.
#[derive(Clone, Debug)]
pub struct RequestFacts {
    /// The protocol version in force for this request.
    pub protocol_version: ProtocolVersion,
    /// The client's name and version, when it said.
    pub client_info: Option<Implementation>,
    /// The capabilities the client declared.
    pub client_capabilities: ClientCapabilities,
    /// The least severe log level the client wants (`logging/setLevel`); `None`: not set.
    pub log_level: Option<LoggingLevel>,
}

impl Default for RequestFacts {
    fn default() -> Self {
        RequestFacts {
            protocol_version: ProtocolVersion::LATEST_LEGACY,
            client_info: None,
            client_capabilities: ClientCapabilities::default(),
            log_level: None,
        }
    }
}
