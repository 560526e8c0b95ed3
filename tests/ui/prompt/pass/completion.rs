use mcp_runtime::prelude::*;

/// A language, completed from its variants with no code.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Language {
    Rust,
    Python,
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rust" => Ok(Language::Rust),
            "python" => Ok(Language::Python),
            other => Err(format!("unknown language {other}")),
        }
    }
}

fn complete_topic(prefix: &str) -> Vec<String> {
    ["ownership", "lifetimes"].iter().filter(|t| t.starts_with(prefix)).map(|t| t.to_string()).collect()
}

async fn complete_id(prefix: &str) -> Vec<&'static str> {
    let _ = prefix;
    vec!["1", "2"]
}

/// Explain a topic.
#[prompt(complete(topic = complete_topic))]
fn explain(topic: String, language: Language) -> String {
    let _ = language;
    topic
}

/// A note.
#[resource("notes://{id}", complete(id = complete_id))]
fn note(id: u32) -> String {
    id.to_string()
}

fn main() {
    Server::builder().prompt(explain).resource(note).build().unwrap();
}
