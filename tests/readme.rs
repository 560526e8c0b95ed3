//! The README's sample outputs are the server's real output. (Its Rust blocks are
//! compiled as doctests of `mcp-runtime`.)

use mcp_runtime::prelude::*;
use serde_json::Value;

// The README's `add`, word for word.
/// Add two integers.
#[tool(read_only)]
fn add(
    /// The left operand.
    a: i64,
    /// The right operand.
    b: i64,
) -> i64 {
    a + b
}

/// The first fenced block of `lang` after the line that contains `marker`.
fn block_after(readme: &str, marker: &str, lang: &str) -> String {
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("the README no longer says {marker:?}"));
    let rest = &readme[start..];
    let fence = format!("```{lang}\n");
    let open = rest
        .find(&fence)
        .unwrap_or_else(|| panic!("no ```{lang} block after {marker:?}"))
        + fence.len();
    let close = rest[open..].find("```").expect("the block is closed") + open;
    rest[open..close].to_owned()
}

fn readme() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn the_tools_list_sample_is_what_the_server_sends() {
    let sample: Value =
        serde_json::from_str(&block_after(&readme(), "`tools/list` then shows", "json"))
            .expect("the sample is JSON");
    let server = Server::builder().tool(add).build().expect("builds");
    let client = Client::in_memory(&server).await.expect("connects");
    let tools = client.list_tools().await.expect("lists");
    let actual = serde_json::to_value(&tools[0]).expect("serializes");
    assert_eq!(
        actual,
        sample,
        "the README's tools/list sample differs from the output:\n{}",
        serde_json::to_string_pretty(&actual).unwrap_or_default()
    );
}

#[test]
fn the_cargo_toml_sample_names_what_the_examples_depend_on() {
    let sample = block_after(&readme(), "## A new crate", "toml");
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    for dep in ["mcp-runtime", "serde", "schemars", "tokio"] {
        assert!(
            sample.contains(&format!("{dep} = ")),
            "{dep} missing from the sample"
        );
        assert!(
            manifest.contains(&format!("\n{dep}")),
            "{dep} missing from Cargo.toml"
        );
    }
    assert!(sample.contains(r#"features = ["derive"]"#));
    assert!(sample.contains(r#"features = ["macros", "rt-multi-thread"]"#));
}
