use mcp_runtime::prelude::*;

fn complete_name(prefix: &str) -> Vec<String> {
    vec![prefix.to_owned()]
}

/// A note.
#[resource("notes://{id}", complete(name = complete_name))]
fn note(id: u32) -> String {
    id.to_string()
}

fn main() {}
