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
use peers::NotesHttp;
use serde_json::{Map, Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTANCES: usize = 3;

/// The `nginx` binary, or `None` (with a note) when it is missing and not required.
fn nginx() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join("nginx"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("MCP_REQUIRE_SERVICES").is_none(),
            "nginx is not installed, and MCP_REQUIRE_SERVICES says the tests need it (apt-get install nginx)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipped: nginx is not installed (apt-get install nginx); the load-balancer tests did not run"
        );
    }
    found
}

/// `INSTANCES` servers and an nginx that balances them round robin.
struct Balanced {
    url: String,
    instances: Vec<NotesHttp>,
    nginx: Child,
    dir: PathBuf,
}

impl Drop for Balanced {
    fn drop(&mut self) {
        let _ = self.nginx.kill();
        let _ = self.nginx.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
        let upstreams: String = instances
            .iter()
            .map(|s| {
                let authority = s
                    .url()
                    .trim_start_matches("http://")
                    .trim_end_matches("/mcp");
                format!("        server {authority} max_fails=0;\n")
            })
            .collect();
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("mcp-balancer-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let config = nginx_config(&dir, port, &upstreams);
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
        let child = Command::new(nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nginx: {e}"));
        let balanced = Balanced {
            url: format!("http://127.0.0.1:{port}/mcp"),
            instances,
            nginx: child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}; its log:\n{}",
                std::fs::read_to_string(balanced.dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        balanced
    }

    /// The upstream of each request nginx passed on, in order (its access log).
    fn upstreams(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("access.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The address of instance `i`, as nginx names it.
    fn instance(&self, i: usize) -> String {
        self.instances[i]
            .url()
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned()
    }
}

/// The configuration the README's deployment section shows, with the test's paths.
fn nginx_config(dir: &Path, port: u16, upstreams: &str) -> String {
    let dir = dir.display();
    format!(
        r#"daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$upstream_addr';
    access_log {dir}/access.log upstream;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    upstream mcp {{
{upstreams}        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{port};

        location /mcp {{
            proxy_pass http://mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # SSE answers must not wait in nginx's buffers.
            proxy_buffering off;
            proxy_cache off;
            client_max_body_size 4m;
            # A call may stream for a long time; a listen stream longer still.
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
}}
"#
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
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
    let Some(nginx) = nginx() else { return };
    let shared = Balanced::start(&nginx, &[], |_| "a-key-every-instance-shares".into());
    let client = modern_client(&shared.url).await.expect("connecting");
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
    let upstreams = shared.upstreams();
    for i in 0..INSTANCES {
        let instance = shared.instance(i);
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
    let client = modern_client(&own.url).await.expect("connecting");
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
    let Some(nginx) = nginx() else { return };
    let balanced = Balanced::start(&nginx, &["--stateless"], |_| "shared".into());
    let client = Client::builder()
        .era(Era::Legacy)
        .http(&balanced.url)
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
    let authority = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
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
    let authority = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
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
