//! `#[prompt]`: its completers must name its arguments.

use super::{Completers, completers, registered_name};
use crate::ast::Handler;
use crate::attr::{PromptAttr, WithSpan};
use crate::ctxt::Ctxt;

/// A `#[prompt]` that expansion can generate.
pub struct Prompt {
    pub attr: PromptAttr,
    pub name: WithSpan<String>,
    pub completers: Completers,
}

pub fn validate(cx: &Ctxt, h: &Handler, attr: PromptAttr) -> Option<Prompt> {
    let arguments: Vec<(String, &syn::Type)> =
        h.params.iter().map(|p| (p.name.clone(), &p.ty)).collect();
    let completers = completers(cx, &attr.common, &arguments, "argument");
    Some(Prompt {
        name: registered_name(h, &attr.common),
        attr,
        completers,
    })
}
