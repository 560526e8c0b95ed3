use mcp_runtime::prelude::*;

/// Add a pair.
#[tool]
fn add((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {
    let _ = add((1, 2));
}
