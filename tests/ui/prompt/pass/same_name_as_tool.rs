use mcp_runtime::prelude::*;

/// A tool and a prompt may share a name: they live in different lists.
#[tool(name = "summarize")]
fn summarize_tool(text: String) -> String {
    text
}

/// The prompt of the same name.
#[prompt(name = "summarize")]
fn summarize_prompt(text: String) -> String {
    format!("Summarize: {text}")
}

fn main() {
    Server::builder()
        .tool(summarize_tool)
        .prompt(summarize_prompt)
        .build()
        .unwrap();
}
