//! The smallest useful MCP server: one tool.
//!
//! ```text
//! cargo run --bin hello
//! ```

use mcp_runtime::prelude::*;

/// Greet someone by name.
#[tool(read_only)]
fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

#[tokio::main]
async fn main() -> mcp_runtime::Result<()> {
    mcp_runtime::run(Transport::from_args()).await
}
