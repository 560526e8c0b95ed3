//! Code generation. Generated code names everything through `::mcp_runtime::__private`
//! and lives in `const _: () = { ... };` so nothing leaks into the user's namespace.

mod prompt;
mod resource;
#[cfg(test)]
mod snapshots;
mod tool;

pub use prompt::prompt;
pub use resource::resource;
pub use tool::tool;

use crate::ast::{self, Handler};
use crate::attr::Common;
use crate::ctxt::Ctxt;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// The pipeline every kind shares: parse the item, then the attribute's options (so
/// errors come in reading order), check, generate. On any error the function is emitted
/// unchanged (minus parameter docs) next to every message, so one mistake does not cascade
/// into "cannot find function".
fn run<A>(
    args: TokenStream,
    input: TokenStream,
    macro_name: &str,
    parse_attr: impl FnOnce(&Ctxt, TokenStream) -> A,
    generate: impl FnOnce(&Ctxt, &Handler, &A) -> TokenStream,
) -> TokenStream {
    let item = match ast::parse_item(input.clone(), macro_name) {
        Ok(item) => item,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#input #e);
        }
    };
    let cx = Ctxt::default();
    let attr = parse_attr(&cx, args);
    let handler = Handler::from_syn(&cx, item, macro_name);
    crate::valid::check_signature(&cx, &handler, macro_name);
    let generated = generate(&cx, &handler, &attr);
    let item = &handler.item;
    match cx.finish() {
        Ok(()) => quote!(#item #generated),
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#item #e)
        }
    }
}

/// What every kind reads the same way from its common options and its function.
struct Described {
    /// The registered name: the `name` option, else the function's name.
    name: String,
    /// Where that name is written.
    name_span: Span,
    /// The `description` option, else the doc comment.
    description: TokenStream,
    title: TokenStream,
    meta: TokenStream,
}

fn describe(h: &Handler, common: &Common) -> Described {
    Described {
        name: common
            .name
            .as_ref()
            .map_or_else(|| h.fn_name(), |n| n.value.clone()),
        name_span: common
            .name
            .as_ref()
            .map_or(h.item.sig.ident.span(), |n| n.span),
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
/// complete without code. `args` are (name, type) of the completable arguments.
fn completers(
    cx: &Ctxt,
    common: &Common,
    args: &[(String, &syn::Type)],
    what: &str,
) -> (TokenStream, TokenStream) {
    let names: Vec<&str> = args.iter().map(|(n, _)| n.as_str()).collect();
    let mut functions = TokenStream::new();
    let mut entries = TokenStream::new();
    for (i, (arg, path)) in common.completers.iter().enumerate() {
        let arg_name = arg.to_string();
        if !names.contains(&arg_name.as_str()) {
            let hint = match crate::attr::closest(&arg_name, &names) {
                Some(best) => format!("did you mean `{best}`?"),
                None if names.is_empty() => "it has none".to_owned(),
                None => format!("its {what}s are: {}", names.join(", ")),
            };
            cx.error(
                arg,
                format_args!(
                    "`complete({arg_name} = ...)`: there is no {what} `{arg_name}`; {hint}"
                ),
            );
            continue;
        }
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
    for (name, ty) in args {
        if common.completers.iter().any(|(a, _)| a == name) {
            continue;
        }
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
