//! Authorization over Streamable HTTP, with a real authorization server's artefacts: the
//! test makes its own keys (RSA, EC P-256, Ed25519, with `openssl`), serves the issuer's
//! metadata and JWKS on 127.0.0.1, signs tokens, and calls a server with
//! `--auth-issuer`-style settings through real HTTP.

mod common;

use bytes::Bytes;
use common::keys::{Key, key, now, sign};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_runtime::auth::AuthSettings;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::{HttpConfig, serve_http};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Who is calling.
#[tool]
fn whoami(caller: Caller) -> String {
    format!("{} [{}]", caller.subject(), caller.scopes().join(" "))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks the caller's name (a multi-round request in 2026-07-28).
#[tool]
async fn ask_name(ctx: Context) -> Result<String, ClientRequestError> {
    match ctx.input("name").elicit::<Name>("Your name?").await? {
        Elicitation::Accept(n) => Ok(format!("hello {}", n.name)),
        _ => Ok("hello".into()),
    }
}

/// Goes on as a task until cancelled.
#[tool(task)]
async fn long_job(ctx: Context) -> &'static str {
    ctx.continue_as_task().await;
    ctx.cancelled().await;
    "stopped"
}

/// Writes something: needs `notes:write`.
#[tool(scopes = ["notes:write"])]
fn write_note(text: String) -> String {
    format!("written: {text}")
}

/// The authorization server: its metadata and its JWKS (which the test may change).
struct Issuer {
    url: String,
    jwks: Arc<Mutex<JwkSet>>,
    fetches: Arc<AtomicUsize>,
}

async fn issuer(keys: Vec<Jwk>) -> Issuer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let jwks = Arc::new(Mutex::new(JwkSet { keys }));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (set, count, base) = (jwks.clone(), fetches.clone(), url.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (set, count, base) = (set.clone(), count.clone(), base.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let body = match req.uri().path() {
                        "/.well-known/oauth-authorization-server" => {
                            json!({ "issuer": base, "jwks_uri": format!("{base}/jwks") })
                        }
                        "/jwks" => {
                            count.fetch_add(1, Ordering::SeqCst);
                            serde_json::to_value(&*set.lock().expect("the set")).expect("JSON")
                        }
                        _ => Value::Null,
                    };
                    let status = if body.is_null() {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::OK
                    };
                    let mut resp = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
                    *resp.status_mut() = status;
                    async move { Ok::<_, std::convert::Infallible>(resp) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Issuer { url, jwks, fetches }
}

/// The MCP server under test, with authentication against `issuer`.
async fn mcp(issuer: &Issuer, stateless: bool) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server = Server::builder()
        .name("auth-test")
        .tool(whoami)
        .tool(write_note)
        .tool(ask_name)
        .tool(long_job)
        .build()
        .expect("the server builds");
    let mut auth = AuthSettings::new(issuer.url.clone());
    auth.jwks_refetch_interval = Duration::from_millis(300);
    let config = HttpConfig {
        stateless,
        auth: Some(auth),
        ..HttpConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, async {
            let _ = stopped.await;
        })
        .await;
    });
    (addr, stop)
}

struct Reply {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Value,
}

impl Reply {
    fn challenge(&self) -> &str {
        self.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn send(
    addr: SocketAddr,
    method: Method,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
    let resp = sender
        .send_request(req.body(Full::new(body)).expect("a request"))
        .await
        .expect("a response");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("a body").to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    // JSON, or the `data:` line of an SSE answer.
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        text.lines()
            .find_map(|l| l.strip_prefix("data: "))
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Value::Null)
    });
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: json,
    }
}

fn initialize() -> Value {
    json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": { "name": "auth-test", "version": "0" } } })
}

fn call(tool: &str, arguments: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": { "name": tool, "arguments": arguments } })
}

struct Setup {
    addr: SocketAddr,
    issuer: Issuer,
    rsa: Key,
    ec: Key,
    ed: Key,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Setup {
    fn resource(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    fn claims(&self, sub: &str, scope: &str) -> Value {
        json!({ "iss": self.issuer.url, "aud": self.resource(), "sub": sub, "scope": scope,
                "iat": now(), "exp": now() + 600 })
    }
}

async fn setup(stateless: bool) -> Option<Setup> {
    let Some(rsa) = key(
        "rsa-1",
        Algorithm::RS256,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ) else {
        println!("skipped: openssl is not installed (the test makes its keys with it)");
        return None;
    };
    let ec = key(
        "ec-1",
        Algorithm::ES256,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )?;
    let ed = key("ed-1", Algorithm::EdDSA, &["-algorithm", "ED25519"])?;
    let issuer = issuer(vec![rsa.jwk.clone(), ec.jwk.clone(), ed.jwk.clone()]).await;
    let (addr, stop) = mcp(&issuer, stateless).await;
    Some(Setup {
        addr,
        issuer,
        rsa,
        ec,
        ed,
        _stop: stop,
    })
}

#[tokio::test]
async fn tokens_are_checked_and_scopes_enforced() {
    let Some(s) = setup(false).await else { return };
    let addr = s.addr;

    // The metadata, at the well-known path and at its form with the endpoint's path.
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let meta = send(addr, Method::GET, path, None, &[], None).await;
        assert_eq!(meta.status, StatusCode::OK, "{path}");
        assert_eq!(meta.body["resource"], s.resource());
        assert_eq!(meta.body["authorization_servers"], json!([s.issuer.url]));
        assert_eq!(meta.body["scopes_supported"], json!(["notes:write"]));
        assert_eq!(meta.body["bearer_methods_supported"], json!(["header"]));
    }

    // No token: 401 pointing at the metadata.
    let none = send(addr, Method::POST, "/mcp", None, &[], Some(&initialize())).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let expected = format!(
        "Bearer resource_metadata=\"http://{addr}/.well-known/oauth-protected-resource/mcp\""
    );
    assert!(
        none.challenge().starts_with(&expected),
        "{}",
        none.challenge()
    );
    assert!(!none.challenge().contains("error="), "{}", none.challenge());

    // Each kind of key signs a token that is accepted.
    for key in [&s.rsa, &s.ec, &s.ed] {
        let token = sign(key, &s.claims("alice", "notes:read"));
        let ok = send(
            addr,
            Method::POST,
            "/mcp",
            Some(&token),
            &[],
            Some(&initialize()),
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{:?}: {}", key.alg, ok.body);
    }

    // Every bad token: 401 invalid_token.
    let claims = s.claims("alice", "");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        c
    };
    let unknown_kid = {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("nobody".into());
        jsonwebtoken::encode(&header, &claims, &s.rsa.encoding).expect("a token")
    };
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&claims)
    );
    let hmac_confusion = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&s.rsa.public_pem).expect("a secret"),
        )
        .expect("a token")
    };
    let bad = [
        ("unknown key", unknown_kid),
        (
            "wrong issuer",
            sign(&s.rsa, &with(&|c| c["iss"] = json!("https://evil.example"))),
        ),
        (
            "wrong audience",
            sign(
                &s.rsa,
                &with(&|c| c["aud"] = json!("https://other.example/mcp")),
            ),
        ),
        (
            "expired",
            sign(&s.rsa, &with(&|c| c["exp"] = json!(now() - 3600))),
        ),
        (
            "not yet valid",
            sign(&s.rsa, &with(&|c| c["nbf"] = json!(now() + 3600))),
        ),
        (
            "no subject",
            sign(
                &s.rsa,
                &with(&|c| {
                    c.as_object_mut().map(|m| m.remove("sub"));
                }),
            ),
        ),
        ("alg none", alg_none),
        ("HMAC with the public key", hmac_confusion),
        ("malformed", "not.a.jwt".to_owned()),
    ];
    for (why, token) in &bad {
        let refused = send(
            addr,
            Method::POST,
            "/mcp",
            Some(token),
            &[],
            Some(&initialize()),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{why}: {}",
            refused.body
        );
        assert!(
            refused.challenge().contains("error=\"invalid_token\""),
            "{why}: {}",
            refused.challenge()
        );
        assert!(refused.challenge().contains("resource_metadata="), "{why}");
    }
    // A token in the URL is refused, even a good one.
    let good = sign(&s.rsa, &s.claims("alice", "notes:read"));
    let in_query = send(
        addr,
        Method::POST,
        &format!("/mcp?access_token={good}"),
        None,
        &[],
        Some(&initialize()),
    )
    .await;
    assert_eq!(in_query.status, StatusCode::BAD_REQUEST);
    assert!(
        in_query.challenge().contains("invalid_request"),
        "{}",
        in_query.challenge()
    );

    // A session: the caller reaches handlers; a tool's scope is enforced with 403.
    let opened = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&good),
        &[],
        Some(&initialize()),
    )
    .await;
    let session = opened
        .headers
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session")
        .to_owned();
    let in_session = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let me = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&good),
        &in_session,
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(
        me.body["result"]["content"][0]["text"], "alice [notes:read]",
        "{}",
        me.body
    );
    let denied = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&good),
        &in_session,
        Some(&call("write_note", json!({ "text": "x" }))),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert!(
        denied.challenge().contains("error=\"insufficient_scope\""),
        "{}",
        denied.challenge()
    );
    assert!(
        denied.challenge().contains("scope=\"notes:write\""),
        "{}",
        denied.challenge()
    );
    assert_eq!(
        denied.body["error"]["data"]["requiredScopes"],
        json!(["notes:write"])
    );
    let writer = sign(&s.rsa, &s.claims("alice", "notes:read notes:write"));
    let written = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&writer),
        &in_session,
        Some(&call("write_note", json!({ "text": "x" }))),
    )
    .await;
    assert_eq!(
        written.body["result"]["content"][0]["text"], "written: x",
        "{}",
        written.body
    );

    // Another subject's token does not reach alice's session.
    let mallory = sign(&s.rsa, &s.claims("mallory", "notes:write"));
    let hijack = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&mallory),
        &in_session,
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(hijack.status, StatusCode::FORBIDDEN, "{}", hijack.body);
    let delete = send(
        addr,
        Method::DELETE,
        "/mcp",
        Some(&mallory),
        &in_session,
        None,
    )
    .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_but_unknown_keys_do_not_hammer_the_issuer() {
    let Some(s) = setup(true).await else { return };
    let addr = s.addr;
    let token = sign(&s.rsa, &s.claims("bob", ""));
    let stateless_call = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&token),
        &[("mcp-protocol-version", "2025-11-25")],
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(
        stateless_call.body["result"]["content"][0]["text"], "bob []",
        "{}",
        stateless_call.body
    );
    let fetched = s.issuer.fetches.load(Ordering::SeqCst);
    assert_eq!(fetched, 1, "the keys are fetched once and cached");

    // Unknown keys in a burst: at most one refetch.
    for _ in 0..5 {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("forged".into());
        let forged =
            jsonwebtoken::encode(&header, &s.claims("eve", ""), &s.rsa.encoding).expect("a token");
        let refused = send(
            addr,
            Method::POST,
            "/mcp",
            Some(&forged),
            &[],
            Some(&initialize()),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    assert!(s.issuer.fetches.load(Ordering::SeqCst) <= fetched + 1);

    // The issuer rotates to a new key: once the interval has passed, it is fetched.
    let new = key(
        "rsa-2",
        Algorithm::RS256,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    )
    .expect("a key");
    s.issuer
        .jwks
        .lock()
        .expect("the set")
        .keys
        .push(new.jwk.clone());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let rotated = sign(&new, &s.claims("bob", ""));
    let ok = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&rotated),
        &[("mcp-protocol-version", "2025-11-25")],
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    // The modern era is authenticated the same way.
    let modern = json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "whoami", "arguments": {},
        "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                   "io.modelcontextprotocol/clientCapabilities": {} } } });
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "whoami"),
    ];
    let anonymous = send(addr, Method::POST, "/mcp", None, &headers, Some(&modern)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let known = send(
        addr,
        Method::POST,
        "/mcp",
        Some(&token),
        &headers,
        Some(&modern),
    )
    .await;
    assert_eq!(
        known.body["result"]["content"][0]["text"], "bob []",
        "{}",
        known.body
    );
    let _ = (&s.ec, &s.ed);
}

/// A modern request of `params` (a `tools/call` or a tasks method) for `caps`, with its
/// routing headers.
fn modern_request(method: &str, params: Value, caps: Value) -> (Value, Vec<(String, String)>) {
    let mut params = params;
    params["_meta"] = json!({ "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                              "io.modelcontextprotocol/clientCapabilities": caps });
    let name = params["name"]
        .as_str()
        .or(params["taskId"].as_str())
        .unwrap_or_default()
        .to_owned();
    let headers = vec![
        ("mcp-protocol-version".to_owned(), "2026-07-28".to_owned()),
        ("mcp-method".to_owned(), method.to_owned()),
        ("mcp-name".to_owned(), name),
    ];
    (
        json!({ "jsonrpc": "2.0", "id": 9, "method": method, "params": params }),
        headers,
    )
}

async fn modern_send(
    addr: SocketAddr,
    token: &str,
    method: &str,
    params: Value,
    caps: Value,
) -> Reply {
    let (body, headers) = modern_request(method, params, caps);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send(
        addr,
        Method::POST,
        "/mcp",
        Some(token),
        &headers,
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn request_state_and_tasks_belong_to_their_caller() {
    let Some(s) = setup(true).await else { return };
    let addr = s.addr;
    let alice = sign(&s.ec, &s.claims("alice", ""));
    let mallory = sign(&s.ec, &s.claims("mallory", ""));

    // A multi-round state sealed for alice is refused to mallory, accepted for alice.
    let caps = json!({ "elicitation": {} });
    let first = modern_send(
        addr,
        &alice,
        "tools/call",
        json!({ "name": "ask_name" }),
        caps.clone(),
    )
    .await;
    assert_eq!(
        first.body["result"]["resultType"], "input_required",
        "{}",
        first.body
    );
    let state = first.body["result"]["requestState"]
        .as_str()
        .expect("a state")
        .to_owned();
    let retry = json!({ "name": "ask_name", "requestState": state,
                        "inputResponses": { "name": { "action": "accept", "content": { "name": "Al" } } } });
    let stolen = modern_send(addr, &mallory, "tools/call", retry.clone(), caps.clone()).await;
    assert_eq!(stolen.body["error"]["code"], -32602, "{}", stolen.body);
    assert!(
        stolen.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("another caller"),
        "{}",
        stolen.body
    );
    let resumed = modern_send(addr, &alice, "tools/call", retry, caps).await;
    assert_eq!(
        resumed.body["result"]["content"][0]["text"], "hello Al",
        "{}",
        resumed.body
    );

    // A task is its creator's: to anyone else it does not exist.
    let tasks = json!({ "extensions": { "io.modelcontextprotocol/tasks": {} } });
    let created = modern_send(
        addr,
        &alice,
        "tools/call",
        json!({ "name": "long_job" }),
        tasks.clone(),
    )
    .await;
    let task = created.body["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let theirs = modern_send(
        addr,
        &mallory,
        "tasks/get",
        json!({ "taskId": task.clone() }),
        tasks.clone(),
    )
    .await;
    assert_eq!(theirs.body["error"]["code"], -32602, "{}", theirs.body);
    let cancel = modern_send(
        addr,
        &mallory,
        "tasks/cancel",
        json!({ "taskId": task.clone() }),
        tasks.clone(),
    )
    .await;
    assert_eq!(cancel.body["error"]["code"], -32602, "{}", cancel.body);
    let own = modern_send(
        addr,
        &alice,
        "tasks/get",
        json!({ "taskId": task.clone() }),
        tasks.clone(),
    )
    .await;
    assert_eq!(own.body["result"]["status"], "working", "{}", own.body);
    let stop = modern_send(
        addr,
        &alice,
        "tasks/cancel",
        json!({ "taskId": task }),
        tasks,
    )
    .await;
    assert_eq!(
        stop.body["result"]["resultType"], "complete",
        "{}",
        stop.body
    );
}

/// A verifier of the program's own: the token `good-<name>` is `<name>`'s; it counts its
/// calls.
struct Counting(Arc<AtomicUsize>);

impl mcp_runtime::auth::TokenVerifier for Counting {
    fn verify<'a>(&'a self, token: &'a str) -> mcp_runtime::auth::VerifyFuture<'a> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match token.strip_prefix("good-") {
                Some(name) => Ok(Caller::new(name, vec![], serde_json::Map::new())),
                None => Err(mcp_runtime::auth::TokenError::Invalid("not ours".into())),
            }
        })
    }
}

#[tokio::test]
async fn a_custom_verifier_is_asked_once_per_token() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut auth = AuthSettings::new("https://issuer.example");
    auth.verifier = Some(Arc::new(Counting(calls.clone())));
    let server = Server::builder()
        .tool(whoami)
        .build()
        .expect("the server builds");
    let config = HttpConfig {
        stateless: true,
        auth: Some(auth),
        ..HttpConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, std::future::pending()).await;
    });
    let headers = [("mcp-protocol-version", "2025-11-25")];
    for _ in 0..3 {
        let me = send(
            addr,
            Method::POST,
            "/mcp",
            Some("good-zoe"),
            &headers,
            Some(&call("whoami", json!({}))),
        )
        .await;
        assert_eq!(
            me.body["result"]["content"][0]["text"], "zoe []",
            "{}",
            me.body
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a verified token is cached"
    );
    let refused = send(
        addr,
        Method::POST,
        "/mcp",
        Some("bad"),
        &headers,
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a refused token is not cached"
    );
}

/// An introspection endpoint (RFC 7662) that knows three opaque tokens, and wants this
/// server's client credentials.
async fn introspection_endpoint(resource: Arc<Mutex<String>>) -> String {
    use base64::Engine as _;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!(
        "http://{}/introspect",
        listener.local_addr().expect("an address")
    );
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("mcp-server:s3cret")
    );
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (resource, expected) = (resource.clone(), expected.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (resource, expected) = (resource.clone(), expected.clone());
                    async move {
                        let authorized = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            == Some(expected.as_str());
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let form = String::from_utf8_lossy(&body).into_owned();
                        let aud = resource.lock().expect("the resource").clone();
                        let answer = if !authorized {
                            json!({ "error": "invalid_client" })
                        } else if form.contains("token=opaque-alice") {
                            json!({ "active": true, "sub": "alice", "aud": aud, "scope": "notes:write", "exp": now() + 600 })
                        } else if form.contains("token=opaque-elsewhere") {
                            json!({ "active": true, "sub": "alice", "aud": "https://other.example/mcp" })
                        } else {
                            json!({ "active": false })
                        };
                        let status = if authorized {
                            StatusCode::OK
                        } else {
                            StatusCode::UNAUTHORIZED
                        };
                        let mut resp =
                            hyper::Response::new(Full::new(Bytes::from(answer.to_string())));
                        *resp.status_mut() = status;
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    url
}

#[tokio::test]
async fn opaque_tokens_are_introspected() {
    let resource = Arc::new(Mutex::new(String::new()));
    let endpoint = introspection_endpoint(resource.clone()).await;
    let mut auth = AuthSettings::new("https://issuer.example");
    auth.introspection = Some(mcp_runtime::auth::Introspection {
        endpoint,
        client_id: "mcp-server".into(),
        client_secret: "s3cret".into(),
    });
    let server = Server::builder()
        .tool(whoami)
        .tool(write_note)
        .build()
        .expect("the server builds");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    *resource.lock().expect("the resource") = format!("http://{addr}/mcp");
    let config = HttpConfig {
        stateless: true,
        auth: Some(auth),
        ..HttpConfig::default()
    };
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, std::future::pending()).await;
    });
    let headers = [("mcp-protocol-version", "2025-11-25")];
    let me = send(
        addr,
        Method::POST,
        "/mcp",
        Some("opaque-alice"),
        &headers,
        Some(&call("whoami", json!({}))),
    )
    .await;
    assert_eq!(
        me.body["result"]["content"][0]["text"], "alice [notes:write]",
        "{}",
        me.body
    );
    for (token, why) in [
        ("opaque-revoked", "inactive"),
        ("opaque-elsewhere", "another resource"),
    ] {
        let refused = send(
            addr,
            Method::POST,
            "/mcp",
            Some(token),
            &headers,
            Some(&call("whoami", json!({}))),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{why}");
        assert!(
            refused.challenge().contains("invalid_token"),
            "{why}: {}",
            refused.challenge()
        );
    }
}

#[tokio::test]
async fn lists_may_hide_what_the_caller_cannot_use() {
    let mut auth = AuthSettings::new("https://issuer.example");
    auth.verifier = Some(Arc::new(Counting(Arc::default())));
    auth.hide_unauthorized = true;
    let server = Server::builder()
        .tool(whoami)
        .tool(write_note)
        .build()
        .expect("the server builds");
    let config = HttpConfig {
        stateless: true,
        auth: Some(auth),
        ..HttpConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, std::future::pending()).await;
    });
    let list = json!({ "jsonrpc": "2.0", "id": 4, "method": "tools/list" });
    let headers = [("mcp-protocol-version", "2025-11-25")];
    let listed = send(
        addr,
        Method::POST,
        "/mcp",
        Some("good-zoe"),
        &headers,
        Some(&list),
    )
    .await;
    let names: Vec<&str> = listed.body["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["whoami"],
        "write_note needs notes:write: {}",
        listed.body
    );
}

/// A memo for readers with `memo:read`.
#[resource("memo://{id}", scopes = ["memo:read"])]
fn memo(id: String) -> String {
    format!("memo {id}")
}

/// A prompt for reviewers.
#[prompt(scopes = ["review"])]
fn review() -> &'static str {
    "Review this."
}

#[tokio::test]
async fn resources_prompts_and_the_server_require_their_scopes() {
    let mut auth = AuthSettings::new("https://issuer.example");
    auth.verifier = Some(Arc::new(Scoped));
    auth.required_scopes = vec!["mcp".into()];
    let server = Server::builder()
        .tool(whoami)
        .resource(memo)
        .prompt(review)
        .build()
        .expect("the server builds");
    let config = HttpConfig {
        stateless: true,
        auth: Some(auth),
        ..HttpConfig::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = serve_http(&server, listener, config, std::future::pending()).await;
    });
    let headers = [("mcp-protocol-version", "2025-11-25")];
    let read = json!({ "jsonrpc": "2.0", "id": 5, "method": "resources/read", "params": { "uri": "memo://1" } });
    let get = json!({ "jsonrpc": "2.0", "id": 6, "method": "prompts/get", "params": { "name": "review" } });

    // The server-wide scope: without it, nothing.
    let outside = send(
        addr,
        Method::POST,
        "/mcp",
        Some("scopes:memo:read"),
        &headers,
        Some(&read),
    )
    .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.body);
    assert!(
        outside.challenge().contains("scope=\"mcp\""),
        "{}",
        outside.challenge()
    );

    // Each item's own scope.
    let reader = "scopes:mcp,memo:read";
    let ok = send(
        addr,
        Method::POST,
        "/mcp",
        Some(reader),
        &headers,
        Some(&read),
    )
    .await;
    assert_eq!(
        ok.body["result"]["contents"][0]["text"], "memo 1",
        "{}",
        ok.body
    );
    let denied = send(
        addr,
        Method::POST,
        "/mcp",
        Some(reader),
        &headers,
        Some(&get),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert!(
        denied.challenge().contains("scope=\"review\""),
        "{}",
        denied.challenge()
    );
    let reviewer = "scopes:mcp,review";
    let got = send(
        addr,
        Method::POST,
        "/mcp",
        Some(reviewer),
        &headers,
        Some(&get),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let unread = send(
        addr,
        Method::POST,
        "/mcp",
        Some(reviewer),
        &headers,
        Some(&read),
    )
    .await;
    assert_eq!(unread.status, StatusCode::FORBIDDEN, "{}", unread.body);
}

/// A verifier whose token `scopes:<a,b,c>` grants those scopes to `tester`.
struct Scoped;

impl mcp_runtime::auth::TokenVerifier for Scoped {
    fn verify<'a>(&'a self, token: &'a str) -> mcp_runtime::auth::VerifyFuture<'a> {
        Box::pin(async move {
            let scopes = token
                .strip_prefix("scopes:")
                .ok_or_else(|| mcp_runtime::auth::TokenError::Invalid("not ours".into()))?;
            let scopes = scopes.split(',').map(str::to_owned).collect();
            Ok(Caller::new("tester", scopes, serde_json::Map::new()))
        })
    }
}
