use mcp_runtime::prelude::*;

fn complete_topic(prefix: &str) -> usize {
    prefix.len()
}

/// Explain a topic.
#[prompt(complete(topic = complete_topic))]
fn explain(topic: String) -> String {
    topic
}

fn main() {}
