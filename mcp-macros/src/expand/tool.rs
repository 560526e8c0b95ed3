//! `#[tool]`: a function the model can call.

use super::{Described, arg_idents, call_user_fn, describe, duplicate_guard, register};
use crate::ast::Handler;
use crate::valid::Tool;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn tool(h: &Handler, v: &Tool) -> TokenStream {
    let Tool {
        attr,
        name,
        headers,
    } = v;
    let Described {
        description,
        title,
        meta,
    } = describe(h, &attr.common);
    let fn_ident = &h.item.sig.ident;
    let args = arg_idents(h);
    let extract = h.params.iter().zip(&args).map(|(p, arg)| {
        let (ty, pname) = (&p.ty, &p.name);
        quote_spanned! {ty.span()=>
            let #arg: #ty = match (&&&__Probe::<#ty>::new()).tool_param(&__mcp_ctx, &mut __mcp_args, #pname) {
                ::mcp_runtime::__private::Ok(v) => v,
                ::mcp_runtime::__private::Err(e) => return ::mcp_runtime::__private::ToolOutcome::error(e),
            };
        }
    });
    let schema = h.params.iter().map(|p| {
        let (ty, pname) = (&p.ty, &p.name);
        let doc = match &p.doc {
            Some(d) => quote!(::mcp_runtime::__private::Some(#d)),
            None => quote!(::mcp_runtime::__private::None),
        };
        // An extractor named in `headers(...)` fails to compile at its type, here.
        let header = headers.iter().find(|(param, _)| param == pname).map(|(_, header)| {
            quote_spanned! {ty.span()=>
                (&&&__Probe::<#ty>::new()).tool_param_header();
                __mcp_input.header(#pname, #header);
            }
        });
        quote_spanned! {ty.span()=>
            if let ::mcp_runtime::__private::Some((schema, required)) = (&&&__Probe::<#ty>::new()).tool_param_schema(&mut __mcp_gen) {
                __mcp_input.property(#pname, schema, required, #doc);
            }
            #header
            __mcp_needs.extend((&&&__Probe::<#ty>::new()).tool_param_requirement());
        }
    });
    let ret = h.ret_tokens();
    let ret_span = h.ret_span();
    let convert = quote_spanned!(ret_span=> (&&&&__Probe::<#ret>::new()).tool_output());
    let output_schema =
        quote_spanned!(ret_span=> (&&&&__Probe::<#ret>::new()).tool_output_schema(&mut __mcp_gen));
    let call = call_user_fn(h, &args);
    let hint = |v: Option<bool>| match v {
        Some(b) => quote!(::mcp_runtime::__private::Some(#b)),
        None => quote!(::mcp_runtime::__private::None),
    };
    let (ro, de, id, ow) = (
        hint(attr.read_only),
        hint(attr.destructive),
        hint(attr.idempotent),
        hint(attr.open_world),
    );
    let input_schema = match &attr.input_schema {
        Some(expr) => quote_spanned! {expr.span()=>
            ::mcp_runtime::__private::glue::schema_object(#expr)
        },
        None => quote!(__mcp_input.finish()),
    };
    let task = match attr.task {
        None => quote!(),
        Some(crate::attr::TaskMode::Optional) => {
            quote!(.with_task_support(::mcp_runtime::__private::TaskSupport::Optional))
        }
        Some(crate::attr::TaskMode::Required) => {
            quote!(.with_task_support(::mcp_runtime::__private::TaskSupport::Required))
        }
    };
    let scopes = super::scopes_tokens(&attr.common);
    let tool_name = &name.value;
    let guard = duplicate_guard("tool", &name.value, name.span);
    let register = register("Tool", fn_ident, &quote::format_ident!("__mcp_def"));
    quote! {
        #guard
        const _: () = {
            use ::mcp_runtime::__private::glue::{
                Probe as __Probe, ToolParamExtractor as _, ToolParamOptional as _, ToolParamList as _,
                ToolParamArgument as _,
                ToolOutputContent as _, ToolOutputContentResult as _, ToolOutputStructuredResult as _,
                ToolOutputStructured as _,
            };

            // The call is a closure inside `__mcp_def` so that every probe of a type sits
            // in one function body: rustc then reports a type that fits nowhere once, not
            // once for its schema and again for its extraction.
            fn __mcp_def() -> ::mcp_runtime::__private::ToolDef {
                let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
                let mut __mcp_input = ::mcp_runtime::__private::InputSchema::default();
                let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
                #(#schema)*
                let annotations = ::mcp_runtime::__private::ToolAnnotations {
                    title: ::mcp_runtime::__private::None,
                    read_only_hint: #ro,
                    destructive_hint: #de,
                    idempotent_hint: #id,
                    open_world_hint: #ow,
                };
                let tool = ::mcp_runtime::__private::Tool {
                    name: ::mcp_runtime::__private::String::from(#tool_name),
                    title: #title,
                    description: #description,
                    input_schema: #input_schema,
                    output_schema: #output_schema,
                    annotations: if annotations.is_empty() { ::mcp_runtime::__private::None } else { ::mcp_runtime::__private::Some(annotations) },
                    meta: #meta,
                };
                ::mcp_runtime::__private::ToolDef::new(tool, |__mcp_ctx, mut __mcp_args| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        #(#extract)*
                        let __mcp_out = #call;
                        let __mcp_convert = #convert;
                        __mcp_convert(__mcp_out)
                    })
                })
                .with_requirements(__mcp_needs)#task #scopes
            }

            #register
        };
    }
}
