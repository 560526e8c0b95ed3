use mcp_runtime::define::ToolDef;
use mcp_runtime::prelude::*;

/// A region: an enum whose schema is a string, which only the runtime can tell.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Region {
    UsWest1,
    EuWest1,
}

/// Run a query; routing needs the region, the tenant and the flag without the body.
#[tool(headers(region = "Region", tenant = "Tenant-Id", dry_run = "dry-run", r#type = "Type"))]
fn execute_sql(
    region: Region,
    tenant: u64,
    dry_run: Option<bool>,
    r#type: String,
    query: String,
    ctx: Context,
) -> String {
    let _ = (region, tenant, dry_run, ctx);
    format!("{type} {query}")
}

fn main() {
    let def = ToolDef::of(execute_sql).unwrap();
    let properties = &def.tool().input_schema["properties"];
    assert_eq!(properties["region"]["x-mcp-header"], "Region");
    assert_eq!(properties["tenant"]["x-mcp-header"], "Tenant-Id");
    assert_eq!(properties["dry_run"]["x-mcp-header"], "dry-run");
    assert_eq!(properties["type"]["x-mcp-header"], "Type");
    assert!(properties["query"].get("x-mcp-header").is_none());
    Server::builder().tool(execute_sql).build().unwrap();
}
