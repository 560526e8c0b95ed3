//! `#[tool(headers(region = "Region"))]`: arguments mirrored in `Mcp-Param-*` HTTP headers
//! (`x-mcp-header`, MCP 2026-07-28). The rules are the spec's, checked here where the macro
//! can see them; the runtime checks the finished schema again when the server is built
//! (a type the macro cannot judge, such as an enum, is judged there by its schema).

use super::{is_known_extractor, type_to_string};
use crate::ast::{Handler, Param};
use crate::attr::{HeaderSpec, ToolAttr, closest, header_like};
use crate::ctxt::Ctxt;
use syn::{PathArguments, Type};

/// The `(parameter, header name)` pairs that expansion writes into `inputSchema`.
pub fn headers(cx: &Ctxt, h: &Handler, attr: &ToolAttr) -> Vec<(String, String)> {
    if let (Some(key), Some(_)) = (&attr.headers_key, &attr.input_schema) {
        cx.error(
            key,
            "`headers(...)` marks properties of the generated inputSchema, but `input_schema` replaces that schema: write `\"x-mcp-header\": \"Name\"` into the properties of your schema instead",
        );
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for spec in &attr.headers {
        let Some(param) = parameter(cx, h, spec) else {
            continue;
        };
        let name = spec.name.value();
        let problem = name_problem(&name, &param.name);
        if let Some(problem) = &problem {
            cx.error(&spec.name, problem);
        }
        if let Some(what) = not_primitive(&param.ty) {
            let fix = if what.starts_with("a JSON `number`") {
                format!("take an integer type, or remove `{}`", param.name)
            } else {
                format!("remove `{}`", param.name)
            };
            cx.error(
                &param.ty,
                format_args!(
                    "`{}` cannot be mirrored in a header: `{}` is {what}, and x-mcp-header allows only string, integer and boolean arguments (or an `Option` of one); {fix} from `headers(...)`",
                    param.name,
                    type_to_string(&param.ty),
                ),
            );
            continue;
        }
        if problem.is_some() {
            continue;
        }
        if let Some((other, other_name)) = out.iter().find(|(_, n)| n.eq_ignore_ascii_case(&name)) {
            cx.error(
                &spec.name,
                format_args!(
                    "`{}` and `{other}` would both send the header `Mcp-Param-{name}`: header names are case-insensitive, so \"{name}\" is \"{other_name}\"; give `{}` a header of its own",
                    param.name, param.name
                ),
            );
            continue;
        }
        out.push((param.name.clone(), name));
    }
    out
}

/// The argument `spec` names, or why it names none.
fn parameter<'h>(cx: &Ctxt, h: &'h Handler, spec: &HeaderSpec) -> Option<&'h Param> {
    let wanted = spec.param.to_string();
    let wanted = wanted.trim_start_matches("r#");
    let found = h.params.iter().find(|p| p.name == wanted);
    if let Some(param) = found.filter(|p| !is_known_extractor(&p.ty)) {
        return Some(param);
    }
    let message = match found {
        Some(p) => format!(
            "`headers({wanted} = ...)`: `{wanted}` is an extractor (`{}`), filled by the server: only arguments the client sends can be mirrored in a header",
            type_to_string(&p.ty)
        ),
        None => {
            let arguments: Vec<&str> = h
                .params
                .iter()
                .filter(|p| !is_known_extractor(&p.ty))
                .map(|p| p.name.as_str())
                .collect();
            let hint = match closest(wanted, &arguments) {
                Some(best) => format!("did you mean `{best}`?"),
                None if arguments.is_empty() => "it has no arguments".to_owned(),
                None => format!("its arguments are: {}", arguments.join(", ")),
            };
            format!("`headers({wanted} = ...)`: there is no parameter `{wanted}`; {hint}")
        }
    };
    cx.error(&spec.param, message);
    None
}

/// What is wrong with `name` as the `{name}` of `Mcp-Param-{name}`: it must be an HTTP
/// field name, `1*tchar` (RFC 9110 section 5.1).
fn name_problem(name: &str, param: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!(
            "the header name is empty: write the name that follows `Mcp-Param-`, such as `{param} = \"{}\"`",
            header_like(param)
        ));
    }
    let mut bad: Vec<String> = Vec::new();
    for c in name.chars().filter(|&c| !is_tchar(c)) {
        let shown = format!("{:?}", c.to_string());
        if !bad.contains(&shown) {
            bad.push(shown);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let suggestion = name
        .split(|c: char| !is_tchar(c))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let such_as = if suggestion.is_empty() {
        format!(", such as \"{}\"", header_like(param))
    } else {
        format!(", such as \"{suggestion}\"")
    };
    Some(format!(
        "\"{}\" is not an HTTP header name: it contains {}; a header name uses only ASCII letters, digits and !#$%&'*+-.^_`|~{such_as}",
        name.escape_debug(),
        bad.join(", ")
    ))
}

/// RFC 9110 `tchar`: the characters of a header name.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// What JSON `ty` is, when the macro can tell from the type as written that it is not a
/// string, integer or boolean. Types it cannot judge (a user's enum may be a string) pass
/// here: the runtime reads their schema when the server is built.
fn not_primitive(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Paren(p) => not_primitive(&p.elem),
        Type::Group(g) => not_primitive(&g.elem),
        Type::Array(_) | Type::Slice(_) => Some("a JSON array"),
        Type::Tuple(t) if t.elems.is_empty() => Some("JSON `null`"),
        Type::Tuple(_) => Some("a JSON array"),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            match last.ident.to_string().as_str() {
                "f32" | "f64" => Some("a JSON `number`"),
                "Vec" | "VecDeque" | "LinkedList" | "HashSet" | "BTreeSet" | "BinaryHeap" => {
                    Some("a JSON array")
                }
                "HashMap" | "BTreeMap" => Some("a JSON object"),
                "Option" | "Box" => match &last.arguments {
                    PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            syn::GenericArgument::Type(inner) => not_primitive(inner),
                            _ => None,
                        })
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_tokens() {
        assert_eq!(name_problem("Region", "region"), None);
        assert_eq!(name_problem("x-Trace_id.v2!#$%&'*+^`|~", "t"), None);
        let problem = name_problem("Region Name", "region").unwrap();
        assert!(problem.contains(r#"contains " ""#), "{problem}");
        assert!(problem.contains(r#"such as "Region-Name""#), "{problem}");
        assert!(
            name_problem("Ré:gion", "r")
                .unwrap()
                .contains(r#""é", ":""#)
        );
        assert!(
            name_problem("", "tenant_id")
                .unwrap()
                .contains(r#"tenant_id = "Tenant-Id""#)
        );
        assert!(
            name_problem("a\r\nb", "a")
                .unwrap()
                .contains(r#""\r", "\n""#)
        );
    }

    #[test]
    fn primitive_types_as_written() {
        for ok in [
            "String",
            "bool",
            "u64",
            "Option<i32>",
            "std::string::String",
            "Region",
        ] {
            assert_eq!(not_primitive(&syn::parse_str(ok).unwrap()), None, "{ok}");
        }
        for (bad, what) in [
            ("f64", "a JSON `number`"),
            ("Option<f32>", "a JSON `number`"),
            ("Vec<String>", "a JSON array"),
            ("[u8; 4]", "a JSON array"),
            ("(u8, u8)", "a JSON array"),
            ("HashMap<String, String>", "a JSON object"),
        ] {
            assert_eq!(
                not_primitive(&syn::parse_str(bad).unwrap()),
                Some(what),
                "{bad}"
            );
        }
    }
}
