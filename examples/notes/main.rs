//! The flagship example: a small knowledge base of notes, served over MCP.
//!
//! ```text
//! cargo run                                      # stdio
//! cargo run -- --transport streamable-http       # HTTP on 127.0.0.1:8000/mcp
//! ```

mod notes;

use mcp_runtime::prelude::*;

#[tokio::main]
async fn main() -> mcp_runtime::Result<()> {
    Server::builder()
        .registered()
        .state(notes::Notes::with_welcome_note())
        .instructions("A notes server: add, search and delete notes; read them as resources.")
        .run(Transport::from_args())
        .await
}
