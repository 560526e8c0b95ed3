use mcp_runtime::prelude::*;

struct Point {
    x: i64,
    y: i64,
}

/// Plot a point.
#[tool]
fn plot(point: Point) -> String {
    format!("{} {}", point.x, point.y)
}

fn main() {
    let _ = Server::builder().tool(plot).build();
}
