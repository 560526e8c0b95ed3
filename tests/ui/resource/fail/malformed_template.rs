use mcp_runtime::prelude::*;

/// A note.
#[resource("notes://{id")]
fn note(id: u32) -> String {
    format!("note {id}")
}

/// A file.
#[resource("files://{file-name}")]
fn file(name: String) -> String {
    name
}

/// A page.
#[resource("index.html")]
fn page() -> String {
    String::new()
}

fn main() {
    let _ = Server::builder().resource(note).resource(file).resource(page).build();
}
