use mcp_runtime::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
struct Counter {
    calls: AtomicU64,
}

/// Count calls; extractors may come in any position.
#[tool]
fn bump(counter: State<Counter>, by: u64, ctx: Context) -> u64 {
    let _ = ctx.request_id();
    counter.calls.fetch_add(by, Ordering::Relaxed) + by
}

/// Only extractors: the tool takes no arguments.
#[tool]
async fn cancelled(ctx: Context) -> bool {
    ctx.is_cancelled()
}

fn main() {
    Server::builder()
        .tool(bump)
        .tool(cancelled)
        .state(Counter::default())
        .build()
        .unwrap();
}
