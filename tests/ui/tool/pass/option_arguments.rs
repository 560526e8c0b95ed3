use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Filter {
    tag: String,
}

/// Search, with optional arguments of several kinds.
#[tool(read_only)]
fn search(
    query: String,
    limit: Option<u32>,
    tags: Option<Vec<String>>,
    filter: Option<Filter>,
    exact: Option<bool>,
) -> String {
    let _ = (limit, tags, filter.map(|f| f.tag), exact);
    query
}

fn main() {
    Server::builder().tool(search).build().unwrap();
}
