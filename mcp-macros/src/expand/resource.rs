//! `#[resource("scheme://{var}")]`: data the client can read by URI.

use super::{Described, arg_idents, call_user_fn, describe, opt_str, register, run};
use crate::ast::Handler;
use crate::attr::{ResourceAttr, WithSpan};
use crate::ctxt::Ctxt;
use crate::template;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn resource(args: TokenStream, input: TokenStream) -> TokenStream {
    run(args, input, "resource", ResourceAttr::parse, generate)
}

fn generate(cx: &Ctxt, h: &Handler, attr: &ResourceAttr) -> TokenStream {
    // A missing URI template was reported with the options.
    let Some(uri) = &attr.uri else {
        return TokenStream::new();
    };
    let vars = match template::variables(&uri.value) {
        Ok(vars) => vars,
        Err(problem) => {
            cx.error_at(uri.span, problem);
            return TokenStream::new();
        }
    };
    check_bindings(cx, h, &vars, uri.span);
    let fn_ident = &h.item.sig.ident;
    let completable: Vec<(String, &syn::Type)> = h
        .params
        .iter()
        .filter(|p| vars.contains(&p.name))
        .map(|p| (p.name.clone(), &p.ty))
        .collect();
    let (complete_fns, complete_entries) =
        super::completers(cx, &attr.common, &completable, "URI variable");
    let args = arg_idents(h);
    let bind = h.params.iter().zip(&args).enumerate().map(|(i, (p, arg))| {
        let (ty, pname) = (&p.ty, &p.name);
        if vars.contains(pname) {
            quote_spanned! {ty.span()=>
                let #arg: #ty = (&&&__Probe::<#ty>::new()).uri_var(&__mcp_req.vars, #pname)?;
            }
        } else {
            let extract = format_ident!("__mcp_extract_{}", i);
            quote_spanned! {ty.span()=>
                let #arg: #ty = #extract::<#ty>(&__mcp_ctx)?;
            }
        }
    });
    let extractors = h
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| !vars.contains(&p.name));
    let checks: Vec<TokenStream> = extractors
        .clone()
        .map(|(i, p)| extractor_check(i, &p.name, uri, &vars))
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
        name,
        description,
        title,
        meta,
        ..
    } = describe(h, &attr.common);
    let mime = opt_str(attr.mime_type.as_deref());
    let mime_lit = match &attr.mime_type {
        Some(m) => quote!(::mcp_runtime::__private::Some(#m)),
        None => quote!(::mcp_runtime::__private::None),
    };
    let uri_value = &uri.value;
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
            fn __mcp_def() -> ::mcp_runtime::__private::Result<::mcp_runtime::__private::ResourceDef, ::mcp_runtime::TemplateError> {
                let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
                #(#needs)*
                #complete_entries
                let info = ::mcp_runtime::__private::ResourceInfo {
                    name: ::mcp_runtime::__private::String::from(#name),
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
                .map(|d| d.with_requirements(__mcp_needs).with_completers(__mcp_completers))
            }

            #register
        };
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
        trait #check: ::mcp_runtime::FromContext {}
        impl<T: ::mcp_runtime::FromContext> #check for T {}

        fn #extract<T: #check>(
            ctx: &::mcp_runtime::__private::Context,
        ) -> ::mcp_runtime::__private::Result<T, ::mcp_runtime::__private::ErrorObject> {
            ::mcp_runtime::__private::glue::resource_extractor::<T>(ctx)
        }

        fn #requirement<T: #check>() -> ::mcp_runtime::__private::Option<::mcp_runtime::Requirement> {
            ::mcp_runtime::__private::glue::extractor_requirement::<T>()
        }
    }
}

/// Every template variable needs a parameter of the same name, and the parameters that
/// are not variables must be extractors (checked by type in the generated code).
/// `State<..>` or `Context` (by the path's last segment): the runtime's own extractors.
fn is_known_extractor(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "State" || s.ident == "Context"),
        syn::Type::Reference(r) => is_known_extractor(&r.elem),
        _ => false,
    }
}

fn check_bindings(cx: &Ctxt, h: &Handler, vars: &[String], span: Span) {
    // Candidates for a rename: parameters bound to nothing, leaving out the ones that are
    // plainly extractors (`State<T>`, `Context`, filled by the runtime, never by the URI).
    let others: Vec<String> = h
        .params
        .iter()
        .filter(|p| !vars.contains(&p.name) && !is_known_extractor(&p.ty))
        .map(|p| format!("`{}`", p.name))
        .collect();
    for var in vars
        .iter()
        .filter(|v| !h.params.iter().any(|p| &p.name == *v))
    {
        let hint = match others.as_slice() {
            [] => format!(
                "add a parameter `{var}: String` (or of any type that implements `FromStr`)"
            ),
            [one] => format!("add a parameter `{var}`, or rename {one} to `{var}`"),
            many => format!(
                "add a parameter `{var}`, or rename one of {} to `{var}`",
                many.join(", ")
            ),
        };
        cx.error_at(
            span,
            format_args!("URI template variable `{{{var}}}` has no parameter: {hint}"),
        );
    }
}
