//! Compile-time behaviour of `#[tool]`, `#[resource]` and `#[prompt]`: what compiles,
//! and the exact message each mistake gets (`tests/ui/<macro>/{pass,fail}/*.rs`).
//!
//! Regenerate the expected `.stderr` files with `TRYBUILD=overwrite cargo test --test ui`
//! and read every one: a message should point at the culprit and say how to fix it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
