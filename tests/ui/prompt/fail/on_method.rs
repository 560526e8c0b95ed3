use mcp_runtime::prelude::*;

struct Reviewer;

impl Reviewer {
    /// Review code.
    #[prompt]
    fn review(self: &Self, code: String) -> String {
        code
    }
}

fn main() {
    let _ = Reviewer.review(String::new());
}
