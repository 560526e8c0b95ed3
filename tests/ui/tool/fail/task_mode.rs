use mcp_runtime::prelude::*;

/// Sometimes a task.
#[tool(task = "sometimes")]
async fn maybe() -> String {
    String::new()
}

/// A flag written as a boolean.
#[tool(task = true)]
async fn flagged() -> String {
    String::new()
}

fn main() {
    let _ = Server::builder().tool(maybe).tool(flagged).build();
}
