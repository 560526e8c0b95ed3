use mcp_runtime::prelude::*;

/// Search the web.
#[tool(name = "search")]
fn search_web(query: String) -> String {
    query
}

/// Search the notes.
#[tool(name = "search")]
fn search_notes(query: String) -> String {
    query
}

fn main() {
    let _ = Server::builder().tool(search_web).tool(search_notes).build();
}
