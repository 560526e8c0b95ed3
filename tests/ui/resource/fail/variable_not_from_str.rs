use mcp_runtime::prelude::*;

struct NoteId(u32);

/// A note.
#[resource("notes://{id}")]
fn note(id: NoteId) -> String {
    format!("note {}", id.0)
}

fn main() {
    let _ = Server::builder().resource(note).build();
}
