use mcp_runtime::prelude::*;

/// Scopes written as one string with a space, and not as a list.
#[tool(scopes = ["notes:read notes:write", ""])]
fn spaced() -> String {
    String::new()
}

/// Not a list at all.
#[tool(scopes = "notes:write")]
fn bare() -> String {
    String::new()
}

fn main() {
    let _ = Server::builder().tool(spaced).tool(bare).build();
}
