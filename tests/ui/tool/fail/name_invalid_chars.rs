use mcp_runtime::prelude::*;

/// Say hello.
#[tool(name = "say hello!")]
fn hello() -> String {
    "hello".into()
}

fn main() {
    let _ = Server::builder().tool(hello).build();
}
