use mcp_runtime::prelude::*;

/// What to look at.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Scope {
    strict: bool,
}

/// Review files: a list and a struct arrive as JSON text, which the argument's
/// description says.
#[prompt]
fn review(files: Vec<String>, scope: Option<Scope>) -> String {
    let strict = scope.is_some_and(|s| s.strict);
    format!("{} {strict}", files.join(", "))
}

fn main() {
    let _ = Server::builder().prompt(review).build();
}
