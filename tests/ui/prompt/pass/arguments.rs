use mcp_runtime::prelude::*;
use std::net::IpAddr;

struct Style {
    tone: &'static str,
}

/// Arguments arrive as strings and are parsed with `FromStr`; `Option` ones are optional.
#[prompt(name = "review-code", title = "Review code", description = "Ask for a review.")]
fn review(
    /// The code to review.
    code: String,
    /// At most this many comments.
    max_comments: Option<u32>,
    /// Be strict.
    strict: bool,
    /// Where it runs.
    host: Option<IpAddr>,
    style: State<Style>,
    ctx: Context,
) -> String {
    let _ = ctx.request_id();
    format!("{} {code} {max_comments:?} {strict} {host:?}", style.tone)
}

fn main() {
    Server::builder()
        .prompt(review)
        .state(Style { tone: "terse" })
        .build()
        .unwrap();
}
