use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
struct Weather {
    city: String,
    celsius: f64,
}

#[derive(Debug)]
struct Oops;

impl std::fmt::Display for Oops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("oops")
    }
}

/// Text.
#[tool]
fn text() -> String {
    "text".into()
}

/// Static text.
#[tool]
fn static_text() -> &'static str {
    "text"
}

/// Nothing: an empty success.
#[tool]
fn nothing() {}

/// One content block.
#[tool]
fn content() -> Content {
    Content::text("hi")
}

/// Several content blocks.
#[tool]
fn contents() -> Vec<Content> {
    vec![Content::text("a"), Content::text("b")]
}

/// A whole result.
#[tool]
fn whole() -> CallToolResult {
    CallToolResult::error("always fails")
}

/// Structured content.
#[tool]
fn weather(city: String) -> Weather {
    Weather { city, celsius: 21.5 }
}

/// A number.
#[tool]
fn number() -> i64 {
    42
}

/// A list.
#[tool]
fn list() -> Vec<Weather> {
    Vec::new()
}

/// Text or an error.
#[tool]
fn fallible_text(fail: bool) -> Result<String, Oops> {
    if fail { Err(Oops) } else { Ok("fine".into()) }
}

/// Structured content or an error.
#[tool]
async fn fallible_weather(city: String) -> Result<Weather, std::io::Error> {
    Ok(Weather { city, celsius: 3.0 })
}

/// Content or an error.
#[tool]
fn fallible_content() -> Result<Vec<Content>, String> {
    Err("no content".into())
}

fn main() {
    Server::builder()
        .tool(text)
        .tool(static_text)
        .tool(nothing)
        .tool(content)
        .tool(contents)
        .tool(whole)
        .tool(weather)
        .tool(number)
        .tool(list)
        .tool(fallible_text)
        .tool(fallible_weather)
        .tool(fallible_content)
        .build()
        .unwrap();
}
