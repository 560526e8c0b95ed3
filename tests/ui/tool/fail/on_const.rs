use mcp_runtime::prelude::*;

#[tool]
const LIMIT: usize = 10;

fn main() {
    let _ = LIMIT;
}
