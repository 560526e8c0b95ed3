//! The options inside `#[tool(...)]`, `#[resource(...)]` and `#[prompt(...)]`.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Token};

/// One option as written: `"uri"`, `read_only`, `name = "x"`, or `complete(a = f, ...)`.
enum Opt {
    Positional(LitStr),
    Flag(Ident),
    Value(Ident, Expr),
    List(Ident, Vec<(Ident, syn::Path)>),
}

/// `arg = path::to::function` inside `complete(...)`.
struct CompleterSpec(Ident, syn::Path);

impl Parse for CompleterSpec {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let arg: Ident = input.parse()?;
        input
            .parse::<Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), "write `complete(argument = function)`"))?;
        Ok(CompleterSpec(arg, input.parse()?))
    }
}

impl Parse for Opt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Opt::Positional(input.parse()?));
        }
        let ident: Ident = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "expected an option such as `name = \"...\"`")
        })?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Ok(Opt::Value(ident, input.parse()?))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let specs = Punctuated::<CompleterSpec, Token![,]>::parse_terminated(&content)?;
            Ok(Opt::List(
                ident,
                specs
                    .into_iter()
                    .map(|CompleterSpec(a, p)| (a, p))
                    .collect(),
            ))
        } else {
            Ok(Opt::Flag(ident))
        }
    }
}

/// A string option with the span of its value.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Default)]
pub struct Common {
    pub name: Option<Spanned<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub meta: Option<Expr>,
    /// `complete(arg = function, ...)`: prompts and resource templates only.
    pub completers: Vec<(Ident, syn::Path)>,
}

#[derive(Default)]
pub struct ToolAttr {
    pub common: Common,
    /// A hand-written `inputSchema` that replaces the generated one.
    pub input_schema: Option<Expr>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

#[derive(Default)]
pub struct ResourceAttr {
    pub common: Common,
    pub uri: Option<Spanned<String>>,
    pub mime_type: Option<String>,
}

#[derive(Default)]
pub struct PromptAttr {
    pub common: Common,
}

const COMMON: &[&str] = &["name", "title", "description", "meta"];
const TOOL: &[&str] = &[
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "input_schema",
];
const RESOURCE: &[&str] = &["mime_type", "complete"];

fn completers(
    cx: &Ctxt,
    c: &mut Common,
    key: &Ident,
    specs: &[(Ident, syn::Path)],
    macro_name: &str,
) {
    if key != "complete" {
        let allowed = if macro_name == "prompt" {
            all_options(&["complete"])
        } else {
            all_options(RESOURCE)
        };
        unknown(cx, macro_name, key, &allowed);
        return;
    }
    for (arg, path) in specs {
        if c.completers.iter().any(|(a, _)| a == arg) {
            cx.error(arg, format_args!("`{arg}` has two completers"));
        } else {
            c.completers.push((arg.clone(), path.clone()));
        }
    }
}

fn parse_opts(cx: &Ctxt, args: TokenStream) -> Vec<Opt> {
    match Punctuated::<Opt, Token![,]>::parse_terminated.parse2(args) {
        Ok(opts) => opts.into_iter().collect(),
        Err(e) => {
            cx.push(e);
            Vec::new()
        }
    }
}

fn lit_str(cx: &Ctxt, key: &Ident, expr: &Expr) -> Option<Spanned<String>> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(Spanned {
            value: s.value(),
            span: s.span(),
        }),
        _ => {
            cx.error(
                expr,
                format_args!("`{key}` takes a string literal: `{key} = \"...\"`"),
            );
            None
        }
    }
}

fn flag_value(cx: &Ctxt, key: &Ident, expr: Option<&Expr>) -> Option<bool> {
    match expr {
        None => Some(true),
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        })) => Some(*value),
        Some(other) => {
            cx.error(
                other,
                format_args!("`{key}` takes `true` or `false`, or nothing: `{key}`"),
            );
            None
        }
    }
}

/// Sets an option once; a second time is an error.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, key: &Ident, value: Option<T>) {
    if slot.is_some() {
        cx.error(key, format_args!("`{key}` is given twice"));
    } else {
        *slot = value;
    }
}

fn unknown(cx: &Ctxt, macro_name: &str, key: &Ident, allowed: &[&str]) {
    let got = key.to_string();
    let mut msg = format!("unknown option `{got}` for #[{macro_name}]");
    match closest(&got, allowed) {
        Some(best) => msg.push_str(&format!(": did you mean `{best}`?")),
        None => msg.push_str(&format!("; the options are: {}", allowed.join(", "))),
    }
    cx.error(key, msg);
}

pub(crate) fn closest<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (levenshtein(got, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Handles the options every kind has; returns false when `key` is not one of them.
fn common(cx: &Ctxt, c: &mut Common, key: &Ident, value: Option<&Expr>) -> bool {
    let Some(value) = value else {
        if COMMON.contains(&key.to_string().as_str()) {
            cx.error(key, format_args!("`{key}` needs a value: `{key} = ...`"));
            return true;
        }
        return false;
    };
    match key.to_string().as_str() {
        "name" => set_once(cx, &mut c.name, key, lit_str(cx, key, value)),
        "title" => set_once(
            cx,
            &mut c.title,
            key,
            lit_str(cx, key, value).map(|s| s.value),
        ),
        "description" => set_once(
            cx,
            &mut c.description,
            key,
            lit_str(cx, key, value).map(|s| s.value),
        ),
        "meta" => set_once(cx, &mut c.meta, key, Some(value.clone())),
        _ => return false,
    }
    true
}

fn all_options(specific: &[&'static str]) -> Vec<&'static str> {
    COMMON.iter().chain(specific).copied().collect()
}

impl ToolAttr {
    pub fn parse(cx: &Ctxt, args: TokenStream) -> ToolAttr {
        let mut attr = ToolAttr::default();
        for opt in parse_opts(cx, args) {
            let (key, value) = match &opt {
                Opt::Positional(lit) => {
                    cx.error(lit, "#[tool] takes no positional argument; to rename the tool write `name = \"...\"`");
                    continue;
                }
                Opt::Flag(k) => (k, None),
                Opt::Value(k, v) => (k, Some(v)),
                Opt::List(k, _) => {
                    cx.error(k, format_args!("#[tool] has no option `{k}(...)`: completion is for prompt arguments and resource template variables"));
                    continue;
                }
            };
            if common(cx, &mut attr.common, key, value) {
                continue;
            }
            if key == "input_schema" {
                match value {
                    Some(v) => set_once(cx, &mut attr.input_schema, key, Some(v.clone())),
                    None => cx.error(
                        key,
                        "`input_schema` needs a value: `input_schema = serde_json::json!({...})`",
                    ),
                }
                continue;
            }
            let slot = match key.to_string().as_str() {
                "read_only" => &mut attr.read_only,
                "destructive" => &mut attr.destructive,
                "idempotent" => &mut attr.idempotent,
                "open_world" => &mut attr.open_world,
                _ => {
                    unknown(cx, "tool", key, &all_options(TOOL));
                    continue;
                }
            };
            let v = flag_value(cx, key, value);
            set_once(cx, slot, key, v);
        }
        attr
    }
}

impl ResourceAttr {
    pub fn parse(cx: &Ctxt, args: TokenStream) -> ResourceAttr {
        let mut attr = ResourceAttr::default();
        let mut first = true;
        for opt in parse_opts(cx, args) {
            let (key, value) = match &opt {
                Opt::Positional(lit) if first => {
                    attr.uri = Some(Spanned {
                        value: lit.value(),
                        span: lit.span(),
                    });
                    first = false;
                    continue;
                }
                Opt::Positional(lit) => {
                    cx.error(
                        lit,
                        "the URI template comes first, once: #[resource(\"scheme://{var}\", ...)]",
                    );
                    continue;
                }
                Opt::Flag(k) => (k, None),
                Opt::Value(k, v) => (k, Some(v)),
                Opt::List(k, specs) => {
                    first = false;
                    completers(cx, &mut attr.common, k, specs, "resource");
                    continue;
                }
            };
            first = false;
            if common(cx, &mut attr.common, key, value) {
                continue;
            }
            if key == "uri" {
                cx.error(key, "write the URI template first, as a plain string: #[resource(\"scheme://{var}\")]");
            } else if key == "complete" {
                cx.error(key, "write `complete(argument = function, ...)`");
            } else if key == "mime_type" {
                match value {
                    Some(v) => {
                        let mime = lit_str(cx, key, v).map(|s| s.value);
                        set_once(cx, &mut attr.mime_type, key, mime);
                    }
                    None => cx.error(
                        key,
                        "`mime_type` needs a value: `mime_type = \"text/plain\"`",
                    ),
                }
            } else {
                unknown(cx, "resource", key, &all_options(RESOURCE));
            }
        }
        attr
    }
}

impl PromptAttr {
    pub fn parse(cx: &Ctxt, args: TokenStream) -> PromptAttr {
        let mut attr = PromptAttr::default();
        for opt in parse_opts(cx, args) {
            match &opt {
                Opt::Positional(lit) => {
                    cx.error(lit, "#[prompt] takes no positional argument; to rename the prompt write `name = \"...\"`")
                }
                Opt::List(k, specs) => completers(cx, &mut attr.common, k, specs, "prompt"),
                Opt::Flag(k) | Opt::Value(k, _) => {
                    let value = if let Opt::Value(_, v) = &opt { Some(v) } else { None };
                    if !common(cx, &mut attr.common, k, value) {
                        unknown(cx, "prompt", k, &all_options(&["complete"]));
                    }
                }
            }
        }
        attr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_options() {
        assert_eq!(closest("readonly", &all_options(TOOL)), Some("read_only"));
        assert_eq!(
            closest("descripton", &all_options(TOOL)),
            Some("description")
        );
        assert_eq!(closest("mime", &all_options(RESOURCE)), None);
        assert_eq!(
            closest("mimetype", &all_options(RESOURCE)),
            Some("mime_type")
        );
    }
}
