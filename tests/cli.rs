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
