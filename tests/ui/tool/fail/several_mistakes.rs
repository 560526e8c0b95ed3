use mcp_runtime::prelude::*;

// Every mistake is reported in one build, and the function is still emitted, so
// `main` compiles without a cascade of "cannot find function" errors.

/// Look something up.
#[tool(readonly, name = "look up")]
fn lookup(query: &str, (a, b): (u8, u8)) -> String {
    format!("{query} {a} {b}")
}

fn main() {
    let _ = lookup("x", (1, 2));
}
