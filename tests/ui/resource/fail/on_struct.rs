use mcp_runtime::prelude::*;

#[resource("notes://index")]
struct Index {
    text: String,
}

fn main() {
    let _ = Index { text: String::new() }.text;
}
