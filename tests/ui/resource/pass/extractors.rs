use mcp_runtime::prelude::*;
use std::collections::HashMap;

struct Store {
    notes: HashMap<u32, String>,
}

/// Template variables and extractors, in any order.
#[resource("notes://{id}")]
fn note(store: State<Store>, id: u32, ctx: Context) -> Result<String, NotFound> {
    let _ = ctx.request_id();
    store.notes.get(&id).cloned().ok_or_else(|| NotFound::new("no such note"))
}

/// A fixed resource that only takes extractors.
#[resource("notes://count")]
async fn count(store: State<Store>) -> String {
    store.notes.len().to_string()
}

fn main() {
    Server::builder()
        .resource(note)
        .resource(count)
        .state(Store { notes: HashMap::new() })
        .build()
        .unwrap();
}
