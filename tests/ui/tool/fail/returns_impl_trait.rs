use mcp_runtime::prelude::*;

/// Greet.
#[tool]
fn greet(name: String) -> impl std::fmt::Display {
    format!("Hello, {name}!")
}

fn main() {
    let _ = greet("a".into()).to_string();
}
