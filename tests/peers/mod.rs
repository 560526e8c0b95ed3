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
    #[allow(dead_code)]
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
        assert!(status.success(), "kill -TERM failed: {status}");
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
