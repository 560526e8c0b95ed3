use mcp_runtime::prelude::*;

/// How long the summary should be.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Length {
    Brief,
    Detailed,
}

/// Summarize a text: `length` needs no `FromStr`, it is read with serde.
#[prompt]
fn summarize(text: String, length: Length, tone: Option<Length>) -> String {
    let words = match length {
        Length::Brief => 50,
        Length::Detailed => 500,
    };
    let _ = tone;
    format!("Summarize in {words} words:\n\n{text}")
}

/// A section by kind.
#[resource("docs://{kind}")]
fn section(kind: Length) -> String {
    match kind {
        Length::Brief => "brief".into(),
        Length::Detailed => "detailed".into(),
    }
}

fn main() {
    let _ = Server::builder().prompt(summarize).resource(section).build();
}
