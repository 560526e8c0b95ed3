use mcp_runtime::prelude::*;

/// A note.
#[resource("notes://{id}")]
fn note(id: u32, format: String) -> String {
    format!("note {id} as {format}")
}

fn main() {
    let _ = Server::builder().resource(note).build();
}
