use mcp_runtime::prelude::*;

/// A note.
#[resource("notes://{id}", mimetype = "text/markdown")]
fn note(id: u32) -> String {
    format!("note {id}")
}

fn main() {
    let _ = Server::builder().resource(note).build();
}
