//! Shared by the tests that drive the `notes` example with external peers: the official
//! Python and TypeScript SDKs and the conformance suite. `cargo xtask test` installs them
//! into `target/peers/` and names them in `MCP_PYTHON`, `MCP_NODE22` and
//! `MCP_NODE_MODULES`; without those variables the tests skip, saying so.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the server may take to start listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server logs (at info level) once it listens; the address follows.
const LISTENING: &str = "serving MCP on ";

/// The paths named by the environment variables `names`, or `None` after a "skipped"
/// line when any of them is unset or empty.
pub fn peer_paths<const N: usize>(names: [&str; N]) -> Option<[PathBuf; N]> {
    let values = names.map(|name| std::env::var_os(name).filter(|value| !value.is_empty()));
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        // Straight to stderr, past the test harness's output capture, so a skip shows
        // in the log.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: {} not set; run `cargo xtask test` to install the test peers and run this test",
            missing.join(" and ")
        );
        return None;
    }
    Some(values.map(|value| PathBuf::from(value.unwrap_or_default())))
}

/// The `notes` example serving Streamable HTTP on a free loopback port (`--port 0`; the
/// address comes from its log), killed when dropped.
pub struct NotesHttp {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl NotesHttp {
    pub fn start() -> NotesHttp {
        NotesHttp::start_binary(env!("CARGO_BIN_EXE_notes"))
    }

    /// Any example binary of this package, served the same way.
    pub fn start_binary(binary: &str) -> NotesHttp {
        NotesHttp::start_command(Command::new(binary), &[])
    }

    /// `command` (an example binary, or a wrapper that execs one with the arguments that
    /// follow) served the same way, with `extra` flags after the transport's.
    pub fn start_command(mut command: Command, extra: &[&str]) -> NotesHttp {
        let what = format!("{command:?}");
        let mut child = command
            .args(["--transport", "streamable-http", "--host", "127.0.0.1"])
            .args(["--port", "0", "--path", "/mcp"])
            .args(extra)
            .env("RUST_LOG", log_filter())
            .env_remove("MCP_STATELESS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (url_tx, url_rx) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            collect_log(stderr, log.clone(), url_tx);
        }
        let mut server = NotesHttp {
            child,
            url: String::new(),
            log,
        };
        match url_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(url) => server.url = url,
            Err(e) => panic!(
                "the notes server did not report its address ({e}); its log:\n{}",
                server.log()
            ),
        }
        server
    }

    /// The MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends the server SIGTERM (it shuts down gracefully).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL: no shutdown, no goodbye (an instance that dies).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `host:port` of the endpoint, as a load balancer names an upstream.
    pub fn authority(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_owned()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for NotesHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The caller's log filter, with the line that carries the address always on.
fn log_filter() -> String {
    let base = std::env::var("RUST_LOG")
        .ok()
        .filter(|filter| !filter.is_empty())
        .unwrap_or_else(|| "info".into());
    format!("{base},mcp_runtime::transport=info")
}

/// Copies the server's stderr into `log` until it closes, sending the address once seen.
fn collect_log(stderr: ChildStderr, log: Arc<Mutex<String>>, url: mpsc::Sender<String>) {
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(address) = line.split(LISTENING).nth(1) {
                let address = address.split_whitespace().next().unwrap_or_default();
                let _ = url.send(address.to_string());
            }
            let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// What a peer printed, and how it ended.
pub struct PeerOutput {
    /// The command line, for messages.
    pub command: String,
    /// `None` when the peer was killed for running past its time.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl PeerOutput {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }

    /// Everything a reader needs to see why the peer failed, plus the server's log.
    pub fn report(&self, server: Option<&NotesHttp>) -> String {
        let ended = match self.status {
            Some(status) => status.to_string(),
            None => "killed: it ran past its time limit".into(),
        };
        let mut report = format!(
            "`{}` failed ({ended})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        );
        if let Some(server) = server {
            report.push_str("\n--- notes server log ---\n");
            report.push_str(server.log().trim_end());
        }
        report
    }

    /// Panics with the report unless the peer succeeded; prints its stdout if it did.
    pub fn assert_success(&self, server: Option<&NotesHttp>) {
        assert!(self.success(), "{}", self.report(server));
        println!("{}", self.stdout.trim_end());
    }
}

/// Runs a peer to its end, killing it after `timeout`, and returns what it printed.
pub fn run_peer(command: &mut Command, timeout: Duration) -> PeerOutput {
    let description = describe(command);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{description}`: {e}"));
    let stdout = read_to_end(child.stdout.take());
    let stderr = read_to_end(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Err(e) => panic!("cannot wait for `{description}`: {e}"),
        }
    };
    PeerOutput {
        command: description,
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// Reads a pipe on its own thread, so that neither pipe fills while the peer runs.
fn read_to_end(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The command as one would type it.
fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| word.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip the '[' and parameters up to the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ----- services from Debian's packages: redis-server, nginx ------------------------------

/// The program `name` (a Debian package's: on the PATH, or in /usr/sbin or /usr/bin), or
/// `None` after a "skipped" line when it is missing; a missing one fails the test instead
/// when `MCP_REQUIRE_SERVICES` is set (CI sets it).
pub fn service(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("MCP_REQUIRE_SERVICES").is_none(),
            "{name} is not installed, and MCP_REQUIRE_SERVICES says the tests need it (apt-get install {name})"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipped: {name} is not installed (apt-get install {name}); the tests that need it did not run"
        );
    }
    found
}

/// A loopback port nothing listens on (now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Waits until something listens on loopback `port`; panics after 15 s.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        thread::sleep(Duration::from_millis(25));
    }
}

/// A real nginx on a free loopback port, balancing `/mcp` round robin (no stickiness)
/// over upstreams, with the settings the README's deployment section gives; stopped when
/// dropped.
pub struct Nginx {
    /// The balanced endpoint, e.g. `http://127.0.0.1:41234/mcp`.
    pub url: String,
    dir: PathBuf,
    child: Child,
}

impl Nginx {
    /// Starts `binary` in front of `upstreams` (`host:port` each).
    pub fn start(binary: &std::path::Path, upstreams: &[String]) -> Nginx {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("mcp-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let servers: String = upstreams
            .iter()
            .map(|u| format!("        server {u} max_fails=0;\n"))
            .collect();
        let d = dir.display();
        let config = format!(
            r#"daemon off;
worker_processes 1;
pid {d}/nginx.pid;
# A client holds up to four connections through nginx (its GET stream and a call, each
# on both sides).
events {{ worker_connections 8192; }}
http {{
    log_format upstream '$upstream_addr';
    access_log {d}/access.log upstream;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;

    upstream mcp {{
{servers}        keepalive 32;
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
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
        let child = Command::new(binary)
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
        let nginx = Nginx {
            url: format!("http://127.0.0.1:{port}/mcp"),
            dir,
            child,
        };
        wait_for_port(port, "nginx");
        nginx
    }

    /// The upstream of each request nginx passed on, in order (its access log).
    pub fn upstreams(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("access.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Nginx {
    /// SIGTERM, not SIGKILL: the master then stops its workers (killed, it would leave
    /// them running, orphaned); SIGKILL only if it has not exited within 5 s.
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
