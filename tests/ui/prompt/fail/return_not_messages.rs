use mcp_runtime::prelude::*;

/// Review code.
#[prompt]
fn review(code: String) -> Vec<String> {
    vec![code]
}

fn main() {
    let _ = Server::builder().prompt(review).build();
}
