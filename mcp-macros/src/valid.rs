//! Semantic checks: what parses but cannot work.

use crate::ast::Handler;
use crate::ctxt::Ctxt;
use syn::spanned::Spanned;
use syn::{GenericParam, Type, TypeReference};

/// Checks shared by every kind of handler.
pub fn check_signature(cx: &Ctxt, h: &Handler, macro_name: &str) {
    let sig = &h.item.sig;
    if let Some(param) = sig.generics.params.first() {
        let what = match param {
            GenericParam::Lifetime(_) => "lifetime parameters",
            GenericParam::Type(_) => "type parameters",
            GenericParam::Const(_) => "const parameters",
        };
        cx.error(
            &sig.generics,
            format_args!(
                "a #[{macro_name}] function cannot have {what}: its schema is generated from concrete types; remove `{}` and use concrete types",
                quote::quote!(#param)
            ),
        );
    }
    if let Some(wc) = &sig.generics.where_clause {
        cx.error(
            wc,
            format_args!(
                "a #[{macro_name}] function cannot have a where clause: use concrete types"
            ),
        );
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        cx.error(
            token,
            format_args!(
                "a #[{macro_name}] function cannot be `unsafe`: clients call it with any input"
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error(variadic, "variadic functions cannot be handlers");
    }
    for param in &h.params {
        check_param_type(cx, &param.ty, &param.name);
    }
    if let Some(Type::ImplTrait(it)) = &h.ret {
        cx.error(
            it,
            format_args!(
                "a #[{macro_name}] function cannot return `impl Trait`: name a concrete type{}",
                if h.is_async() {
                    ""
                } else {
                    " (for a future, write an `async fn`)"
                }
            ),
        );
    }
}

/// Arguments are built from JSON for each call, so they must be owned, concrete types.
fn check_param_type(cx: &Ctxt, ty: &Type, name: &str) {
    match ty {
        Type::ImplTrait(it) => cx.error(
            it,
            format_args!("`{name}` cannot be `impl Trait`: arguments are built from JSON, so they need a concrete type"),
        ),
        Type::Reference(TypeReference { elem, .. }) => {
            let owned = match &**elem {
                Type::Path(p) if p.path.is_ident("str") => "String".to_owned(),
                Type::Slice(s) => {
                    let inner = &s.elem;
                    format!("Vec<{}>", quote::quote!(#inner))
                }
                other => quote::quote!(#other).to_string(),
            };
            cx.error_at(
                ty.span(),
                format_args!(
                    "`{name}` cannot be a reference: arguments are built from JSON for each call and must own their data; use `{owned}`"
                ),
            );
        }
        Type::Paren(p) => check_param_type(cx, &p.elem, name),
        _ => {}
    }
}

/// A tool name: 1 to 128 characters of `[A-Za-z0-9_.-]` (MCP 2025-11-25).
pub fn tool_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 128 {
        return Some(format!(
            "a tool name must be 1 to 128 characters long, not {}",
            name.len()
        ));
    }
    let bad: String = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "invalid tool name `{name}`: {bad:?} not allowed; a tool name uses only letters, digits, `_`, `.` and `-`"
        )
    })
}
