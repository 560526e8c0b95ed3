//! A Streamable HTTP server that runs out of file descriptors keeps serving: the flagship
//! runs with a limit of 64 descriptors, more silent connections than that are opened, and a
//! real request still gets its answer once the silent ones have timed out.

mod peers;

use peers::NotesHttp;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// The longest the legitimate request may take.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn silent_connections_cannot_exhaust_descriptors() {
    let mut wrapper = Command::new("sh");
    // The limit applies to the exec'd server alone.
    wrapper.args([
        "-c",
        "ulimit -n 64 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_notes"),
    ]);
    let server = NotesHttp::start_command(wrapper, &["--header-timeout", "1"]);
    let addr = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();

    let silent: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(&addr).expect("the kernel takes the connection"))
        .collect();

    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    let mut stream = TcpStream::connect(&addr).expect("connects");
    stream.set_read_timeout(Some(WAIT)).expect("timeout set");
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    let read = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "no answer after {:?} ({read:?}): {answer:?}\n--- server log ---\n{}",
        started.elapsed(),
        server.log()
    );
    assert!(answer.contains("protocolVersion"), "{answer}");
    // The test is only meaningful if the server did run out of descriptors.
    assert!(
        server.log().contains("accept failed"),
        "the server never ran short of descriptors:\n{}",
        server.log()
    );
    drop(silent);
}
