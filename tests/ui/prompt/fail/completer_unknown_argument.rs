use mcp_runtime::prelude::*;

fn complete_topic(prefix: &str) -> Vec<String> {
    vec![prefix.to_owned()]
}

/// Explain a topic.
#[prompt(complete(topc = complete_topic))]
fn explain(topic: String) -> String {
    topic
}

fn main() {}
