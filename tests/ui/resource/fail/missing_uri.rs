use mcp_runtime::prelude::*;

/// A note.
#[resource]
fn note() -> String {
    String::new()
}

/// Another note.
#[resource(mime_type = "text/plain")]
fn other() -> String {
    String::new()
}

fn main() {
    let _ = Server::builder().resource(note).resource(other).build();
}
