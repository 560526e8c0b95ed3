use mcp_runtime::prelude::*;

#[resource("a://x", ttl_ms = 1000, cache_scope = "shared")]
fn a() -> String {
    String::new()
}

#[resource("b://x", ttl_ms = -1)]
fn b() -> String {
    String::new()
}

#[resource("c://x", ttl_ms = "60s", cache_scope = "private")]
fn c() -> String {
    String::new()
}

#[resource("d://x", cache_scope = "public")]
fn d() -> String {
    String::new()
}

#[resource("e://x", ttl_ms = 1000, ttl_ms = 2000, cache_scope)]
fn e() -> String {
    String::new()
}

fn main() {}
