//! Expansion snapshots: what `#[tool]`, `#[resource]` and `#[prompt]` generate, formatted
//! with prettyplease and compared with `mcp-macros/tests/snapshots/*.expanded.rs`.
//!
//! After an intended change to the generated code, rewrite them with
//! `UPDATE_SNAPSHOTS=1 cargo test -p mcp-macros` and review the diff.

use proc_macro2::TokenStream;
use quote::quote;
use std::path::PathBuf;

#[test]
fn tool() {
    let args = quote!(read_only, title = "Add");
    let item = quote! {
        /// Add two integers.
        pub async fn add(
            /// The left operand.
            a: i64,
            /// The right operand; 0 when absent.
            b: Option<i64>,
            ctx: Context,
        ) -> Result<i64, String> {
            let _ = ctx;
            Ok(a + b.unwrap_or(0))
        }
    };
    assert_snapshot("tool", crate::pipeline::tool(args, item));
}

#[test]
fn resource() {
    let args = quote!("notes://{id}", mime_type = "text/markdown");
    let item = quote! {
        /// A note, by id.
        fn note(id: u32, notes: State<Notes>) -> Result<String, NotFound> {
            notes.get(id)
        }
    };
    assert_snapshot("resource", crate::pipeline::resource(args, item));
}

#[test]
fn prompt() {
    let args = quote!(name = "review-code");
    let item = quote! {
        /// Ask for a review.
        fn review(
            /// The code to review.
            code: String,
            focus: Option<String>,
        ) -> String {
            format!("{code} {focus:?}")
        }
    };
    assert_snapshot("prompt", crate::pipeline::prompt(args, item));
}

/// `headers(...)` marks the arguments' properties with `x-mcp-header`, and checks at
/// compile time that none is an extractor.
#[test]
fn tool_with_headers() {
    let args = quote!(headers(region = "Region", dry_run = "Dry-Run"));
    let item = quote! {
        /// Run a query in a region.
        fn execute_sql(region: String, query: String, dry_run: Option<bool>) -> String {
            format!("{region} {query} {dry_run:?}")
        }
    };
    assert_snapshot("tool_with_headers", crate::pipeline::tool(args, item));
}

/// `task = "required"` sets the tool's task support.
#[test]
fn tool_with_task() {
    let args = quote!(task = "required");
    let item = quote! {
        /// Rebuild the index.
        async fn rebuild(ctx: Context) -> String {
            ctx.continue_as_task().await;
            String::new()
        }
    };
    assert_snapshot("tool_with_task", crate::pipeline::tool(args, item));
}

/// `ttl_ms` and `cache_scope` become the resource's caching hints.
#[test]
fn resource_with_cache() {
    let args = quote!("weather://{city}", ttl_ms = 60_000, cache_scope = "public");
    let item = quote! {
        fn forecast(city: String) -> String {
            city
        }
    };
    assert_snapshot("resource_with_cache", crate::pipeline::resource(args, item));
}

/// On errors the function is emitted unchanged, with its parameter docs removed, next to
/// one `compile_error!` per mistake and no generated code.
#[test]
fn tool_with_errors() {
    let args = quote!(readonly);
    let item = quote! {
        /// Shout.
        fn shout(
            /// The text.
            text: &str,
        ) -> String {
            text.to_uppercase()
        }
    };
    assert_snapshot("tool_with_errors", crate::pipeline::tool(args, item));
}

fn assert_snapshot(name: &str, tokens: TokenStream) {
    let file: syn::File = match syn::parse2(tokens.clone()) {
        Ok(file) => file,
        Err(e) => panic!("the expansion of {name} does not parse as a file: {e}\n{tokens}"),
    };
    let actual = prettyplease::unparse(&file);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        panic!(
            "the expansion of {name} differs from {} (rerun with UPDATE_SNAPSHOTS=1 to accept it):\n{}",
            path.display(),
            line_diff(&expected, &actual)
        );
    }
}

/// A unified-style line diff (`-expected`, `+actual`, changed lines only), from the
/// longest common subsequence of lines.
fn line_diff(expected: &str, actual: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    // lcs[i][j]: length of the LCS of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            (i, j) = (i + 1, j + 1);
        } else if j < new.len() && (i == old.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("{:>4} + {}\n", j + 1, new[j]));
            j += 1;
        } else {
            out.push_str(&format!("{:>4} - {}\n", i + 1, old[i]));
            i += 1;
        }
    }
    out
}

#[test]
fn line_diff_shows_only_changes() {
    assert_eq!(
        line_diff("a\nb\nc\n", "a\nx\nc\nd\n"),
        "   2 + x\n   2 - b\n   4 + d\n"
    );
}
