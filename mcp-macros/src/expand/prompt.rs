//! `#[prompt]`: a message template the user can pick.

use super::{Described, arg_idents, call_user_fn, describe, duplicate_guard, opt_str, register};
use crate::ast::Handler;
use crate::valid::Prompt;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn prompt(h: &Handler, v: &Prompt) -> TokenStream {
    let Prompt {
        attr,
        name,
        completers,
    } = v;
    let fn_ident = &h.item.sig.ident;
    let scopes = super::scopes_tokens(&attr.common);
    let (complete_fns, complete_entries) = super::completers(completers);
    let args = arg_idents(h);
    let extract = h.params.iter().zip(&args).map(|(p, arg)| {
        let (ty, pname) = (&p.ty, &p.name);
        quote_spanned! {ty.span()=>
            let #arg: #ty = (&&&&__Probe::<#ty>::new()).prompt_param(&__mcp_ctx, &__mcp_args, #pname)?;
        }
    });
    let arguments = h.params.iter().map(|p| {
        let (ty, pname) = (&p.ty, &p.name);
        let doc = opt_str(p.doc.as_deref());
        quote_spanned! {ty.span()=>
            if let ::mcp_runtime::__private::Some((required, hint)) = (&&&&__Probe::<#ty>::new()).prompt_param_shape(&mut __mcp_gen) {
                __mcp_arguments.push(::mcp_runtime::__private::PromptArgument {
                    name: ::mcp_runtime::__private::String::from(#pname),
                    title: ::mcp_runtime::__private::None,
                    description: ::mcp_runtime::__private::glue::prompt_arg_description(#doc, hint),
                    required: ::mcp_runtime::__private::Some(required),
                });
            }
            __mcp_needs.extend((&&&&__Probe::<#ty>::new()).prompt_param_requirement());
        }
    });
    let ret = h.ret_tokens();
    let ret_span = h.ret_span();
    let convert = quote_spanned!(ret_span=> (&&&&__Probe::<#ret>::new()).prompt_output());
    let call = call_user_fn(h, &args);
    let Described {
        description,
        title,
        meta,
    } = describe(h, &attr.common);
    let prompt_name = &name.value;
    let guard = duplicate_guard("prompt", prompt_name, name.span);
    let register = register("Prompt", fn_ident, &format_ident!("__mcp_def"));
    quote! {
        #guard
        const _: () = {
            use ::mcp_runtime::__private::glue::{
                Probe as __Probe, PromptParamExtractor as _, PromptParamOptionalSerde as _,
                PromptParamOptional as _, PromptParamRequiredSerde as _, PromptParamRequired as _, PromptOutputValue as _, PromptOutputRpcResult as _,
                PromptOutputDisplayResult as _, PromptOutputOther as _, CompleteNow as _,
                CompleteLater as _, CompleteOther as _, EnumValuesOptional as _,
                EnumValuesSchema as _, EnumValuesNone as _,
            };

            #complete_fns

            // The get is a closure inside `__mcp_def` so that every probe of a type sits
            // in one function body and a type that fits nowhere is reported once.
            fn __mcp_def() -> ::mcp_runtime::__private::PromptDef {
                let mut __mcp_arguments = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
                let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
                #(#arguments)*
                #complete_entries
                let prompt = ::mcp_runtime::__private::Prompt {
                    name: ::mcp_runtime::__private::String::from(#prompt_name),
                    title: #title,
                    description: #description,
                    arguments: ::mcp_runtime::__private::Some(__mcp_arguments),
                    meta: #meta,
                };
                ::mcp_runtime::__private::PromptDef::new(prompt, |__mcp_ctx, __mcp_args| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let _ = (&__mcp_ctx, &__mcp_args);
                        #(#extract)*
                        let __mcp_out = #call;
                        let __mcp_convert = #convert;
                        __mcp_convert(__mcp_out, "", ::mcp_runtime::__private::None)
                    })
                })
                .with_requirements(__mcp_needs)
                .with_completers(__mcp_completers)#scopes
            }

            #register
        };
    }
}
