//! Settings of the Streamable HTTP transport, with safe defaults.

use std::time::Duration;

/// How the Streamable HTTP endpoint behaves. The defaults suit a local server: loopback
/// only, localhost `Host`/`Origin` only, bounded sessions and buffers.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Path of the MCP endpoint (default `/mcp`).
    pub path: String,
    /// `Host` header values accepted (host names, with or without port). Empty: any.
    pub allowed_hosts: Vec<String>,
    /// `Origin` header values accepted (e.g. `http://localhost:3000`, or a host name to
    /// allow it with any scheme and port). Requests without `Origin` are always accepted.
    pub allowed_origins: Vec<String>,
    /// Largest request body, in bytes: 413 past it, at once when the declared
    /// `Content-Length` is larger. `None` (the default): the server's
    /// [`Limits::max_message_bytes`](crate::Limits), as on every transport.
    pub max_body_bytes: Option<usize>,
    /// Request bytes buffered at once across every connection: a body that would take
    /// the total past it gets 503 (with `Retry-After`), so that many large bodies at once
    /// cannot exhaust memory.
    pub max_buffered_body_bytes: usize,
    /// No sessions: every POST stands alone (no `Mcp-Session-Id`, no GET stream).
    pub stateless: bool,
    /// Sessions at most; a new session past it gets 503.
    pub max_sessions: usize,
    /// A session unused for this long is ended.
    pub session_idle_timeout: Duration,
    /// Events kept per SSE stream for `Last-Event-ID` replay.
    pub replay_buffer: usize,
    /// Interval of SSE keep-alive comments.
    pub keep_alive: Duration,
    /// The `retry:` an SSE stream advises before the client reconnects.
    pub sse_retry: Duration,
    /// On shutdown, how long to go on serving, with the readiness probe answering 503,
    /// before the listener closes: time for a load balancer that probes it to stop sending
    /// new work (default 0: close at once).
    pub drain_delay: Duration,
    /// On shutdown, how long in-flight requests may take to finish; a request still
    /// running then is answered with a JSON-RPC error (`-32000`) and stopped.
    pub shutdown_grace: Duration,
    /// Longest time to receive a request's head, from the moment the connection opens or
    /// its previous response was sent (so it also ends idle keep-alive connections). A
    /// connection that sends nothing is closed after it.
    pub header_read_timeout: Duration,
    /// Longest time to receive a whole request body once its head has arrived (408 past
    /// it).
    pub body_read_timeout: Duration,
    /// The URL clients reach the endpoint at, when it differs from the one it serves
    /// (behind a proxy): the default resource URI of authentication.
    pub public_url: Option<String>,
    /// Bearer-token authentication (OAuth 2.1 resource server). `None`: none.
    pub auth: Option<crate::auth::AuthSettings>,
    /// Keep sessions in this Redis (`redis://host:6379/0`), shared by every instance that
    /// uses it (`serve_http` only; cargo feature `redis`: without it, serving fails with
    /// a message that says so). `None`: in this process's memory.
    pub redis_url: Option<String>,
    /// Liveness probe (`serve_http` only): `GET` answers 200 `ok` while the process
    /// serves. Default `/healthz`; `None`: not served.
    pub health_path: Option<String>,
    /// Readiness probe (`serve_http` only): `GET` answers 200 `ready`, and 503 once
    /// shutdown has begun, so that a load balancer that probes it sends no new work.
    /// Default `/readyz`; `None`: not served.
    pub ready_path: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            path: "/mcp".into(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            allowed_origins: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            max_body_bytes: None,
            max_buffered_body_bytes: 64 << 20,
            stateless: false,
            max_sessions: 10_000,
            session_idle_timeout: Duration::from_secs(30 * 60),
            replay_buffer: 256,
            keep_alive: Duration::from_secs(15),
            sse_retry: Duration::from_millis(1000),
            drain_delay: Duration::ZERO,
            shutdown_grace: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            public_url: None,
            auth: None,
            redis_url: None,
            health_path: Some("/healthz".into()),
            ready_path: Some("/readyz".into()),
        }
    }
}

impl HttpConfig {
    /// Accepts any `Host` and `Origin`: for servers behind a proxy that checks them, or
    /// reachable on purpose from other machines (then authenticate callers).
    pub fn allow_any_host_and_origin(mut self) -> Self {
        self.allowed_hosts.clear();
        self.allowed_origins.clear();
        self
    }
}

/// The host part of a `Host` header or authority: `localhost:8000` → `localhost`,
/// `[::1]:80` → `[::1]`.
pub(crate) fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |i| &authority[..=i]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            authority
        }
    })
}

/// True when `value` (a `Host` header) is allowed.
pub(crate) fn host_allowed(allowed: &[String], value: &str) -> bool {
    let name = host_name(value);
    allowed.is_empty()
        || allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(value) || a.eq_ignore_ascii_case(name))
}

/// True when `origin` (an `Origin` header: `scheme://host[:port]`) is allowed.
pub(crate) fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
    allowed.iter().any(|a| {
        a.eq_ignore_ascii_case(origin)
            || (!authority.is_empty() && a.eq_ignore_ascii_case(host_name(authority)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_origins() {
        let cfg = HttpConfig::default();
        assert!(host_allowed(&cfg.allowed_hosts, "localhost:8000"));
        assert!(host_allowed(&cfg.allowed_hosts, "127.0.0.1"));
        assert!(host_allowed(&cfg.allowed_hosts, "[::1]:9"));
        assert!(!host_allowed(&cfg.allowed_hosts, "evil.example:8000"));
        assert!(!host_allowed(&cfg.allowed_hosts, "localhost.evil.example"));
        assert!(origin_allowed(
            &cfg.allowed_origins,
            "http://localhost:3000"
        ));
        assert!(!origin_allowed(&cfg.allowed_origins, "http://evil.example"));
        assert!(!origin_allowed(&cfg.allowed_origins, "null"));
        assert!(origin_allowed(&[], "http://evil.example"));
    }
}
