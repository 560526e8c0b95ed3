//! The command line every server gets from `Transport::from_args()`, and what the process
//! prints: `--help`, an error returned from `main`, and the request logs on stderr.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn notes(args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notes"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the notes server: {e}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("the server exits")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_names_the_program_and_lists_the_environment_variables() {
    let out = notes(&["--help"], &[], "");
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.starts_with("notes: an MCP server\n"), "{help}");
    assert!(help.contains("Usage: notes [OPTIONS]"), "{help}");
    for var in [
        "MCP_TRANSPORT",
        "MCP_PORT",
        "MCP_MAX_BODY_BYTES",
        "MCP_SHUTDOWN_GRACE",
    ] {
        assert!(
            help.contains(&format!("[env: {var}=")),
            "{var} missing: {help}"
        );
    }
    let out = notes(&["--version"], &[], "");
    assert_eq!(
        text(&out.stdout).trim(),
        concat!("notes ", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_error_from_main_is_one_readable_line_and_a_failure_status() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = notes(
        &["--transport", "streamable-http", "--port", &port],
        &[("RUST_LOG", "off")],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("Error: cannot listen on 127.0.0.1:{port}: ")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Io(") && !stderr.contains("Custom"),
        "{stderr}"
    );
}

#[test]
fn requests_are_logged_at_debug_and_failures_at_warn() {
    let input = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cli","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"count_words","arguments":{"text":"a b"}}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"delete_note","arguments":{"id":999}}}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"no/such/method"}"#,
        r#"{"jsonrpc":"2.0","id":5,"#,
    ]
    .join("\n");
    let out = notes(
        &[],
        &[("RUST_LOG", "mcp_runtime=debug"), ("NO_COLOR", "1")],
        &input,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let logs = text(&out.stderr);
    let line = |needles: &[&str]| {
        logs.lines()
            .find(|l| needles.iter().all(|n| l.contains(n)))
            .unwrap_or_else(|| panic!("no log line with {needles:?} in:\n{logs}"))
            .to_owned()
    };
    // Every request: a span with its method, id and subject, and its outcome.
    let ok = line(&[
        "DEBUG",
        "mcp_request{",
        "method=\"tools/call\"",
        "id=2",
        "name=\"count_words\"",
        "request handled",
    ]);
    assert!(
        ok.contains("outcome=\"ok\"") && ok.contains("elapsed_ms="),
        "{ok}"
    );
    line(&["DEBUG", "id=3", "request handled", "outcome=\"tool error\""]);
    // Failures at warn, with the request's fields even when debug is off.
    line(&[
        "WARN",
        "id=3",
        "name=\"delete_note\"",
        "tool returned an error",
        "no note with id 999",
    ]);
    line(&[
        "WARN",
        "method=\"no/such/method\"",
        "id=4",
        "code=-32601",
        "request failed",
    ]);
    line(&["WARN", "code=-32700", "invalid message from the client"]);
    // The protocol alone on stdout.
    for l in text(&out.stdout).lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"));
    }
}

/// The Dockerfile's build line names a binary and features this package has, and its
/// entrypoint, with its environment (the port made 0), serves: `/healthz` answers.
#[test]
fn the_dockerfile_builds_what_exists_and_its_entrypoint_serves() {
    let dockerfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .unwrap_or_else(|e| panic!("Dockerfile: {e}"));
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .unwrap_or_else(|e| panic!("Cargo.toml: {e}"));
    let build = dockerfile
        .lines()
        .find(|l| l.starts_with("RUN cargo build"))
        .unwrap_or_else(|| panic!("no `RUN cargo build` in the Dockerfile"));
    let words: Vec<&str> = build.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|w| *w == flag)
            .and_then(|i| words.get(i + 1))
            .copied()
            .unwrap_or_else(|| panic!("{flag} missing from {build:?}"))
    };
    assert_eq!(after("--bin"), "notes", "the tests start the notes binary");
    for feature in after("--features").split(',') {
        assert!(
            manifest.contains(&format!("\n{feature} = [")),
            "the Dockerfile builds with feature {feature:?}, which Cargo.toml lacks"
        );
    }
    let env: Vec<(String, String)> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("ENV "))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| name.starts_with("MCP_"))
        .map(|(name, value)| {
            let value = if name == "MCP_PORT" { "0" } else { value };
            (name.to_owned(), value.to_owned())
        })
        .collect();
    assert!(
        env.iter()
            .any(|(n, v)| n == "MCP_TRANSPORT" && v == "streamable-http")
    );
    let entrypoint = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ENTRYPOINT "))
        .unwrap_or_else(|| panic!("no ENTRYPOINT in the Dockerfile"));
    let entrypoint: Vec<String> = serde_json::from_str(entrypoint)
        .unwrap_or_else(|e| panic!("the ENTRYPOINT is not a JSON array: {e}"));
    assert_eq!(entrypoint.first().map(String::as_str), Some("notes"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_notes"))
        .args(&entrypoint[1..])
        .envs(env)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the entrypoint: {e}"));
    let stderr = child.stderr.take().expect("stderr is piped");
    let port = std::io::BufRead::lines(std::io::BufReader::new(stderr))
        .map_while(Result::ok)
        .find_map(|line| {
            let at = line.find("http://")?;
            let rest = &line[at + "http://".len()..];
            let port = rest.split('/').next()?.rsplit(':').next()?;
            port.parse::<u16>().ok()
        });
    let answered = port.map(|port| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("connecting to the entrypoint: {e}"));
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut reply = String::new();
        let _ = std::io::Read::read_to_string(&mut stream, &mut reply);
        reply
    });
    let _ = child.kill();
    let _ = child.wait();
    let reply = answered.unwrap_or_else(|| panic!("the entrypoint did not say where it listens"));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}
