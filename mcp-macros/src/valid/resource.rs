//! `#[resource("scheme://{var}")]`: the URI template, read by the grammar the runtime
//! matches URIs with (`mcp-uri-template`), and how its variables bind to parameters.

use super::{Completers, completers, is_known_extractor, registered_name};
use crate::ast::Handler;
use crate::attr::{ResourceAttr, WithSpan};
use crate::ctxt::Ctxt;
use mcp_uri_template::{ErrorKind, TemplateError, UriTemplate};
use proc_macro2::Span;

/// A `#[resource]` that expansion can generate.
pub struct Resource {
    pub attr: ResourceAttr,
    /// The URI template, valid, with the span of its string.
    pub uri: WithSpan<String>,
    pub name: WithSpan<String>,
    /// The template's variables, in order, each once.
    pub variables: Vec<String>,
    /// How each parameter of the function, in order, gets its value.
    pub bindings: Vec<Binding>,
    pub completers: Completers,
}

/// Where a parameter of a resource function gets its value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// From the template variable of the same name.
    Variable,
    /// From the request, as an extractor (`Context`, `State<T>`); that its type is one is
    /// checked by rustc in the generated code, so the message can name the template.
    Extractor,
}

pub fn validate(cx: &Ctxt, h: &Handler, attr: ResourceAttr) -> Option<Resource> {
    // A missing URI template was reported with the options.
    let uri = attr.uri.clone()?;
    let template = UriTemplate::parse(&uri.value);
    if let Err(e) = &template {
        cx.error_at(uri.span, template_problem(e));
    }
    // A URI-template rule of MCP, not of RFC 6570 (`{var}/here` is an RFC template).
    if !uri.value.contains(':') {
        cx.error_at(
            uri.span,
            format_args!(
                "`{}` is not a URI: it needs a scheme, e.g. `notes://{{id}}`",
                uri.value
            ),
        );
    }
    let variables = parameter_names(cx, &template.ok()?, uri.span);
    check_bindings(cx, h, &variables, uri.span);
    let bindings = h
        .params
        .iter()
        .map(|p| {
            if variables.contains(&p.name) {
                Binding::Variable
            } else {
                Binding::Extractor
            }
        })
        .collect();
    let completable: Vec<(String, &syn::Type)> = h
        .params
        .iter()
        .filter(|p| variables.contains(&p.name))
        .map(|p| (p.name.clone(), &p.ty))
        .collect();
    let completers = completers(cx, &attr.common, &completable, "URI variable");
    Some(Resource {
        name: registered_name(h, &attr.common),
        attr,
        uri,
        variables,
        bindings,
        completers,
    })
}

/// The grammar's message, in the words of a `#[resource]` user: the template is under
/// the message already, and a variable here is also a parameter name.
fn template_problem(e: &TemplateError) -> String {
    match e.kind() {
        kind @ (ErrorKind::UnmatchedClose | ErrorKind::Unclosed) => {
            format!("{kind} in the URI template")
        }
        ErrorKind::InvalidName { expression, name } if !name.is_empty() => format!(
            "invalid variable `{name}` in `{expression}`: a variable is a name of letters, digits and `_`, optionally after an operator (`{{+path}}`, `{{?query}}`)"
        ),
        kind => kind.to_string(),
    }
}

/// The template's variables, each once, reporting those that cannot name a parameter:
/// RFC 6570 allows `{user.id}` and `{a%20b}`, and a name written twice (`{/v:1,v}`), but
/// each variable binds the one parameter of its name.
fn parameter_names(cx: &Ctxt, template: &UriTemplate, span: Span) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut twice: Vec<&str> = Vec::new();
    for name in template.variables() {
        if !is_identifier(name) {
            let suggestion = identifier_like(name);
            let such_as = if is_identifier(&suggestion) {
                format!(", such as `{{{suggestion}}}`")
            } else {
                String::new()
            };
            cx.error_at(
                span,
                format_args!(
                    "URI template variable `{{{name}}}` cannot name a parameter: #[resource] binds each variable to the parameter of the same name, so a variable here is letters, digits and `_`, not starting with a digit{such_as}"
                ),
            );
        } else if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        } else if !twice.contains(&name) {
            twice.push(name);
            cx.error_at(
                span,
                format_args!(
                    "the variable `{name}` appears twice in the URI template: each variable binds the one parameter of its name, so write it once"
                ),
            );
        }
    }
    names
}

/// A name a parameter can have (`r#type` is named `type`): `_` alone is a pattern.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

/// `user.id` → `user_id`, `2fa` → `_2fa`.
fn identifier_like(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if replaced.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{replaced}")
    } else {
        replaced
    }
}

/// Every template variable needs a parameter of the same name. (The parameters that are
/// not variables must be extractors, which rustc checks by type in the generated code.)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_must_be_identifiers() {
        for ok in ["id", "user_id", "_id", "r2"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["user.id", "2fa", "_", "a%20b", ""] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert_eq!(identifier_like("user.id"), "user_id");
        assert_eq!(identifier_like("2fa"), "_2fa");
        assert_eq!(identifier_like("a%20b"), "a_20b");
    }

    #[test]
    fn template_problems_read_as_before() {
        let problem = |t: &str| template_problem(&UriTemplate::parse(t).unwrap_err());
        assert_eq!(problem("x://{id"), "unclosed `{` in the URI template");
        assert_eq!(problem("x://id}"), "unmatched `}` in the URI template");
        assert!(problem("x://{a-b}").starts_with("invalid variable `a-b` in `{a-b}`: "));
        assert!(problem("x://{id:0}").starts_with("invalid prefix length `0` in `{id:0}`"));
    }
}
