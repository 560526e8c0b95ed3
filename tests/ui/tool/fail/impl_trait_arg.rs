use mcp_runtime::prelude::*;

/// Shout.
#[tool]
fn shout(text: impl Into<String>) -> String {
    text.into().to_uppercase()
}

fn main() {
    let _ = shout("hi");
}
