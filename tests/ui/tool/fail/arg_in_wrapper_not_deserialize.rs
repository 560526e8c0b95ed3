use mcp_runtime::prelude::*;

struct Filter {
    tag: String,
}

struct Label {
    text: String,
}

/// Search, with an optional filter and a list of labels, neither of which derives
/// `Deserialize` or `JsonSchema`.
#[tool]
fn search(filter: Option<Filter>, labels: Vec<Label>) -> String {
    let tag = filter.map(|f| f.tag).unwrap_or_default();
    format!("{tag} {}", labels.len() + labels.first().map_or(0, |l| l.text.len()))
}

fn main() {
    let _ = Server::builder().tool(search).build();
}
