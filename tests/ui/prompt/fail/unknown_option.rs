use mcp_runtime::prelude::*;

/// Review code.
#[prompt(read_only, tittle = "Review")]
fn review(code: String) -> String {
    code
}

fn main() {
    let _ = Server::builder().prompt(review).build();
}
