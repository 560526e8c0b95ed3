use mcp_runtime::prelude::*;

/// Echo anything.
#[tool]
fn echo<T: serde::de::DeserializeOwned + serde::Serialize>(value: T) -> T {
    value
}

fn main() {
    let _ = echo(1);
}
