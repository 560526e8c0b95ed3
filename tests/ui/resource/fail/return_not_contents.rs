use mcp_runtime::prelude::*;

/// A note.
#[resource("notes://{id}")]
fn note(id: u32) -> u32 {
    id
}

fn main() {
    let _ = Server::builder().resource(note).build();
}
