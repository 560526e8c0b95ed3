//! Several instances of `examples/everything` behind a real nginx, round robin, no
//! stickiness: what works across instances without shared state. A 2026-07-28 client
//! needs none (each request stands alone; a multi-round retry carries its state, sealed
//! with the key every instance shares), and neither does a `--stateless` legacy one.
//!
//! Needs `nginx` on the PATH (Debian's package; `.ci/run` installs it). Without it the
//! tests say so and pass, unless `MCP_REQUIRE_SERVICES` is set (CI sets it), when they fail.

mod peers;

use mcp_runtime::Client;
use mcp_runtime::client::Era;
use mcp_runtime::protocol::{ElicitAction, ElicitResult};
use peers::{Nginx, NotesHttp, service};
use serde_json::{Map, Value, json};
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const INSTANCES: usize = 3;

/// `INSTANCES` servers and an nginx that balances them round robin.
struct Balanced {
    instances: Vec<NotesHttp>,
    nginx: Nginx,
}

impl Balanced {
    /// Starts the instances (with `extra` flags; each with `key(i)` as its request-state
    /// key) and nginx in front of them.
    fn start(nginx: &Path, extra: &[&str], key: impl Fn(usize) -> String) -> Balanced {
        let instances: Vec<NotesHttp> = (0..INSTANCES)
            .map(|i| {
                let mut command = Command::new(env!("CARGO_BIN_EXE_everything"));
                command.env("MCP_REQUEST_STATE_KEY", key(i));
                NotesHttp::start_command(command, extra)
            })
            .collect();
        let upstreams: Vec<String> = instances.iter().map(NotesHttp::authority).collect();
        let nginx = Nginx::start(nginx, &upstreams);
        Balanced { instances, nginx }
    }

    fn url(&self) -> &str {
        &self.nginx.url
    }
}

/// A client that answers every form with a name and a colour.
async fn modern_client(url: &str) -> mcp_runtime::Result<Client> {
    Client::builder()
        .on_elicitation(|_: Map<String, Value>| async {
            Ok(ElicitResult {
                action: ElicitAction::Accept,
                content: json!({ "name": "Ada", "color": "blue" })
                    .as_object()
                    .cloned(),
            })
        })
        .http(url)
        .await
}

const THREE_ROUNDS: &str = "test_input_required_result_multi_round";
const ANSWER: &str = "Hello, Ada! Your favorite color is blue.";

/// Each round of a three-round call lands on another instance; with the key shared, each
/// accepts the state another sealed. The control: with a key of its own per instance, the
/// same call is refused, which shows the rounds did cross instances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_round_calls_cross_instances_with_a_shared_key() {
    let Some(nginx) = service("nginx") else {
        return;
    };
    let shared = Balanced::start(&nginx, &[], |_| "a-key-every-instance-shares".into());
    let client = modern_client(shared.url()).await.expect("connecting");
    assert_eq!(client.era(), Era::Modern);
    for _ in 0..INSTANCES {
        let result = client
            .call_tool(THREE_ROUNDS, json!({}))
            .await
            .expect("the call");
        assert!(!result.is_error(), "{}", result.text());
        assert_eq!(result.text(), ANSWER);
    }
    // Every instance served some of it.
    let upstreams = shared.nginx.upstreams();
    for i in 0..INSTANCES {
        let instance = shared.instances[i].authority();
        assert!(
            upstreams.contains(&instance),
            "instance {i} ({instance}) served nothing: {upstreams:?}"
        );
    }
    // Lists are the same whichever instance answers.
    let first = client.list_tools().await.expect("tools/list");
    for _ in 0..INSTANCES {
        assert_eq!(client.list_tools().await.expect("tools/list"), first);
    }
    client.close().await.expect("close");

    let own = Balanced::start(&nginx, &[], |i| format!("a-key-of-instance-{i}"));
    let client = modern_client(own.url()).await.expect("connecting");
    let refused = client.call_tool(THREE_ROUNDS, json!({})).await;
    let Err(mcp_runtime::Error::Rpc(e)) = &refused else {
        panic!("a state sealed elsewhere must be refused, got {refused:?}");
    };
    assert_eq!(e.code, -32602, "{e:?}");
}

/// Legacy clients of `--stateless` instances: every POST stands alone, so any instance
/// answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_legacy_calls_through_the_balancer() {
    let Some(nginx) = service("nginx") else {
        return;
    };
    let balanced = Balanced::start(&nginx, &["--stateless"], |_| "shared".into());
    let client = Client::builder()
        .era(Era::Legacy)
        .http(balanced.url())
        .await
        .expect("connecting");
    assert_eq!(client.era(), Era::Legacy);
    for _ in 0..(INSTANCES * 4) {
        let result = client
            .call_tool("test_simple_text", json!({}))
            .await
            .expect("a call");
        assert!(!result.is_error(), "{}", result.text());
    }
    client.close().await.expect("close");
}

/// `GET path` on `authority`, as raw HTTP/1.1: the status line and the body.
fn get(authority: &str, path: &str) -> (String, String) {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("connecting to {authority}: {e}"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: probe.internal\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("sending: {e}"));
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The probes a load balancer or an orchestrator asks: any `Host` (the balancer's own),
/// no token, plain text; the MCP endpoint's rules are not theirs.
#[test]
fn each_instance_answers_liveness_and_readiness_probes() {
    let server = NotesHttp::start_binary(env!("CARGO_BIN_EXE_everything"));
    let authority = server.authority();
    let (status, body) = get(&authority, "/healthz");
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, "ok\n");
    let (status, body) = get(&authority, "/readyz");
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, "ready\n");
    // Anything else off the endpoint is still 404.
    let (status, _) = get(&authority, "/metrics");
    assert!(status.contains(" 404 "), "{status}");
}

/// With `--drain-delay`, SIGTERM first turns readiness to 503 while the instance goes on
/// serving, so that a balancer that probes it stops sending work; then the listener
/// closes.
#[test]
fn sigterm_with_a_drain_delay_turns_readiness_off_first() {
    let server = NotesHttp::start_command(
        Command::new(env!("CARGO_BIN_EXE_everything")),
        &["--drain-delay", "3", "--shutdown-grace", "1"],
    );
    let authority = server.authority();
    assert!(get(&authority, "/readyz").0.contains(" 200 "));
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(2);
    let status = loop {
        let (status, _) = get(&authority, "/readyz");
        if status.contains(" 503 ") || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.contains(" 503 "), "{status}");
    // Still serving: the process lives, and says so.
    let (status, body) = get(&authority, "/healthz");
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, "ok\n");
    // Then the listener closes.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&authority).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the listener did not close after the drain delay"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
