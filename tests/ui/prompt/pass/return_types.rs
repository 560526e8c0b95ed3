use mcp_runtime::prelude::*;

/// One user message.
#[prompt]
fn text(topic: String) -> String {
    format!("Tell me about {topic}")
}

/// Several messages.
#[prompt]
fn conversation(topic: String) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(format!("Tell me about {topic}")),
        PromptMessage::assistant("Sure."),
    ]
}

/// One message.
#[prompt]
fn message() -> PromptMessage {
    PromptMessage::user("Hi")
}

/// A result whose error becomes a JSON-RPC error.
#[prompt]
async fn fallible(id: u32) -> Result<String, NotFound> {
    Err(NotFound::new(format!("no item {id}")))
}

/// A result whose error displays.
#[prompt]
fn fallible_messages(n: u8) -> Result<Vec<PromptMessage>, String> {
    if n == 0 { Err("n must be positive".into()) } else { Ok(vec![PromptMessage::user("ok")]) }
}

fn main() {
    Server::builder()
        .prompt(text)
        .prompt(conversation)
        .prompt(message)
        .prompt(fallible)
        .prompt(fallible_messages)
        .build()
        .unwrap();
}
