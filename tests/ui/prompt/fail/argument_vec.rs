use mcp_runtime::prelude::*;

/// Review files.
#[prompt]
fn review(files: Vec<String>) -> String {
    files.join(", ")
}

fn main() {
    let _ = Server::builder().prompt(review).build();
}
