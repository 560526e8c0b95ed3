use mcp_runtime::prelude::*;

/// Count words.
#[tool(readonly)]
fn count(text: String) -> usize {
    text.split_whitespace().count()
}

/// Count letters.
#[tool(colour = "red")]
fn letters(text: String) -> usize {
    text.len()
}

fn main() {
    let _ = Server::builder().tool(count).tool(letters).build();
}
