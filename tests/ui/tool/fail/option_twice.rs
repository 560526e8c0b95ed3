use mcp_runtime::prelude::*;

/// Count words.
#[tool(read_only, name = "count", read_only = false)]
fn count(text: String) -> usize {
    text.split_whitespace().count()
}

fn main() {
    let _ = Server::builder().tool(count).build();
}
