//! `#[resource("scheme://{var}")]`: data the client can read by URI.

use super::{Described, arg_idents, call_user_fn, describe, opt_str, register};
use crate::ast::Handler;
use crate::attr::{CacheScope, ResourceAttr, WithSpan};
use crate::valid::{Binding, Resource};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn resource(h: &Handler, v: &Resource) -> TokenStream {
    let Resource {
        attr,
        uri,
        name,
        variables,
        bindings,
        completers,
    } = v;
    let fn_ident = &h.item.sig.ident;
    let (complete_fns, complete_entries) = super::completers(completers);
    let args = arg_idents(h);
    let params = h.params.iter().zip(bindings).enumerate();
    let bind = params.clone().zip(&args).map(|((i, (p, binding)), arg)| {
        let (ty, pname) = (&p.ty, &p.name);
        match binding {
            Binding::Variable => quote_spanned! {ty.span()=>
                let #arg: #ty = (&&&__Probe::<#ty>::new()).uri_var(&__mcp_req.vars, #pname)?;
            },
            Binding::Extractor => {
                let extract = format_ident!("__mcp_extract_{}", i);
                quote_spanned! {ty.span()=>
                    let #arg: #ty = #extract::<#ty>(&__mcp_ctx)?;
                }
            }
        }
    });
    let extractors = params
        .filter(|(_, (_, binding))| **binding == Binding::Extractor)
        .map(|(i, (p, _))| (i, p));
    let checks: Vec<TokenStream> = extractors
        .clone()
        .map(|(i, p)| extractor_check(i, &p.name, uri, variables))
        .collect();
    let needs = extractors.map(|(i, p)| {
        let (ty, requirement) = (&p.ty, format_ident!("__mcp_requirement_{}", i));
        quote_spanned!(ty.span()=> __mcp_needs.extend(#requirement::<#ty>());)
    });
    let ret = h.ret_tokens();
    let ret_span = h.ret_span();
    let convert = quote_spanned!(ret_span=> (&&&&__Probe::<#ret>::new()).resource_output());
    let call = call_user_fn(h, &args);
    let Described {
        description,
        title,
        meta,
    } = describe(h, &attr.common);
    let resource_name = &name.value;
    let mime = opt_str(attr.mime_type.as_deref());
    let mime_lit = match &attr.mime_type {
        Some(m) => quote!(::mcp_runtime::__private::Some(#m)),
        None => quote!(::mcp_runtime::__private::None),
    };
    let uri_value = &uri.value;
    let cache = cache_hint(attr);
    let scopes = super::scopes_tokens(&attr.common);
    let register = register("Resource", fn_ident, &format_ident!("__mcp_def"));
    quote! {
        const _: () = {
            use ::mcp_runtime::__private::glue::{
                Probe as __Probe, UriVarOptionalSerde as _, UriVarOptional as _, UriVarRequiredSerde as _,
                UriVarRequired as _, ResourceOutputValue as _,
                ResourceOutputRpcResult as _, ResourceOutputDisplayResult as _, ResourceOutputOther as _,
                CompleteNow as _, CompleteLater as _, CompleteOther as _, EnumValuesOptional as _,
                EnumValuesSchema as _, EnumValuesNone as _,
            };

            #complete_fns

            #(#checks)*

            // The read is a closure inside `__mcp_def` so that every probe of a type sits
            // in one function body and a type that fits nowhere is reported once.
            fn __mcp_def() -> ::mcp_runtime::__private::Result<::mcp_runtime::__private::ResourceDef, ::mcp_runtime::__private::TemplateError> {
                let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
                #(#needs)*
                #complete_entries
                let info = ::mcp_runtime::__private::ResourceInfo {
                    name: ::mcp_runtime::__private::String::from(#resource_name),
                    title: #title,
                    description: #description,
                    mime_type: #mime,
                    meta: #meta,
                };
                ::mcp_runtime::__private::ResourceDef::new(#uri_value, info, |__mcp_ctx, __mcp_req| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let _ = &__mcp_ctx;
                        #(#bind)*
                        let __mcp_out = #call;
                        let __mcp_convert = #convert;
                        __mcp_convert(__mcp_out, &__mcp_req.uri, #mime_lit)
                    })
                })
                .map(|d| d.with_requirements(__mcp_needs).with_completers(__mcp_completers)#cache #scopes)
            }

            #register
        };
    }
}

/// `.with_cache(...)` for `ttl_ms` (and `cache_scope`, private by default: a read may hold
/// what one user may see), or nothing: the server's default.
fn cache_hint(attr: &ResourceAttr) -> TokenStream {
    let Some(ttl) = &attr.ttl_ms else {
        return TokenStream::new();
    };
    let ttl_ms = ttl.value;
    let scope = match attr.cache_scope.as_ref().map(|s| s.value) {
        Some(CacheScope::Public) => quote!(Public),
        Some(CacheScope::Private) | None => quote!(Private),
    };
    quote! {
        .with_cache(::mcp_runtime::__private::CacheHint {
            ttl_ms: #ttl_ms,
            scope: ::mcp_runtime::__private::CacheScope::#scope,
        })
    }
}

/// A parameter that is not a template variable must be an extractor. The check is a trait
/// of its own, so that the error can name the parameter and the template, not only the
/// type; its items are spanned at the template, which the notes under the error then show.
fn extractor_check(
    index: usize,
    name: &str,
    uri: &WithSpan<String>,
    vars: &[String],
) -> TokenStream {
    let template = &uri.value;
    let check = format_ident!("__mcp_extractor_{}", name, span = uri.span);
    let extract = format_ident!("__mcp_extract_{}", index);
    let requirement = format_ident!("__mcp_requirement_{}", index);
    // `on_unimplemented` reads `{...}` as a format argument.
    let escape = |s: &str| s.replace('{', "{{").replace('}', "}}");
    let message =
        format!("parameter `{name}` is neither a variable of the URI template nor an extractor");
    let label = escape(&format!("no `{{{name}}}` in \"{template}\""))
        + ", and `{Self}` is not an extractor";
    let variables = if vars.is_empty() {
        escape(&format!("\"{template}\" has no variables"))
    } else {
        let list: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
        escape(&format!(
            "the variables of \"{template}\" are {}",
            list.join(", ")
        ))
    };
    let fix = escape(&format!(
        "to bind `{name}` from the URI, add `{{{name}}}` to the template; to inject it, take an extractor such as `Context` or `State<T>`"
    ));
    quote_spanned! {uri.span=>
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #variables, note = #fix)]
        #[allow(non_camel_case_types)]
        trait #check: ::mcp_runtime::__private::FromContext {}
        impl<T: ::mcp_runtime::__private::FromContext> #check for T {}

        fn #extract<T: #check>(
            ctx: &::mcp_runtime::__private::Context,
        ) -> ::mcp_runtime::__private::Result<T, ::mcp_runtime::__private::ErrorObject> {
            ::mcp_runtime::__private::glue::resource_extractor::<T>(ctx)
        }

        fn #requirement<T: #check>() -> ::mcp_runtime::__private::Option<::mcp_runtime::__private::Requirement> {
            ::mcp_runtime::__private::glue::extractor_requirement::<T>()
        }
    }
}
