//! Code generation from validated handlers: it checks nothing and cannot fail. Generated
//! code names everything through `::mcp_runtime::__private` and lives in
//! `const _: () = { ... };` so nothing leaks into the user's namespace.

mod prompt;
mod resource;
#[cfg(test)]
mod snapshots;
mod tool;

pub use prompt::prompt;
pub use resource::resource;
pub use tool::tool;

use crate::ast::Handler;
use crate::attr::Common;
use crate::valid::Completers;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// What every kind reads the same way from its common options and its function.
struct Described {
    /// The `description` option, else the doc comment.
    description: TokenStream,
    title: TokenStream,
    meta: TokenStream,
}

fn describe(h: &Handler, common: &Common) -> Described {
    Described {
        description: opt_str(common.description.as_deref().or(h.doc.as_deref())),
        title: opt_str(common.title.as_deref()),
        meta: meta_tokens(common),
    }
}

/// `Some(x)` / `None` for an optional string.
fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(s) => {
            quote!(::mcp_runtime::__private::Some(::mcp_runtime::__private::String::from(#s)))
        }
        None => quote!(::mcp_runtime::__private::None),
    }
}

/// `.with_scopes([...])` when the item declares scopes.
pub(crate) fn scopes_tokens(common: &Common) -> TokenStream {
    match &common.scopes {
        Some(scopes) if !scopes.is_empty() => quote::quote!(.with_scopes([#(#scopes),*])),
        _ => TokenStream::new(),
    }
}

fn meta_tokens(common: &Common) -> TokenStream {
    match &common.meta {
        Some(expr) => quote_spanned! {expr.span()=>
            ::mcp_runtime::__private::glue::meta_from(#expr)
        },
        None => quote!(::mcp_runtime::__private::None),
    }
}

/// Fails the build when two handlers in one module share a name. A proc macro cannot see
/// its neighbours, so the check is a const named after the name: rustc's "defined
/// multiple times" error then reads as the message and points at both names.
fn duplicate_guard(kind: &str, name: &str, span: Span) -> TokenStream {
    let sanitized: String = name
        .chars()
        .map(|c| match c {
            '.' => "_dot_".to_owned(),
            '-' => "_dash_".to_owned(),
            c if c.is_ascii_alphanumeric() || c == '_' => c.to_string(),
            _ => "_".to_owned(),
        })
        .collect();
    let ident = Ident::new(
        &format!("__two_{kind}s_in_this_module_are_named_{sanitized}"),
        span,
    );
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #ident: () = ();
    }
}

/// The registration every kind emits.
fn register(kind: &str, fn_ident: &Ident, def_fn: &Ident) -> TokenStream {
    let registration = format_ident!("{}Registration", kind);
    quote! {
        fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
            ::mcp_runtime::__private::key_of(&#fn_ident)
        }
        ::mcp_runtime::__private::inventory::submit! {
            ::mcp_runtime::__private::#registration {
                key: __mcp_key,
                package: ::mcp_runtime::__private::Package {
                    name: ::core::env!("CARGO_PKG_NAME"),
                    version: ::core::env!("CARGO_PKG_VERSION"),
                    description: ::core::env!("CARGO_PKG_DESCRIPTION"),
                },
                def: #def_fn,
            }
        }
    }
}

/// `name(arg0, arg1, ...)` followed by `.await` for an async function.
fn call_user_fn(h: &Handler, args: &[Ident]) -> TokenStream {
    let ident = &h.item.sig.ident;
    if h.is_async() {
        quote!(#ident(#(#args),*).await)
    } else {
        quote!(#ident(#(#args),*))
    }
}

fn arg_idents(h: &Handler) -> Vec<Ident> {
    (0..h.params.len())
        .map(|i| format_ident!("__mcp_arg_{}", i))
        .collect()
}
/// The completion functions and the table of completers of a prompt or resource:
/// explicit `complete(arg = function)` entries, and enum-typed arguments, whose variants
/// complete without code.
fn completers(completers: &Completers) -> (TokenStream, TokenStream) {
    let mut functions = TokenStream::new();
    let mut entries = TokenStream::new();
    for (i, (arg_name, path)) in completers.functions.iter().enumerate() {
        let function = format_ident!("__mcp_complete_{}", i);
        functions.extend(quote_spanned! {path.span()=>
            fn #function(
                __mcp_ctx: ::mcp_runtime::__private::Context,
                __mcp_value: ::mcp_runtime::__private::String,
            ) -> ::mcp_runtime::__private::BoxFuture<::mcp_runtime::__private::Completion> {
                ::mcp_runtime::__private::Box::pin(async move {
                    let _ = &__mcp_ctx;
                    let __mcp_out = #path(&__mcp_value);
                    let __mcp_future = (&&&::mcp_runtime::__private::glue::CompleteWrap::new(__mcp_out)).completion();
                    __mcp_future.await
                })
            }
        });
        entries.extend(quote! {
            __mcp_completers.push((
                ::mcp_runtime::__private::String::from(#arg_name),
                ::mcp_runtime::__private::Completer::Function(#function),
            ));
        });
    }
    for (name, ty) in &completers.by_type {
        entries.extend(quote_spanned! {ty.span()=>
            if let ::mcp_runtime::__private::Some(values) = (&&&__Probe::<#ty>::new()).enum_values(&mut __mcp_gen) {
                __mcp_completers.push((
                    ::mcp_runtime::__private::String::from(#name),
                    ::mcp_runtime::__private::Completer::Values(values),
                ));
            }
        });
    }
    (functions, entries)
}
