//! `#[tool]`: its name must be one MCP allows, and its `headers(...)` the spec's
//! (`headers.rs`).

use super::registered_name;
use crate::ast::Handler;
use crate::attr::{ToolAttr, WithSpan};
use crate::ctxt::Ctxt;

/// A `#[tool]` that expansion can generate.
pub struct Tool {
    pub attr: ToolAttr,
    pub name: WithSpan<String>,
    /// `(parameter, header name)`: the arguments mirrored in `Mcp-Param-*` headers.
    pub headers: Vec<(String, String)>,
}

pub fn validate(cx: &Ctxt, h: &Handler, attr: ToolAttr) -> Option<Tool> {
    let name = registered_name(h, &attr.common);
    if let Some(problem) = tool_name_problem(&name.value) {
        let hint = if attr.common.name.is_some() {
            ""
        } else {
            "; rename it with `#[tool(name = \"...\")]`"
        };
        cx.error_at(name.span, format_args!("{problem}{hint}"));
    }
    let headers = super::headers::headers(cx, h, &attr);
    Some(Tool {
        attr,
        name,
        headers,
    })
}

/// A tool name: 1 to 128 characters of `[A-Za-z0-9_.-]` (MCP 2025-11-25).
fn tool_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 128 {
        return Some(format!(
            "a tool name must be 1 to 128 characters long, not {}",
            name.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut bad: Vec<char> = Vec::new();
    for c in name.chars().filter(|&c| !allowed(c)) {
        if !bad.contains(&c) {
            bad.push(c);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad: Vec<String> = bad.iter().map(|c| format!("{:?}", c.to_string())).collect();
    let suggestion = name
        .split(|c: char| !allowed(c))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let hint = if suggestion.is_empty() {
        String::new()
    } else {
        format!(", such as \"{suggestion}\"")
    };
    Some(format!(
        "invalid tool name \"{name}\": it contains {}; a tool name uses only ASCII letters, digits, `_`, `.` and `-`{hint}",
        bad.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        assert_eq!(tool_name_problem("get_weather.v2-beta"), None);
        let problem = tool_name_problem("say hello!").unwrap();
        assert!(problem.contains(r#"" ", "!""#), "{problem}");
        assert!(problem.contains(r#"such as "say_hello""#), "{problem}");
        assert!(
            tool_name_problem(&"a".repeat(129))
                .unwrap()
                .contains("not 129")
        );
        assert!(tool_name_problem("").is_some());
    }
}
