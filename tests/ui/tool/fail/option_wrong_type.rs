use mcp_runtime::prelude::*;

/// Count words.
#[tool(name = 3, read_only = "yes")]
fn count(text: String) -> usize {
    text.split_whitespace().count()
}

fn main() {
    let _ = Server::builder().tool(count).build();
}
