//! Doc comments become descriptions (after clap_derive's `doc_comments.rs`).

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The text of the `///` lines among `attrs`, joined, or `None` when there are none.
/// Lines keep their relative indentation; the one space after `///` is dropped.
pub fn extract(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|chunk| chunk.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Removes doc attributes (rustc rejects them on function parameters once we are done).
pub fn strip(attrs: &mut Vec<Attribute>) {
    attrs.retain(|a| !a.path().is_ident("doc"));
}
