use mcp_runtime::prelude::*;

#[derive(serde::Deserialize)]
struct Options {
    strict: bool,
}

/// Review code.
#[prompt]
fn review(code: String, options: Options) -> String {
    format!("{code} {}", options.strict)
}

fn main() {
    let _ = Server::builder().prompt(review).build();
}
