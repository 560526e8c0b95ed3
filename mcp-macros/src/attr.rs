//! The options inside `#[tool(...)]`, `#[resource(...)]` and `#[prompt(...)]`.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Token};

/// One option as written: `"uri"`, `read_only`, `name = "x"`, or a list keyed by
/// argument: `complete(a = f, ...)`, `headers(a = "A", ...)`.
enum Opt {
    Positional(LitStr),
    Flag(Ident),
    Value(Ident, Expr),
    List(Ident, Vec<(Ident, Expr)>),
}

/// `argument = value` inside `key(...)`.
fn list_entry(key: &Ident, input: ParseStream) -> syn::Result<(Ident, Expr)> {
    let arg: Ident = input.parse()?;
    input.parse::<Token![=]>().map_err(|e| {
        let hint = if key == "headers" {
            "write `headers(parameter = \"Header-Name\")`"
        } else {
            "write `complete(argument = function)`"
        };
        syn::Error::new(e.span(), hint)
    })?;
    Ok((arg, input.parse()?))
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
            let mut entries = Vec::new();
            while !content.is_empty() {
                entries.push(list_entry(&ident, &content)?);
                if !content.is_empty() {
                    content.parse::<Token![,]>()?;
                }
            }
            Ok(Opt::List(ident, entries))
        } else {
            Ok(Opt::Flag(ident))
        }
    }
}

/// A string option with the span of its value.
#[derive(Clone)]
pub struct WithSpan<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Default)]
pub struct Common {
    pub name: Option<WithSpan<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub meta: Option<Expr>,
    /// `complete(arg = function, ...)`: prompts and resource templates only.
    pub completers: Vec<(Ident, syn::Path)>,
    /// `scopes = ["notes:write", ...]`: what an authenticated caller's token must grant.
    pub scopes: Option<Vec<String>>,
}

/// `parameter = "Header-Name"` inside `headers(...)`: the argument is mirrored in the
/// `Mcp-Param-Header-Name` HTTP header (`x-mcp-header`, MCP 2026-07-28).
pub struct HeaderSpec {
    pub param: Ident,
    pub name: LitStr,
}

#[derive(Default)]
pub struct ToolAttr {
    pub common: Common,
    /// A hand-written `inputSchema` that replaces the generated one.
    pub input_schema: Option<Expr>,
    /// `headers(...)`: the first `headers` key as written, and its entries.
    pub headers_key: Option<Ident>,
    pub headers: Vec<HeaderSpec>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// `task` or `task = "optional"` / `"required"`: the call may answer with a task
    /// (MCP 2026-07-28, the tasks extension).
    pub task: Option<TaskMode>,
}

/// How a tool uses tasks: the runtime's `TaskSupport`, as the attribute says it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TaskMode {
    Optional,
    Required,
}

#[derive(Default)]
pub struct ResourceAttr {
    pub common: Common,
    pub uri: Option<WithSpan<String>>,
    pub mime_type: Option<String>,
    /// `ttl_ms = 60000`: how long a read stays fresh (MCP 2026-07-28 caching hints).
    pub ttl_ms: Option<WithSpan<u64>>,
    /// `cache_scope = "public"` or `"private"`.
    pub cache_scope: Option<WithSpan<CacheScope>>,
}

/// Who may keep a cached read: the runtime's `CacheScope`, as the attribute says it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CacheScope {
    Public,
    Private,
}

#[derive(Default)]
pub struct PromptAttr {
    pub common: Common,
}

const COMMON: &[&str] = &["name", "title", "description", "meta", "scopes"];
const TOOL: &[&str] = &[
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "input_schema",
    "headers",
    "task",
];
const RESOURCE: &[&str] = &["mime_type", "ttl_ms", "cache_scope", "complete"];
const PROMPT: &[&str] = &["complete"];

/// `complete(arg = function, ...)`; any other `name(...)` is an unknown option.
fn completers(
    cx: &Ctxt,
    c: &mut Common,
    key: &Ident,
    specs: &[(Ident, Expr)],
    macro_name: &str,
    allowed: &[&str],
) {
    if key != "complete" {
        unknown(cx, macro_name, key, allowed);
        return;
    }
    for (arg, value) in specs {
        let Expr::Path(syn::ExprPath {
            qself: None, path, ..
        }) = value
        else {
            cx.error(
                value,
                format_args!(
                    "`complete({arg} = ...)` takes a function: `complete({arg} = path::to::function)`"
                ),
            );
            continue;
        };
        if c.completers.iter().any(|(a, _)| a == arg) {
            cx.error(arg, format_args!("`{arg}` has two completers: remove one"));
        } else {
            c.completers.push((arg.clone(), path.clone()));
        }
    }
}

/// `headers(parameter = "Header-Name", ...)`: each parameter once, each name a string.
fn headers(cx: &Ctxt, attr: &mut ToolAttr, key: &Ident, specs: &[(Ident, Expr)]) {
    attr.headers_key.get_or_insert_with(|| key.clone());
    for (param, value) in specs {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        }) = value
        else {
            cx.error(
                value,
                format_args!(
                    "`headers({param} = ...)` takes the header's name as a string: `{param} = \"{}\"` gives the header `Mcp-Param-{}`",
                    header_like(&param.to_string()),
                    header_like(&param.to_string()),
                ),
            );
            continue;
        };
        if attr.headers.iter().any(|h| h.param == *param) {
            cx.error(param, format_args!("`{param}` has two headers: remove one"));
        } else {
            attr.headers.push(HeaderSpec {
                param: param.clone(),
                name: name.clone(),
            });
        }
    }
}

/// A header name in the usual case for a parameter's name: `tenant_id` → `Tenant-Id`.
pub(crate) fn header_like(param: &str) -> String {
    param
        .trim_start_matches("r#")
        .split(['_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
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

fn lit_str(cx: &Ctxt, key: &Ident, expr: &Expr) -> Option<WithSpan<String>> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(WithSpan {
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
                format_args!(
                    "`{key}` is a flag: write `{key}` alone, or `{key} = true` / `{key} = false`"
                ),
            );
            None
        }
    }
}

/// Sets an option once; a second time is an error.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, key: &Ident, value: Option<T>) {
    if slot.is_some() {
        cx.error(key, format_args!("`{key}` is given twice: remove one"));
    } else {
        *slot = value;
    }
}

fn unknown(cx: &Ctxt, macro_name: &str, key: &Ident, allowed: &[&str]) {
    let got = key.to_string();
    let mut msg = format!("unknown option `{got}` for #[{macro_name}]");
    let elsewhere = [("tool", TOOL), ("resource", RESOURCE)]
        .into_iter()
        .find(|(other, options)| *other != macro_name && options.contains(&got.as_str()));
    if let Some((other, _)) = elsewhere {
        msg = format!("`{got}` is an option of #[{other}], not of #[{macro_name}]");
        msg.push_str(&format!("; the options are: {}", allowed.join(", ")));
    } else {
        match closest(&got, allowed) {
            Some(best) => msg.push_str(&format!(": did you mean `{best}`?")),
            None => msg.push_str(&format!("; the options are: {}", allowed.join(", "))),
        }
    }
    cx.error(key, msg);
}

/// The option the user most likely meant: the same letters but for `_` and case
/// (`readonly`, `mimeType`), then one it abbreviates (`mime`, `desc`), then the nearest by
/// edit distance, if near enough.
pub(crate) fn closest<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let normalize = |s: &str| s.replace('_', "").to_lowercase();
    let got_n = normalize(got);
    candidates
        .iter()
        .filter_map(|c| {
            let c_n = normalize(c);
            let rank = if c_n == got_n {
                (0, 0)
            } else if got_n.len() >= 3 && c_n.starts_with(&got_n) {
                (1, c_n.len() - got_n.len())
            } else {
                let d = levenshtein(got, c);
                if d > (c.len() / 3).max(2) {
                    return None;
                }
                (2, d)
            };
            Some((rank, *c))
        })
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
        "scopes" => set_once(cx, &mut c.scopes, key, scopes(cx, key, value)),
        _ => return false,
    }
    true
}

/// `scopes = ["a:read", "a:write"]`: OAuth scopes, each a non-empty string without spaces.
fn scopes(cx: &Ctxt, key: &Ident, value: &Expr) -> Option<Vec<String>> {
    const HINT: &str =
        "`scopes` takes a list of OAuth scopes as string literals: `scopes = [\"notes:write\"]`";
    let Expr::Array(array) = value else {
        cx.error(value, HINT);
        return None;
    };
    let mut out = Vec::new();
    for item in &array.elems {
        match item {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => {
                let scope = s.value();
                // RFC 6749 §3.3: visible ASCII but space, `"` and `\\`.
                let ok = !scope.is_empty()
                    && scope
                        .bytes()
                        .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
                if ok {
                    out.push(scope);
                } else if scope.is_empty() {
                    cx.error(s, "an empty scope: remove it, or name the scope");
                } else {
                    cx.error(s, format_args!("`{}` is not an OAuth scope: one word of visible ASCII without `\"` or `\\`; write several scopes as several strings", scope.escape_debug()));
                }
            }
            other => cx.error(other, HINT),
        }
    }
    let _ = key;
    Some(out)
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
                Opt::List(k, specs) if k == "headers" => {
                    headers(cx, &mut attr, k, specs);
                    continue;
                }
                Opt::List(k, _) if k == "complete" => {
                    cx.error(k, format_args!("#[tool] has no option `{k}(...)`: completion is for prompt arguments and resource template variables"));
                    continue;
                }
                Opt::List(k, _) => {
                    unknown(cx, "tool", k, &all_options(TOOL));
                    continue;
                }
            };
            if common(cx, &mut attr.common, key, value) {
                continue;
            }
            if key == "headers" {
                cx.error(
                    key,
                    "write `headers(parameter = \"Header-Name\", ...)`: each argument named is mirrored in the HTTP header `Mcp-Param-Header-Name`",
                );
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
            if key == "task" {
                let mode = task_mode(cx, value);
                set_once(cx, &mut attr.task, key, mode);
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
        let mut first_option = None;
        let mut ttl_written = false;
        for opt in parse_opts(cx, args) {
            let (key, value) = match &opt {
                Opt::Positional(lit) => {
                    attr.set_uri(cx, lit, first_option.is_some());
                    continue;
                }
                Opt::Flag(k) => (k, None),
                Opt::Value(k, v) => (k, Some(v)),
                Opt::List(k, specs) => {
                    first_option.get_or_insert(k.span());
                    completers(
                        cx,
                        &mut attr.common,
                        k,
                        specs,
                        "resource",
                        &all_options(RESOURCE),
                    );
                    continue;
                }
            };
            first_option.get_or_insert(key.span());
            if common(cx, &mut attr.common, key, value) {
                continue;
            }
            match (key.to_string().as_str(), value) {
                ("uri", Some(Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }))) => {
                    attr.set_uri(cx, lit, true)
                }
                ("uri", _) => cx.error(key, "the URI template comes first, as a string literal: #[resource(\"notes://{id}\")]"),
                ("mime_type", Some(v)) => {
                    let mime = lit_str(cx, key, v).map(|s| s.value);
                    set_once(cx, &mut attr.mime_type, key, mime);
                }
                ("mime_type", None) => cx.error(key, "`mime_type` needs a value: `mime_type = \"text/plain\"`"),
                ("ttl_ms", _) => {
                    ttl_written = true;
                    let ttl = ttl_ms(cx, key, value);
                    set_once(cx, &mut attr.ttl_ms, key, ttl);
                }
                ("cache_scope", _) => {
                    let scope = cache_scope(cx, key, value);
                    set_once(cx, &mut attr.cache_scope, key, scope);
                }
                ("complete", _) => cx.error(key, "write `complete(variable = function, ...)`"),
                _ => unknown(cx, "resource", key, &all_options(RESOURCE)),
            }
        }
        if let (Some(scope), false) = (&attr.cache_scope, ttl_written) {
            cx.error_at(
                scope.span,
                "`cache_scope` needs `ttl_ms = ...` beside it: how long, in milliseconds, a read stays fresh",
            );
        }
        if attr.uri.is_none() {
            // Under the first option when there is one: `Span::call_site()` would add a
            // note about the macro's expansion.
            cx.error_at(
                first_option.unwrap_or_else(Span::call_site),
                "#[resource] needs a URI template first: #[resource(\"notes://{id}\")] (or a fixed URI: #[resource(\"notes://index\")])",
            );
        }
        attr
    }

    /// The URI template, which belongs first and once; when it is misplaced it is still
    /// taken, so that the one mistake gets one message.
    fn set_uri(&mut self, cx: &Ctxt, lit: &LitStr, misplaced: bool) {
        if self.uri.is_some() {
            cx.error(lit, "a #[resource] has one URI template; for another URI, write another #[resource] function");
            return;
        }
        if misplaced {
            cx.error(lit, "the URI template comes first, as a plain string: #[resource(\"notes://{id}\", mime_type = ...)]");
        }
        self.uri = Some(WithSpan {
            value: lit.value(),
            span: lit.span(),
        });
    }
}

/// `task` alone (optional), or `task = "optional"` / `task = "required"`.
fn task_mode(cx: &Ctxt, value: Option<&Expr>) -> Option<TaskMode> {
    const HINT: &str = "`task` says the call may answer with a task (MCP 2026-07-28): write `task` (a task when the client supports them) or `task = \"required\"` (only as a task)";
    let Some(value) = value else {
        return Some(TaskMode::Optional);
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => match s.value().as_str() {
            "optional" => Some(TaskMode::Optional),
            "required" => Some(TaskMode::Required),
            other => {
                cx.error(s, format_args!("unknown task mode \"{other}\": {HINT}"));
                None
            }
        },
        other => {
            cx.error(other, HINT);
            None
        }
    }
}

/// `ttl_ms = 60000`: milliseconds, a non-negative integer literal.
fn ttl_ms(cx: &Ctxt, key: &Ident, value: Option<&Expr>) -> Option<WithSpan<u64>> {
    const HINT: &str = "`ttl_ms` takes how long a read stays fresh, in milliseconds, as a non-negative integer literal: `ttl_ms = 60000`";
    match value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        })) => match int.base10_parse::<u64>() {
            Ok(ms) => Some(WithSpan {
                value: ms,
                span: int.span(),
            }),
            Err(e) => {
                cx.error(int, format_args!("{HINT} ({e})"));
                None
            }
        },
        Some(other) => {
            cx.error(other, HINT);
            None
        }
        None => {
            cx.error(key, HINT);
            None
        }
    }
}

/// `cache_scope = "public"` or `"private"`.
fn cache_scope(cx: &Ctxt, key: &Ident, value: Option<&Expr>) -> Option<WithSpan<CacheScope>> {
    const HINT: &str = "`cache_scope` is \"public\" (any cache may keep and share the read) or \"private\" (only for the same user)";
    let Some(value) = value else {
        cx.error(key, format_args!("{HINT}: `cache_scope = \"private\"`"));
        return None;
    };
    let scope = lit_str(cx, key, value)?;
    let parsed = match scope.value.as_str() {
        "public" => CacheScope::Public,
        "private" => CacheScope::Private,
        other => {
            cx.error_at(
                scope.span,
                format_args!("unknown cache scope \"{other}\": {HINT}"),
            );
            return None;
        }
    };
    Some(WithSpan {
        value: parsed,
        span: scope.span,
    })
}

impl PromptAttr {
    pub fn parse(cx: &Ctxt, args: TokenStream) -> PromptAttr {
        let mut attr = PromptAttr::default();
        for opt in parse_opts(cx, args) {
            match &opt {
                Opt::Positional(lit) => {
                    cx.error(lit, "#[prompt] takes no positional argument; to rename the prompt write `name = \"...\"`")
                }
                Opt::List(k, specs) => {
                    completers(cx, &mut attr.common, k, specs, "prompt", &all_options(PROMPT))
                }
                Opt::Flag(k) | Opt::Value(k, _) => {
                    let value = if let Opt::Value(_, v) = &opt { Some(v) } else { None };
                    if k == "complete" {
                        cx.error(k, "write `complete(argument = function, ...)`");
                    } else if !common(cx, &mut attr.common, k, value) {
                        unknown(cx, "prompt", k, &all_options(PROMPT));
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
        assert_eq!(closest("readOnly", &all_options(TOOL)), Some("read_only"));
        assert_eq!(
            closest("descripton", &all_options(TOOL)),
            Some("description")
        );
        assert_eq!(closest("desc", &all_options(TOOL)), Some("description"));
        assert_eq!(closest("mime", &all_options(RESOURCE)), Some("mime_type"));
        assert_eq!(
            closest("mimetype", &all_options(RESOURCE)),
            Some("mime_type")
        );
        assert_eq!(closest("nmae", &all_options(TOOL)), Some("name"));
        assert_eq!(closest("colour", &all_options(TOOL)), None);
        assert_eq!(closest("uri", &all_options(RESOURCE)), None);
    }
}
