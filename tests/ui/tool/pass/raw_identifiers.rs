use mcp_runtime::prelude::*;

/// The tool is named `type`; its argument is named `match`.
#[tool]
fn r#type(r#match: String, r#loop: Option<u8>) -> String {
    let _ = r#loop;
    r#match
}

/// A prompt named `struct`.
#[prompt]
fn r#struct(r#enum: String) -> String {
    r#enum
}

/// A resource with a template variable bound to `r#ref`.
#[resource("git://{ref}")]
fn r#ref(r#ref: String) -> String {
    r#ref
}

fn main() {
    Server::builder()
        .tool(r#type)
        .prompt(r#struct)
        .resource(r#ref)
        .build()
        .unwrap();
}
