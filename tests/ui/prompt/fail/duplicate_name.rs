use mcp_runtime::prelude::*;

/// Review code.
#[prompt(name = "review")]
fn review_code(code: String) -> String {
    code
}

/// Review prose.
#[prompt(name = "review")]
fn review_prose(text: String) -> String {
    text
}

fn main() {
    let _ = Server::builder().prompt(review_code).prompt(review_prose).build();
}
