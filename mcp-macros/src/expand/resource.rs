//! `#[resource("scheme://{var}")]`: data the client can read by URI.

use super::{arg_idents, call_user_fn, meta_tokens, opt_str, register, run};
use crate::ast::Handler;
use crate::attr::ResourceAttr;
use crate::ctxt::Ctxt;
use crate::template;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn resource(args: TokenStream, input: TokenStream) -> TokenStream {
    run(input, "resource", |cx, h| {
        let attr = ResourceAttr::parse(cx, args);
        generate(cx, h, &attr)
    })
}

fn generate(cx: &Ctxt, h: &Handler, attr: &ResourceAttr) -> TokenStream {
    let Some(uri) = &attr.uri else {
        cx.error_at(
            Span::call_site(),
            "#[resource] needs a URI template first: #[resource(\"notes://{id}\")] (or a fixed URI: #[resource(\"notes://index\")])",
        );
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
    let bind = h.params.iter().zip(&args).map(|(p, arg)| {
        let (ty, pname) = (&p.ty, &p.name);
        if vars.contains(pname) {
            quote_spanned! {ty.span()=>
                let #arg: #ty = (&&__Probe::<#ty>::new()).uri_var(&__mcp_req.vars, #pname)?;
            }
        } else {
            quote_spanned! {ty.span()=>
                let #arg: #ty = ::mcp_runtime::__private::glue::resource_extractor::<#ty>(&__mcp_ctx)?;
            }
        }
    });
    let needs = h.params.iter().filter(|p| !vars.contains(&p.name)).map(|p| {
        let ty = &p.ty;
        quote_spanned!(ty.span()=> __mcp_needs.extend(::mcp_runtime::__private::glue::extractor_requirement::<#ty>());)
    });
    let ret = h.ret_tokens();
    let ret_span = h.ret.as_ref().map_or(fn_ident.span(), |t| t.span());
    let convert = quote_spanned!(ret_span=> (&&&&__Probe::<#ret>::new()).resource_output());
    let call = call_user_fn(h, &args);
    let name = attr
        .common
        .name
        .as_ref()
        .map_or_else(|| h.fn_name(), |n| n.value.clone());
    let description = opt_str(attr.common.description.as_deref().or(h.doc.as_deref()));
    let title = opt_str(attr.common.title.as_deref());
    let mime = opt_str(attr.mime_type.as_deref());
    let mime_lit = match &attr.mime_type {
        Some(m) => quote!(::mcp_runtime::__private::Some(#m)),
        None => quote!(::mcp_runtime::__private::None),
    };
    let meta = meta_tokens(&attr.common);
    let uri_value = &uri.value;
    let register = register("Resource", fn_ident, &format_ident!("__mcp_def"));
    quote! {
        const _: () = {
            use ::mcp_runtime::__private::glue::{
                Probe as __Probe, UriVarOptional as _, UriVarRequired as _, ResourceOutputValue as _,
                ResourceOutputRpcResult as _, ResourceOutputDisplayResult as _, ResourceOutputOther as _,
                CompleteNow as _, CompleteLater as _, CompleteOther as _, EnumValuesOptional as _,
                EnumValuesSchema as _, EnumValuesNone as _,
            };

            #complete_fns

            fn __mcp_read(
                __mcp_ctx: ::mcp_runtime::__private::Context,
                __mcp_req: ::mcp_runtime::__private::ResourceRequest,
            ) -> ::mcp_runtime::__private::BoxFuture<
                ::mcp_runtime::__private::Result<
                    ::mcp_runtime::__private::Vec<::mcp_runtime::__private::ResourceContents>,
                    ::mcp_runtime::__private::ErrorObject,
                >,
            > {
                ::mcp_runtime::__private::Box::pin(async move {
                    let _ = &__mcp_ctx;
                    #(#bind)*
                    let __mcp_out = #call;
                    let __mcp_convert = #convert;
                    __mcp_convert(__mcp_out, &__mcp_req.uri, #mime_lit)
                })
            }

            fn __mcp_def() -> ::mcp_runtime::__private::Result<::mcp_runtime::__private::ResourceDef, ::mcp_runtime::__private::String> {
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
                ::mcp_runtime::__private::ResourceDef::new(#uri_value, info, __mcp_read)
                    .map(|d| d.with_requirements(__mcp_needs).with_completers(__mcp_completers))
            }

            #register
        };
    }
}

/// Every template variable needs a parameter of the same name, and the parameters that
/// are not variables must be extractors (checked by type in the generated code).
fn check_bindings(cx: &Ctxt, h: &Handler, vars: &[String], span: Span) {
    let others: Vec<String> = h
        .params
        .iter()
        .filter(|p| !vars.contains(&p.name))
        .map(|p| format!("`{}`", p.name))
        .collect();
    for var in vars
        .iter()
        .filter(|v| !h.params.iter().any(|p| &p.name == *v))
    {
        let hint = if others.is_empty() {
            format!("add a parameter `{var}: String` (or any type that implements `FromStr`)")
        } else {
            format!(
                "add a parameter `{var}`, or rename one of {} to `{var}`",
                others.join(", ")
            )
        };
        cx.error_at(
            span,
            format_args!("URI template variable `{{{var}}}` has no parameter: {hint}"),
        );
    }
}
