//! Custom headers from tool parameters (MCP 2026-07-28, Streamable HTTP): a property of a
//! tool's `inputSchema` marked `"x-mcp-header": "Region"` is mirrored by the client in the
//! header `Mcp-Param-Region`. The rules of the annotation, checked when the server is
//! built, and where the marked properties are, which the HTTP transport reads (through
//! `ToolDef::headers`) to check each call's headers against its arguments.

use serde_json::{Map, Value};

/// The extension keyword.
const X_MCP_HEADER: &str = "x-mcp-header";

/// What is wrong with an `x-mcp-header` of an `inputSchema` (clients drop such a tool).
/// `at` is where it is, as a JSON Pointer into the schema (`/properties/region`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// Its value is not a string.
    #[error(
        "\"x-mcp-header\" at {at} is not a string: its value is the header's name, as in \"x-mcp-header\": \"Region\""
    )]
    NotAString {
        /// Where it is.
        at: String,
    },
    /// Its value is `""`.
    #[error("\"x-mcp-header\" at {at} is empty: give the name that follows `Mcp-Param-`")]
    Empty {
        /// Where it is.
        at: String,
    },
    /// Its value is not an HTTP field name (RFC 9110 `1*tchar`).
    #[error(
        "\"x-mcp-header\": {name:?} at {at} is not an HTTP header name: it contains {bad:?}; a header name uses only ASCII letters, digits and !#$%&'*+-.^_`|~"
    )]
    NotAToken {
        /// Where it is.
        at: String,
        /// The name.
        name: String,
        /// The first character that is not allowed.
        bad: char,
    },
    /// Two properties have the same header name, compared case-insensitively.
    #[error(
        "\"x-mcp-header\": {name:?} at {at} is the header of {first} already ({first_name:?}; header names are case-insensitive): give each property a header of its own"
    )]
    Duplicate {
        /// Where the second is.
        at: String,
        /// Its name.
        name: String,
        /// Where the first is.
        first: String,
        /// The first's name.
        first_name: String,
    },
    /// It is not on a property reachable from the root through `properties` alone.
    #[error(
        "\"x-mcp-header\" at {at} is not on a property reachable from the root through `properties` alone: it cannot sit in `items`, `anyOf`, `oneOf`, `allOf`, `not`, `if`/`then`/`else`, `$defs` or any other keyword's schema, nor on the root; move it to such a property or remove it"
    )]
    Unreachable {
        /// Where it is.
        at: String,
    },
    /// Its property's type is not `string`, `integer` or `boolean`.
    #[error(
        "\"x-mcp-header\" at {at} is on a property whose \"type\" is {ty}: only \"string\", \"integer\" and \"boolean\" properties (\"number\" is not allowed) can be mirrored in a header"
    )]
    NotPrimitive {
        /// Where it is.
        at: String,
        /// The property's `type` as JSON, or `missing`.
        ty: String,
    },
}

/// Every `x-mcp-header` of `schema` (a tool's `inputSchema`) that breaks a rule, each once
/// with the first rule it breaks, in schema order.
pub(crate) fn check(schema: &Map<String, Value>) -> Vec<HeaderProblem> {
    let marks = marks(schema);
    let mut problems = Vec::new();
    let mut names: Vec<(&str, &str)> = Vec::new();
    for mark in &marks {
        let at = if mark.at.is_empty() { "/" } else { &mark.at };
        let problem = match (mark.name, &mark.path) {
            (Value::String(_), None) => Some(HeaderProblem::Unreachable { at: at.into() }),
            (Value::String(name), Some(_)) => name_problem(at, name, mark.ty),
            (_, _) => Some(HeaderProblem::NotAString { at: at.into() }),
        };
        if let Some(problem) = problem {
            problems.push(problem);
            continue;
        }
        let Value::String(name) = mark.name else {
            continue;
        };
        match names.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)) {
            Some((first, first_name)) => problems.push(HeaderProblem::Duplicate {
                at: at.into(),
                name: name.clone(),
                first: (*first).into(),
                first_name: (*first_name).into(),
            }),
            None => names.push((at, name)),
        }
    }
    problems
}

/// The header names of `schema` and the property path of each, for the annotations on
/// properties reachable through `properties` (the only ones a valid schema has).
pub(crate) fn header_params(schema: &Map<String, Value>) -> Vec<(String, Vec<String>)> {
    marks(schema)
        .into_iter()
        .filter_map(|mark| match (mark.name, mark.path) {
            (Value::String(name), Some(path)) => Some((name.clone(), path)),
            _ => None,
        })
        .collect()
}

/// Every `x-mcp-header` of `schema`, in schema order.
fn marks(schema: &Map<String, Value>) -> Vec<Mark<'_>> {
    let mut marks = Vec::new();
    walk(
        schema,
        &mut String::new(),
        Some(&mut Vec::new()),
        &mut marks,
    );
    marks
}

/// One `x-mcp-header` found in a schema.
struct Mark<'s> {
    /// JSON Pointer of the schema that carries it.
    at: String,
    /// The property names from the root, when it is on a property reachable through
    /// `properties` alone.
    path: Option<Vec<String>>,
    name: &'s Value,
    /// The `type` of the schema that carries it.
    ty: Option<&'s Value>,
}

/// Keywords whose values are data, not schemas: an `x-mcp-header` key inside is no
/// annotation.
const DATA: &[&str] = &["const", "enum", "default", "examples", X_MCP_HEADER];
/// Keywords whose values map names to schemas.
const SCHEMA_MAPS: &[&str] = &[
    "$defs",
    "definitions",
    "patternProperties",
    "dependentSchemas",
];

/// Collects the marks of `schema` at pointer `at`; `path` is the chain of `properties`
/// keys that reaches it, `None` once anything else is on the way.
fn walk<'s>(
    schema: &'s Map<String, Value>,
    at: &mut String,
    path: Option<&mut Vec<String>>,
    out: &mut Vec<Mark<'s>>,
) {
    if let Some(name) = schema.get(X_MCP_HEADER) {
        out.push(Mark {
            at: at.clone(),
            // The root is no property.
            path: path.as_deref().filter(|p| !p.is_empty()).cloned(),
            name,
            ty: schema.get("type"),
        });
    }
    let mut path = path;
    for (keyword, value) in schema {
        let len = at.len();
        push_pointer(at, keyword);
        match (keyword.as_str(), value) {
            (k, _) if DATA.contains(&k) => {}
            ("properties", Value::Object(properties)) => {
                for (name, property) in properties {
                    let len = at.len();
                    push_pointer(at, name);
                    if let Value::Object(property) = property {
                        match path.as_deref_mut() {
                            Some(path) => {
                                path.push(name.clone());
                                walk(property, at, Some(path), out);
                                path.pop();
                            }
                            None => walk(property, at, None, out),
                        }
                    }
                    at.truncate(len);
                }
            }
            (k, Value::Object(map)) if SCHEMA_MAPS.contains(&k) => {
                for (name, sub) in map {
                    let len = at.len();
                    push_pointer(at, name);
                    walk_any(sub, at, out);
                    at.truncate(len);
                }
            }
            (_, value) => walk_any(value, at, out),
        }
        at.truncate(len);
    }
}

/// A keyword's value that may hold schemas (`items`, `anyOf`, ...): none is reachable.
fn walk_any<'s>(value: &'s Value, at: &mut String, out: &mut Vec<Mark<'s>>) {
    match value {
        Value::Object(schema) => walk(schema, at, None, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                push_pointer(at, &i.to_string());
                walk_any(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Appends `/key` to a JSON Pointer, escaped (RFC 6901).
fn push_pointer(at: &mut String, key: &str) {
    at.push('/');
    at.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

/// The rules of a reachable annotation but uniqueness.
fn name_problem(at: &str, name: &str, ty: Option<&Value>) -> Option<HeaderProblem> {
    if name.is_empty() {
        return Some(HeaderProblem::Empty { at: at.into() });
    }
    if let Some(bad) = name.chars().find(|&c| !is_tchar(c)) {
        return Some(HeaderProblem::NotAToken {
            at: at.into(),
            name: name.into(),
            bad,
        });
    }
    if !primitive(ty) {
        return Some(HeaderProblem::NotPrimitive {
            at: at.into(),
            ty: ty.map_or_else(|| "missing".into(), Value::to_string),
        });
    }
    None
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// `"string"`, `"integer"` or `"boolean"`, or one of them with `"null"` (a null value
/// sends no header).
fn primitive(ty: Option<&Value>) -> bool {
    let allowed = |t: &Value| matches!(t.as_str(), Some("string" | "integer" | "boolean"));
    match ty {
        Some(Value::Array(types)) => {
            let (null, other): (Vec<&Value>, Vec<&Value>) =
                types.iter().partition(|t| t.as_str() == Some("null"));
            null.len() <= 1 && other.len() == 1 && allowed(other[0])
        }
        Some(t) => allowed(t),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(schema: Value) -> Vec<HeaderProblem> {
        check(schema.as_object().expect("an object"))
    }

    #[test]
    fn valid_annotations_pass_and_are_found_with_their_paths() {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "count": {"type": ["integer", "null"], "x-mcp-header": "Count"},
                "filter": {"type": "object", "properties": {
                    "on": {"type": "boolean", "x-mcp-header": "Filter-On"},
                }},
                "x-mcp-header": {"type": "string"},
                "query": {"type": "string", "default": {"x-mcp-header": "data"}},
            },
        });
        assert_eq!(problems(schema.clone()), vec![]);
        let mut found = header_params(schema.as_object().unwrap());
        found.sort();
        assert_eq!(
            found,
            vec![
                ("Count".into(), vec!["count".into()]),
                ("Filter-On".into(), vec!["filter".into(), "on".into()]),
                ("Region".into(), vec!["region".into()]),
            ]
        );
    }

    #[test]
    fn each_rule_is_enforced() {
        let schema = json!({
            "type": "object",
            "x-mcp-header": "Root",
            "properties": {
                "a": {"type": "string", "x-mcp-header": ""},
                "b": {"type": "string", "x-mcp-header": "Two Words"},
                "c": {"type": "number", "x-mcp-header": "C"},
                "d": {"x-mcp-header": "D"},
                "e": {"type": "string", "x-mcp-header": 7},
                "f": {"type": "string", "x-mcp-header": "Region"},
                "g": {"type": "string", "x-mcp-header": "REGION"},
                "h": {"type": "array", "items": {"type": "string", "x-mcp-header": "Item"}},
                "i": {"anyOf": [{"type": "string", "x-mcp-header": "Any"}]},
                "j/k": {"type": "object", "additionalProperties": {"type": "string", "x-mcp-header": "J"}},
            },
            "$defs": {"T": {"type": "string", "x-mcp-header": "Def"}},
        });
        let got = problems(schema);
        let expected = vec![
            HeaderProblem::Unreachable { at: "/".into() },
            HeaderProblem::Empty {
                at: "/properties/a".into(),
            },
            HeaderProblem::NotAToken {
                at: "/properties/b".into(),
                name: "Two Words".into(),
                bad: ' ',
            },
            HeaderProblem::NotPrimitive {
                at: "/properties/c".into(),
                ty: "\"number\"".into(),
            },
            HeaderProblem::NotPrimitive {
                at: "/properties/d".into(),
                ty: "missing".into(),
            },
            HeaderProblem::NotAString {
                at: "/properties/e".into(),
            },
            HeaderProblem::Duplicate {
                at: "/properties/g".into(),
                name: "REGION".into(),
                first: "/properties/f".into(),
                first_name: "Region".into(),
            },
            HeaderProblem::Unreachable {
                at: "/properties/h/items".into(),
            },
            HeaderProblem::Unreachable {
                at: "/properties/i/anyOf/0".into(),
            },
            HeaderProblem::Unreachable {
                at: "/properties/j~1k/additionalProperties".into(),
            },
            HeaderProblem::Unreachable {
                at: "/$defs/T".into(),
            },
        ];
        let sorted = |mut v: Vec<HeaderProblem>| {
            v.sort_by_key(|p| format!("{p:?}"));
            v
        };
        assert_eq!(sorted(got), sorted(expected));
    }
}
