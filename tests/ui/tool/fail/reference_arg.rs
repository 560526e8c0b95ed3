use mcp_runtime::prelude::*;

/// Shout.
#[tool]
fn shout(text: &str, words: &[String], lang: Option<&str>) -> String {
    format!("{} {} {lang:?}", text.to_uppercase(), words.len())
}

fn main() {
    let _ = shout("hi", &[], None);
}
