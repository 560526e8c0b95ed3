use mcp_runtime::prelude::*;

/// The URI template after an option: one message, not also "missing".
#[resource(mime_type = "text/plain", "notes://index")]
fn index() -> String {
    String::new()
}

/// The URI as a named option.
#[resource(uri = "notes://about")]
fn about() -> String {
    String::new()
}

/// Two URI templates.
#[resource("notes://a", "notes://b")]
fn two() -> String {
    String::new()
}

fn main() {
    let _ = Server::builder().resource(index).resource(about).resource(two).build();
}
