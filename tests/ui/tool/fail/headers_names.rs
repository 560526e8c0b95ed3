use mcp_runtime::prelude::*;

/// Every header name is checked: it names an argument, once, as an HTTP token that no
/// other argument's header has in another case.
#[tool(headers(
    regin = "Region",
    query = "",
    tenant = "Tenant Id",
    zone = "REGION",
    region = "region",
    limit = Limit,
))]
fn search(region: String, zone: String, tenant: String, query: String, limit: u32) -> String {
    format!("{region} {zone} {tenant} {query} {limit}")
}

/// An extractor is filled by the server: the client cannot mirror it.
#[tool(headers(ctx = "Ctx"))]
fn whoami(ctx: Context) -> String {
    ctx.request_id().to_string()
}

fn main() {}
