use mcp_runtime::prelude::*;

struct Answer {
    value: i64,
}

/// Answer.
#[tool]
fn answer() -> Answer {
    Answer { value: 42 }
}

fn main() {
    let _ = answer().value;
    let _ = Server::builder().tool(answer).build();
}
