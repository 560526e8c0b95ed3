use mcp_runtime::define::{FromContext, Rejection};
use mcp_runtime::prelude::*;
use std::collections::HashMap;

/// A header carries a string, an integer or a boolean.
#[tool(headers(weight = "Weight", tags = "Tags", labels = "Labels", ratio = "Ratio"))]
fn ship(
    weight: f64,
    tags: Vec<String>,
    labels: HashMap<String, String>,
    ratio: Option<f32>,
) -> String {
    format!("{weight} {tags:?} {labels:?} {ratio:?}")
}

/// An extractor of one's own.
struct Caller(String);

impl FromContext for Caller {
    fn from_context(_: &Context) -> Result<Self, Rejection> {
        Ok(Caller("me".into()))
    }
}

/// The macro cannot tell `Caller` is an extractor; the compiler can.
#[tool(headers(caller = "Caller"))]
fn greet(caller: Caller) -> String {
    caller.0
}

fn main() {}
