use mcp_runtime::define::ResourceDef;
use mcp_runtime::prelude::*;

/// Fresh for a minute, for anyone.
#[resource("weather://{city}", ttl_ms = 60_000, cache_scope = "public")]
fn forecast(city: String) -> String {
    format!("sunny in {city}")
}

/// Fresh for a second, for this user only (the default scope).
#[resource("me://profile", ttl_ms = 1000)]
fn profile() -> String {
    "me".into()
}

fn main() {
    assert!(ResourceDef::of(forecast).unwrap().is_ok());
    Server::builder()
        .resource(forecast)
        .resource(profile)
        .build()
        .unwrap();
}
