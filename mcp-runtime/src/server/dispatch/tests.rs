//! The core's rules, tested without a transport: payloads in, answers out.

use super::Answer;
use crate::Limits;
use crate::protocol::{ErrorCode, Payload, Response};
use crate::server::{RequestScope, Server, Session, ToolDef, ToolOutcome};
use futures_util::FutureExt as _;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

fn tool(name: &str, call: crate::server::ToolFn) -> ToolDef {
    let tool = serde_json::from_value(json!({ "name": name, "inputSchema": { "type": "object" } }))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    ToolDef::new(tool, call)
}

fn server(limits: Limits) -> Server {
    Server::builder()
        .tool_def(tool("now", |_, _| {
            Box::pin(async { ToolOutcome::structured(&1) })
        }))
        .tool_def(tool("forever", |_, _| Box::pin(std::future::pending())))
        .limits(limits)
        .build()
        .expect("the server builds")
}

fn payload(message: Value) -> Payload {
    Payload::decode(message.to_string().as_bytes())
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

fn call(id: i64, name: &str) -> Value {
    request(id, "tools/call", json!({ "name": name, "arguments": {} }))
}

fn initialize(version: &str) -> Value {
    request(
        0,
        "initialize",
        json!({ "protocolVersion": version, "capabilities": {},
                "clientInfo": { "name": "core-test", "version": "1" } }),
    )
}

async fn handle(server: &Server, session: &Arc<Session>, message: Value) -> Answer {
    let admitted = session.admit().await;
    server
        .handle(session, admitted, payload(message), RequestScope::default())
        .await
}

fn response(answer: Answer) -> Response {
    match answer {
        Answer::Response(r) => r,
        other => panic!("expected one response, got {other:?}"),
    }
}

fn error_code(answer: Answer) -> i64 {
    match response(answer).outcome {
        Err(e) => e.code,
        Ok(result) => panic!("expected an error, got {}", result.get()),
    }
}

async fn initialized(server: &Server, version: &str) -> Arc<Session> {
    let session = server.new_session(&CancellationToken::new());
    let init = response(handle(server, &session, initialize(version)).await);
    assert!(init.outcome.is_ok(), "{init:?}");
    session
}

#[tokio::test]
async fn nothing_but_ping_before_initialize() {
    let server = server(Limits::default());
    let session = server.new_session(&CancellationToken::new());
    let ping = response(handle(&server, &session, request(1, "ping", json!({}))).await);
    assert!(ping.outcome.is_ok());
    let refused = handle(&server, &session, request(2, "tools/list", json!({}))).await;
    assert_eq!(error_code(refused), ErrorCode::INVALID_REQUEST);
    let init = response(handle(&server, &session, initialize("2025-11-25")).await);
    assert!(init.outcome.is_ok());
    let list = response(handle(&server, &session, request(3, "tools/list", json!({}))).await);
    assert!(list.outcome.is_ok(), "{list:?}");
}

#[tokio::test]
async fn batches_only_where_the_version_has_them() {
    let server = server(Limits::default());
    let batch = || json!([request(1, "ping", json!({})), call(2, "now")]);
    let modern = initialized(&server, "2025-11-25").await;
    assert!(matches!(
        handle(&server, &modern, batch()).await,
        Answer::Refused(_)
    ));
    let old = initialized(&server, "2025-03-26").await;
    match handle(&server, &old, batch()).await {
        Answer::Batch(responses) => {
            let ids: Vec<String> = responses.iter().map(|r| format!("{:?}", r.id)).collect();
            assert_eq!(ids.len(), 2, "{ids:?}");
            assert!(responses.iter().all(|r| r.outcome.is_ok()), "{responses:?}");
        }
        other => panic!("expected the batch's responses, got {other:?}"),
    }
    let with_initialize = json!([initialize("2025-03-26")]);
    match handle(&server, &old, with_initialize).await {
        Answer::Batch(responses) => assert!(responses[0].outcome.is_err()),
        other => panic!("expected an error in the batch, got {other:?}"),
    }
    let notifications = json!([{ "jsonrpc": "2.0", "method": "notifications/x" }]);
    assert!(matches!(
        handle(&server, &old, notifications).await,
        Answer::Accepted
    ));
}

#[tokio::test]
async fn notifications_responses_and_garbage() {
    let server = server(Limits::default());
    let session = initialized(&server, "2025-11-25").await;
    let note = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    assert!(matches!(
        handle(&server, &session, note).await,
        Answer::Accepted
    ));
    let stray = json!({ "jsonrpc": "2.0", "id": 99, "result": {} });
    assert!(matches!(
        handle(&server, &session, stray).await,
        Answer::Accepted
    ));
    let garbage = json!({ "jsonrpc": "2.0", "id": 1 });
    assert!(matches!(
        handle(&server, &session, garbage).await,
        Answer::Refused(_)
    ));
}

#[tokio::test]
async fn a_cancelled_request_gets_no_answer() {
    let server = server(Limits::default());
    let session = initialized(&server, "2025-11-25").await;
    let admitted = session.admit().await;
    let running = server.handle(
        &session,
        admitted,
        payload(call(7, "forever")),
        RequestScope::default(),
    );
    let running = tokio::spawn(running);
    let cancel = json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": { "requestId": 7 } });
    assert!(matches!(
        handle(&server, &session, cancel).await,
        Answer::Accepted
    ));
    assert!(matches!(running.await.unwrap(), Answer::Cancelled));
}

#[tokio::test]
async fn the_end_of_a_session_answers_its_requests() {
    let server = server(Limits::default());
    let session = initialized(&server, "2025-11-25").await;
    let admitted = session.admit().await;
    let running = tokio::spawn(server.handle(
        &session,
        admitted,
        payload(call(8, "forever")),
        RequestScope::default(),
    ));
    tokio::task::yield_now().await;
    session.end(crate::server::EndReason::Closed);
    let answer = running.await.unwrap();
    let error = response(answer).outcome.expect_err("an error");
    assert_eq!(error.code, ErrorCode::CONNECTION_CLOSED);
    assert!(error.message.contains("session ended"), "{}", error.message);
}

#[tokio::test]
async fn a_session_runs_at_most_its_limit_at_once() {
    let server = server(Limits {
        max_concurrent_requests: 1,
        ..Limits::default()
    });
    let session = initialized(&server, "2025-11-25").await;
    let first = session.admit().await;
    assert!(session.admit().now_or_never().is_none(), "the second waits");
    drop(first);
    assert!(
        session.admit().now_or_never().is_some(),
        "and goes once the first is done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_are_admitted_one_by_one_as_places_free() {
    let server = server(Limits {
        max_concurrent_requests: 1,
        ..Limits::default()
    });
    let session = initialized(&server, "2025-11-25").await;
    let held = session.admit().await;
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move {
                let admitted = session.admit().await;
                tokio::task::yield_now().await;
                drop(admitted);
            })
        })
        .collect();
    // One waiter gives up: it must not keep the others from being woken.
    assert!(session.admit().now_or_never().is_none());
    drop(held);
    for waiter in waiters {
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("every waiter is admitted in turn")
            .expect("the waiter runs");
    }
    assert!(session.admit().now_or_never().is_some());
}
