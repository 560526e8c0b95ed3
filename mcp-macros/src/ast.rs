//! The annotated function in a typed form that keeps the original syn nodes for spans.

use crate::ctxt::Ctxt;
use crate::doc;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// A function under `#[tool]`, `#[resource]` or `#[prompt]`.
pub struct Handler {
    /// The function as it will be emitted (parameter docs removed).
    pub item: ItemFn,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    /// The declared return type; `None` for `()`.
    pub ret: Option<Type>,
}

/// One parameter: `/// doc` `name: Type`.
pub struct Param {
    /// The name clients see (the identifier without `r#`).
    pub name: String,
    pub ty: Type,
    pub doc: Option<String>,
}

/// Parses the item under the attribute; anything but a function is an error that keeps
/// the item.
pub fn parse_item(input: TokenStream, macro_name: &str) -> Result<ItemFn, syn::Error> {
    match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(item)) => Ok(item),
        Ok(other) => Err(syn::Error::new(
            item_span(&other),
            format!(
                "#[{macro_name}] goes on a function, not on {}",
                describe(&other, macro_name)
            ),
        )),
        Err(_) => Err(syn::Error::new(
            Span::call_site(),
            format!("#[{macro_name}] goes on a free function: `fn name(args) -> Output {{ ... }}`"),
        )),
    }
}

fn item_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Struct(s) => s.ident.span(),
        syn::Item::Enum(e) => e.ident.span(),
        syn::Item::Const(c) => c.ident.span(),
        syn::Item::Static(s) => s.ident.span(),
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(m) => m.ident.span(),
        syn::Item::Trait(t) => t.ident.span(),
        other => other.span(),
    }
}

fn describe(item: &syn::Item, macro_name: &str) -> &'static str {
    match item {
        syn::Item::Struct(_) if macro_name == "tool" => {
            "a struct: to take a struct as input, derive `serde::Deserialize` and `schemars::JsonSchema` on it and make it a parameter of the function"
        }
        syn::Item::Struct(_) => "a struct",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Const(_) => "a const",
        syn::Item::Static(_) => "a static",
        syn::Item::Impl(_) => {
            "an impl block: handlers are free functions; move each method out of the `impl` as a free function with its own attribute, taking shared data as a `State<T>` parameter"
        }
        syn::Item::Mod(_) => "a module",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "a use declaration",
        _ => "this item",
    }
}

impl Handler {
    /// Reads the function's docs, parameters and return type, reporting what cannot be
    /// a handler. Parameter docs are removed from the emitted function either way.
    pub fn from_syn(cx: &Ctxt, mut item: ItemFn, macro_name: &str) -> Handler {
        let doc = doc::extract(&item.attrs);
        let mut params = Vec::new();
        for arg in item.sig.inputs.iter_mut() {
            match arg {
                FnArg::Receiver(recv) => cx.error(
                    &*recv,
                    format_args!(
                        "#[{macro_name}] goes on a free function, not a method: a client cannot pass `self`; move the function out of the `impl` block and take shared data as a `State<T>` parameter"
                    ),
                ),
                FnArg::Typed(pt) => {
                    let param_doc = doc::extract(&pt.attrs);
                    doc::strip(&mut pt.attrs);
                    match &*pt.pat {
                        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                            let name = pi.ident.to_string().trim_start_matches("r#").to_owned();
                            params.push(Param { name, ty: (*pt.ty).clone(), doc: param_doc });
                        }
                        other => cx.error(
                            other,
                            format_args!(
                                "a #[{macro_name}] parameter needs a plain name (`name: Type`), not a pattern: the name is what clients send; destructure it in the function body instead"
                            ),
                        ),
                    }
                }
            }
        }
        let ret = match &item.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some((**ty).clone()),
        };
        Handler {
            item,
            doc,
            params,
            ret,
        }
    }

    pub fn is_async(&self) -> bool {
        self.item.sig.asyncness.is_some()
    }

    pub fn fn_name(&self) -> String {
        self.item
            .sig
            .ident
            .to_string()
            .trim_start_matches("r#")
            .to_owned()
    }

    /// Where the return type is written (the function's name when there is none).
    pub fn ret_span(&self) -> proc_macro2::Span {
        use syn::spanned::Spanned as _;
        self.ret
            .as_ref()
            .map_or(self.item.sig.ident.span(), |t| t.span())
    }

    /// The return type, `()` when none is written.
    pub fn ret_tokens(&self) -> TokenStream {
        match &self.ret {
            Some(ty) => ty.to_token_stream(),
            None => quote::quote!(()),
        }
    }
}
