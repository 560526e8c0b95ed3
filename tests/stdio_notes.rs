//! The flagship `notes` server as a child process, through `Client::stdio`: the whole
//! flow a host goes through, with every message the server sends checked against the
//! official schema when `MCP_SPEC_DIR` is set (see `common`).

mod common;

use common::{Mcp, assert_conforms, rpc_error};
use mcp_runtime::protocol::{Content, ErrorCode, PromptMessage};
use serde_json::{Value, json};
use tokio::process::Command;

fn notes() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_notes"));
    command.env("RUST_LOG", "error");
    command
}

fn output_schema(tools: &[mcp_runtime::protocol::Tool], name: &str) -> Value {
    let tool = tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool `{name}`"));
    Value::Object(
        tool.output_schema
            .clone()
            .unwrap_or_else(|| panic!("`{name}` has no outputSchema")),
    )
}

#[tokio::test]
async fn the_notes_server_introduces_itself_and_lists_what_it_offers() {
    let mcp = Mcp::stdio(notes()).await;
    let init = mcp.client.server().expect("initialized").clone();
    assert_eq!(init.protocol_version, "2025-11-25");
    assert_eq!(init.server_info.name, "notes");
    assert!(
        init.instructions
            .as_deref()
            .is_some_and(|i| i.contains("notes")),
        "{:?}",
        init.instructions
    );
    let caps = &init.capabilities;
    assert!(
        caps.tools.is_some() && caps.resources.is_some() && caps.prompts.is_some(),
        "{caps:?}"
    );

    let tools = mcp.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["add_note", "count_words", "delete_note", "search_notes"]
    );
    let add_note = Value::Object(tools[0].input_schema.clone());
    assert_eq!(add_note["required"], json!(["title", "body"]));
    assert_eq!(add_note["properties"]["tags"]["type"], "array");
    assert_eq!(
        add_note["properties"]["title"]["description"],
        "Short title of the note."
    );
    let hints: Vec<(Option<bool>, Option<bool>)> = tools
        .iter()
        .map(|t| {
            let a = t.annotations.clone().unwrap_or_default();
            (a.read_only_hint, a.destructive_hint)
        })
        .collect();
    assert_eq!(
        hints,
        [
            (None, None),
            (Some(true), None),
            (None, Some(true)),
            (Some(true), None)
        ]
    );

    let resources = mcp.list_resources().await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].uri, "notes://index");
    assert_eq!(resources[0].mime_type.as_deref(), Some("text/markdown"));
    let templates = mcp.list_resource_templates().await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].uri_template, "notes://{id}");

    let prompts = mcp.list_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["review", "summarize_note"]);
}

#[tokio::test]
async fn notes_are_added_searched_read_and_deleted() {
    let mcp = Mcp::stdio(notes()).await;
    let tools = mcp.list_tools().await.unwrap();

    let added = mcp
        .call_tool(
            "add_note",
            json!({ "title": "Groceries", "body": "Buy milk and eggs.", "tags": ["home"] }),
        )
        .await
        .unwrap();
    assert!(!added.is_error(), "{}", added.text());
    let note =
        json!({ "id": 2, "title": "Groceries", "body": "Buy milk and eggs.", "tags": ["home"] });
    assert_eq!(added.structured_content, Some(note));
    assert_conforms(
        &output_schema(&tools, "add_note"),
        added.structured_content.as_ref().unwrap(),
    );

    // Tags are optional.
    let untagged = mcp
        .call_tool(
            "add_note",
            json!({ "title": "Ideas", "body": "Write more tests." }),
        )
        .await
        .unwrap();
    assert_eq!(untagged.structured_content.unwrap()["tags"], json!([]));

    let found = mcp
        .call_tool("search_notes", json!({ "query": "MILK" }))
        .await
        .unwrap();
    assert_eq!(
        found.structured_content,
        Some(json!({ "result": [{ "id": 2, "title": "Groceries" }] }))
    );
    assert_conforms(
        &output_schema(&tools, "search_notes"),
        found.structured_content.as_ref().unwrap(),
    );
    let limited = mcp
        .call_tool("search_notes", json!({ "query": "e", "limit": 1 }))
        .await
        .unwrap();
    assert_eq!(
        limited.structured_content.unwrap()["result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let nothing = mcp
        .call_tool("search_notes", json!({ "query": "zebra" }))
        .await
        .unwrap();
    assert_eq!(nothing.structured_content, Some(json!({ "result": [] })));

    let words = mcp
        .call_tool("count_words", json!({ "text": "one  two\nthree" }))
        .await
        .unwrap();
    assert_eq!(words.structured_content, Some(json!({ "result": 3 })));

    let index = mcp.read_resource("notes://index").await.unwrap();
    let text = index.contents[0].as_text().expect("the index is text");
    assert_eq!(index.contents[0].mime_type(), Some("text/markdown"));
    for line in [
        "- [1] Welcome (notes://1)",
        "- [2] Groceries (notes://2)",
        "- [3] Ideas (notes://3)",
    ] {
        assert!(
            text.contains(line),
            "{line:?} missing from the index:\n{text}"
        );
    }

    let groceries = mcp.read_resource("notes://2").await.unwrap();
    assert_eq!(groceries.contents[0].uri(), "notes://2");
    assert_eq!(
        groceries.contents[0].as_text(),
        Some("# Groceries\n\nBuy milk and eggs.\n\nTags: home\n")
    );

    let missing = rpc_error(mcp.read_resource("notes://999").await);
    assert_eq!(missing.code, ErrorCode::RESOURCE_NOT_FOUND);
    assert_eq!(missing.data, Some(json!({ "uri": "notes://999" })));

    let deleted = mcp
        .call_tool("delete_note", json!({ "id": 2 }))
        .await
        .unwrap();
    assert_eq!(deleted.content, vec![Content::text("Deleted note 2.")]);
    let again = mcp
        .call_tool("delete_note", json!({ "id": 2 }))
        .await
        .unwrap();
    assert!(again.is_error());
    assert_eq!(again.text(), "no note with id 2");
    let gone = rpc_error(mcp.read_resource("notes://2").await);
    assert_eq!(gone.code, ErrorCode::RESOURCE_NOT_FOUND);

    let bad = mcp
        .call_tool("add_note", json!({ "title": "No body" }))
        .await
        .unwrap();
    assert!(bad.is_error());
    assert!(bad.text().contains("`body`"), "{}", bad.text());
}

#[tokio::test]
async fn the_prompts_render() {
    let mcp = Mcp::stdio(notes()).await;

    let review = mcp
        .get_prompt("review", json!({ "code": "fn main() {}" }))
        .await
        .unwrap();
    assert_eq!(
        review.messages,
        vec![PromptMessage::user(
            "Please review this code:\n\nfn main() {}"
        )]
    );
    assert_eq!(
        review.description.as_deref(),
        Some("Ask for a review of some code.")
    );

    let focused = mcp
        .get_prompt(
            "review",
            json!({ "code": "fn main() {}", "focus": "security" }),
        )
        .await
        .unwrap();
    assert_eq!(
        focused.messages,
        vec![PromptMessage::user(
            "Please review this code, focusing on security:\n\nfn main() {}"
        )]
    );

    let summary = mcp
        .get_prompt("summarize_note", json!({ "id": "1" }))
        .await
        .unwrap();
    assert_eq!(summary.messages.len(), 1);
    let text = summary.messages[0].content.as_text().unwrap();
    assert!(text.contains("Title: Welcome"), "{text}");

    let missing = rpc_error(mcp.get_prompt("review", json!({})).await);
    assert_eq!(missing.code, ErrorCode::INVALID_PARAMS);
    assert!(missing.message.contains("`code`"), "{}", missing.message);

    let no_note = rpc_error(
        mcp.get_prompt("summarize_note", json!({ "id": "999" }))
            .await,
    );
    assert!(
        no_note.message.contains("no note with id 999"),
        "{}",
        no_note.message
    );
}

#[tokio::test]
async fn closing_the_client_lets_the_server_exit_cleanly() {
    let mcp = Mcp::stdio(notes()).await;
    mcp.ping().await.unwrap();
    let status = mcp.close().await.unwrap().expect("a child process");
    assert!(status.success(), "{status}");
}
