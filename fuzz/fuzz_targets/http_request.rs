//! The Streamable HTTP endpoint on arbitrary requests: method, a handful of headers the
//! endpoint reads (any bytes, any of them repeated or missing) and a body, against a
//! server with a tool. `McpService::handle` never panics and always answers; a request
//! without an allowed Host is never served.
#![no_main]

use bytes::Bytes;
use http_body_util::Full;
use libfuzzer_sys::fuzz_target;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::{HttpConfig, McpService};
use std::sync::OnceLock;

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Echo the text, with progress.
#[tool]
async fn echo(text: String, ctx: Context) -> String {
    ctx.progress(1.0, Some(1.0)).await;
    text
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    service: McpService,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let server = Server::builder()
            .tool(add)
            .tool(echo)
            .build()
            .expect("the server builds");
        let service = runtime.block_on(async { server.http_service(HttpConfig::default()) });
        Fixture { runtime, service }
    })
}

const METHODS: [&str; 4] = ["POST", "GET", "DELETE", "PUT"];
const HEADERS: [&str; 7] = [
    "host",
    "origin",
    "accept",
    "content-type",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
];
const VALUES: [&[u8]; 8] = [
    b"localhost",
    b"application/json, text/event-stream",
    b"application/json",
    b"2025-11-25",
    b"2025-03-26",
    b"http://localhost:3000",
    b"evil.example",
    b"0-1",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut builder = http::Request::builder()
        .method(METHODS[usize::from(first) % METHODS.len()])
        .uri("/mcp");
    // Header records: [name index, value kind, len, bytes...]; then the body.
    let mut input = rest;
    let mut allowed_host = false;
    let mut host_count = 0;
    while let [name, kind, len, tail @ ..] = input {
        if *name == 0xff {
            input = tail;
            break;
        }
        let name = HEADERS[usize::from(*name) % HEADERS.len()];
        let (value, tail): (&[u8], &[u8]) = if kind % 2 == 0 {
            (VALUES[usize::from(*kind / 2) % VALUES.len()], tail)
        } else {
            let n = usize::from(*len).min(tail.len());
            tail.split_at(n)
        };
        input = tail;
        let Ok(value) = http::HeaderValue::from_bytes(value) else {
            continue;
        };
        if name == "host" {
            host_count += 1;
            allowed_host = value.as_bytes() == b"localhost";
        }
        builder = builder.header(name, value);
    }
    let Ok(request) = builder.body(Full::new(Bytes::copy_from_slice(input))) else {
        return;
    };
    let fixture = fixture();
    let response = fixture.runtime.block_on(fixture.service.handle(request));
    if host_count != 1 || !allowed_host {
        assert!(
            response.status().is_client_error(),
            "a request without one allowed Host was served: {}",
            response.status()
        );
    }
});
