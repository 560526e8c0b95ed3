use mcp_runtime::prelude::*;

/// A fixed resource.
#[resource("notes://index", mime_type = "text/markdown")]
fn index() -> String {
    "# Notes".into()
}

/// A template: `{id}` binds `id`, parsed with `FromStr`.
#[resource("notes://{id}")]
async fn note(id: u32) -> Result<String, NotFound> {
    if id == 1 { Ok("first".into()) } else { Err(NotFound::new(format!("no note {id}"))) }
}

/// A reserved expansion: `{+path}` keeps slashes.
#[resource("file:///{+path}")]
fn file(path: String) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

/// A query variable may be absent: take it as `Option`.
#[resource("search://notes{?q,limit}")]
fn search(q: Option<String>, limit: Option<u32>) -> String {
    format!("{q:?} {limit:?}")
}

/// A blob.
#[resource("images://{name}", mime_type = "image/png")]
fn image(name: String) -> Vec<u8> {
    name.into_bytes()
}

/// Contents built by hand, with every option.
#[resource(
    "config://app",
    name = "app-config",
    title = "Application configuration",
    description = "The configuration, as JSON.",
    mime_type = "application/json",
    meta = serde_json::json!({ "example.com/priority": 1 }),
)]
fn config() -> ResourceContents {
    ResourceContents::text("config://app", "{}")
}

fn main() {
    Server::builder()
        .resource(index)
        .resource(note)
        .resource(file)
        .resource(search)
        .resource(image)
        .resource(config)
        .build()
        .unwrap();
}
