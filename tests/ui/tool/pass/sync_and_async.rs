use mcp_runtime::prelude::*;

/// Add two integers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Wait, then answer.
#[tool]
async fn slow_echo(text: String) -> String {
    tokio::task::yield_now().await;
    text
}

/// Public, with docs on each argument.
#[tool]
pub async fn greet(
    /// Who to greet.
    name: String,
    /// How many times.
    times: u8,
) -> String {
    format!("Hello, {name}! ").repeat(times.into())
}

fn main() {
    Server::builder().tool(add).tool(slow_echo).tool(greet).build().unwrap();
    // The functions stay callable as plain Rust.
    assert_eq!(add(1, 2), 3);
}
