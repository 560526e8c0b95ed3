/// Shout.
fn shout(text: &str) -> String {
    text.to_uppercase()
}
::core::compile_error! {
    "unknown option `readonly` for #[tool]: did you mean `read_only`?"
}
::core::compile_error! {
    "`text` cannot be a reference: arguments are built from JSON for each call and must own their data; take `String` instead"
}
