use mcp_runtime::prelude::*;

struct Store;

/// A section of the store, with a misspelled parameter.
#[resource("store://{section}/{id}")]
fn section(store: State<Store>, ctx: Context, id: u32, sectoin: String) -> String {
    let _ = (store, ctx);
    format!("{sectoin}/{id}")
}

fn main() {}
