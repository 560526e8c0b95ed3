use mcp_runtime::prelude::*;

/// First word.
#[tool]
fn first_word<'a>(text: &'a str) -> &'a str {
    text.split(' ').next().unwrap_or("")
}

fn main() {
    let _ = first_word("a b");
}
