use mcp_runtime::prelude::*;

/// This doc is replaced by `description`.
#[tool(
    name = "files.delete-v2",
    title = "Delete a file",
    description = "Deletes one file.",
    destructive,
    idempotent = true,
    read_only = false,
    open_world = false,
    meta = serde_json::json!({ "example.com/owner": "files" }),
)]
fn delete_file(path: String) -> String {
    path
}

/// Every hint, as flags.
#[tool(read_only, destructive, idempotent, open_world)]
fn flags() {}

fn main() {
    Server::builder().tool(delete_file).tool(flags).build().unwrap();
}
