//! The stages in order, the same for every kind: parse the item, then the attribute's
//! options (so errors come in reading order), validate, generate. Every stage but the last
//! reports into one `Ctxt`; on any error the function is emitted unchanged (minus
//! parameter docs) next to every message, so one mistake does not cascade into "cannot
//! find function", and nothing is generated.

use crate::ast::{self, Handler};
use crate::attr::{PromptAttr, ResourceAttr, ToolAttr};
use crate::ctxt::Ctxt;
use crate::{expand, valid};
use proc_macro2::TokenStream;
use quote::quote;

pub fn tool(args: TokenStream, input: TokenStream) -> TokenStream {
    run(
        args,
        input,
        "tool",
        ToolAttr::parse,
        valid::tool,
        expand::tool,
    )
}

pub fn resource(args: TokenStream, input: TokenStream) -> TokenStream {
    run(
        args,
        input,
        "resource",
        ResourceAttr::parse,
        valid::resource,
        expand::resource,
    )
}

pub fn prompt(args: TokenStream, input: TokenStream) -> TokenStream {
    run(
        args,
        input,
        "prompt",
        PromptAttr::parse,
        valid::prompt,
        expand::prompt,
    )
}

/// `validate` returns `None` only when it cannot build the validated form, and only after
/// reporting why.
fn run<A, V>(
    args: TokenStream,
    input: TokenStream,
    macro_name: &str,
    parse_attr: impl FnOnce(&Ctxt, TokenStream) -> A,
    validate: impl FnOnce(&Ctxt, &Handler, A) -> Option<V>,
    generate: impl FnOnce(&Handler, &V) -> TokenStream,
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
    valid::check_signature(&cx, &handler, macro_name);
    let valid = validate(&cx, &handler, attr);
    let item = &handler.item;
    match (cx.finish(), valid) {
        (Ok(()), Some(valid)) => {
            let generated = generate(&handler, &valid);
            quote!(#item #generated)
        }
        (Err(e), _) => {
            let e = e.to_compile_error();
            quote!(#item #e)
        }
        (Ok(()), None) => {
            let message = format!(
                "internal error in mcp-macros: #[{macro_name}] refused this function without saying why; please report it"
            );
            quote!(#item ::core::compile_error!(#message);)
        }
    }
}
