//! Semantic checks: what parses but cannot work. Each kind's `validate` reports every
//! problem it finds and returns what expansion needs, resolved, so that expansion has
//! nothing left to check and cannot fail.

mod headers;
mod prompt;
mod resource;
mod tool;

pub use prompt::{Prompt, validate as prompt};
pub use resource::{Binding, Resource, validate as resource};
pub use tool::{Tool, validate as tool};

use crate::ast::Handler;
use crate::attr::{Common, WithSpan};
use crate::ctxt::Ctxt;
use syn::{GenericArgument, GenericParam, PathArguments, Type};

/// The name a handler is registered under, where it is written: the `name` option, else
/// the function's name.
fn registered_name(h: &Handler, common: &Common) -> WithSpan<String> {
    common.name.clone().unwrap_or_else(|| WithSpan {
        value: h.fn_name(),
        span: h.item.sig.ident.span(),
    })
}

/// `State<..>` or `Context` (by the path's last segment): the runtime's own extractors.
fn is_known_extractor(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "State" || s.ident == "Context"),
        Type::Reference(r) => is_known_extractor(&r.elem),
        _ => false,
    }
}

/// How the arguments of a prompt, or the variables of a resource template, complete.
pub struct Completers {
    /// `complete(arg = function)`, in the order written.
    pub functions: Vec<(String, syn::Path)>,
    /// The other completable arguments, with their types: completed from the variants
    /// when the type is an enum.
    pub by_type: Vec<(String, Type)>,
}

/// Checks that each `complete(arg = ...)` names one of `args`, the completable arguments
/// (name, type); `what` is what they are called in messages.
fn completers(cx: &Ctxt, common: &Common, args: &[(String, &Type)], what: &str) -> Completers {
    let names: Vec<&str> = args.iter().map(|(n, _)| n.as_str()).collect();
    let mut functions = Vec::new();
    for (arg, path) in &common.completers {
        let arg_name = arg.to_string();
        if names.contains(&arg_name.as_str()) {
            functions.push((arg_name, path.clone()));
            continue;
        }
        let hint = match crate::attr::closest(&arg_name, &names) {
            Some(best) => format!("did you mean `{best}`?"),
            None if names.is_empty() => "it has none".to_owned(),
            None => format!("its {what}s are: {}", names.join(", ")),
        };
        cx.error(
            arg,
            format_args!("`complete({arg_name} = ...)`: there is no {what} `{arg_name}`; {hint}"),
        );
    }
    let by_type = args
        .iter()
        .filter(|(name, _)| !common.completers.iter().any(|(a, _)| a == name))
        .map(|(name, ty)| (name.clone(), (*ty).clone()))
        .collect();
    Completers { functions, by_type }
}

/// Checks shared by every kind of handler.
pub fn check_signature(cx: &Ctxt, h: &Handler, macro_name: &str) {
    let sig = &h.item.sig;
    if let Some(param) = sig.generics.params.first() {
        let problem = match param {
            GenericParam::Lifetime(l) => format!(
                "cannot have lifetime parameters: its arguments are built anew for each call and must own their data; remove `{}` and use owned types such as `String`",
                l.lifetime
            ),
            GenericParam::Type(t) => format!(
                "cannot be generic: its schema is generated from concrete types; replace the type parameter `{}` with a concrete type",
                t.ident
            ),
            GenericParam::Const(c) => format!(
                "cannot have const parameters: remove `{}` and use a concrete value",
                c.ident
            ),
        };
        cx.error(
            &sig.generics,
            format_args!("a #[{macro_name}] function {problem}"),
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
                "a #[{macro_name}] function cannot be `unsafe`: clients call it with any input, so no caller can uphold its safety contract; make it a safe function and check the input before an `unsafe` block inside"
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
        Type::Paren(p) => check_param_type(cx, &p.elem, name),
        _ if borrows(ty) => {
            let what = if matches!(ty, Type::Reference(_)) { "be a reference" } else { "borrow" };
            cx.error(
                ty,
                format_args!(
                    "`{name}` cannot {what}: arguments are built from JSON for each call and must own their data; take `{}` instead",
                    type_to_string(&owned(ty))
                ),
            );
        }
        _ => {}
    }
}

/// The generic arguments of a path's last segment (`Option<&str>` → `&str`).
fn type_args(path: &syn::TypePath) -> impl Iterator<Item = &Type> {
    path.path
        .segments
        .last()
        .into_iter()
        .flat_map(|seg| match &seg.arguments {
            PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
}

/// Whether `ty` holds a reference anywhere: `&str`, `Option<&str>`, `(u8, &[u8])`.
fn borrows(ty: &Type) -> bool {
    match ty {
        Type::Reference(_) => true,
        Type::Path(p) => type_args(p).any(borrows),
        Type::Tuple(t) => t.elems.iter().any(borrows),
        Type::Array(a) => borrows(&a.elem),
        Type::Slice(s) => borrows(&s.elem),
        Type::Paren(p) => borrows(&p.elem),
        Type::Group(g) => borrows(&g.elem),
        _ => false,
    }
}

/// `ty` with every reference replaced by what owns the same data: `&str` → `String`,
/// `&[T]` → `Vec<T>`, `&T` → `T`.
fn owned(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.path.is_ident("str") => syn::parse_quote!(String),
            Type::Slice(s) => {
                let elem = owned(&s.elem);
                syn::parse_quote!(Vec<#elem>)
            }
            elem => owned(elem),
        },
        Type::Path(p) => {
            let mut p = p.clone();
            if let Some(PathArguments::AngleBracketed(args)) =
                p.path.segments.last_mut().map(|seg| &mut seg.arguments)
            {
                for arg in args.args.iter_mut() {
                    if let GenericArgument::Type(t) = arg {
                        *t = owned(t);
                    }
                }
            }
            Type::Path(p)
        }
        Type::Tuple(t) => {
            let mut t = t.clone();
            t.elems.iter_mut().for_each(|e| *e = owned(e));
            Type::Tuple(t)
        }
        Type::Array(a) => {
            let mut a = a.clone();
            *a.elem = owned(&a.elem);
            Type::Array(a)
        }
        Type::Paren(p) => owned(&p.elem),
        Type::Group(g) => owned(&g.elem),
        other => other.clone(),
    }
}

/// A type as a user would write it (`Vec<String>`, not `Vec < String >`).
fn type_to_string(ty: &Type) -> String {
    let mut out = quote::quote!(#ty).to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_types() {
        let cases: [(Type, &str); 5] = [
            (syn::parse_quote!(&'a str), "String"),
            (syn::parse_quote!(&[u8]), "Vec<u8>"),
            (syn::parse_quote!(Option<&str>), "Option<String>"),
            (syn::parse_quote!(Vec<(&str, &Note)>), "Vec<(String, Note)>"),
            (syn::parse_quote!(&mut Context), "Context"),
        ];
        for (ty, expected) in cases {
            assert!(borrows(&ty));
            assert_eq!(type_to_string(&owned(&ty)), expected);
        }
        assert!(!borrows(&syn::parse_quote!(Vec<String>)));
    }

    #[test]
    fn types_read_as_written() {
        let ty: Type = syn::parse_quote!(std::collections::HashMap<String, Vec<u8>>);
        assert_eq!(
            type_to_string(&ty),
            "std::collections::HashMap<String, Vec<u8>>"
        );
    }
}
