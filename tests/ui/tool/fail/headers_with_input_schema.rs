use mcp_runtime::prelude::*;

/// `headers(...)` marks the generated schema, which `input_schema` replaces.
#[tool(
    input_schema = serde_json::json!({"type": "object", "properties": {"region": {"type": "string"}}}),
    headers(region = "Region"),
)]
fn locate(region: String) -> String {
    region
}

fn main() {}
