//! RFC 6570 URI templates for MCP resources, read in both directions that an MCP server
//! needs: is this template well formed, and which variables does this URI bind?
//!
//! It is the one grammar of the workspace: `#[resource("notes://{id}")]` checks its
//! template with it at compile time, and the server parses the same text with it again to
//! match the URIs that clients read, so the two cannot disagree about what a template is.
//!
//! ```
//! use mcp_uri_template::UriTemplate;
//!
//! let template = UriTemplate::parse("notes://{folder}/{id}{?rev}")?;
//! assert_eq!(template.variables().collect::<Vec<_>>(), ["folder", "id", "rev"]);
//! assert_eq!(
//!     template.matches("notes://work/a%20b?rev=3"),
//!     Some(vec![
//!         ("folder".to_owned(), "work".to_owned()),
//!         ("id".to_owned(), "a b".to_owned()),
//!         ("rev".to_owned(), "3".to_owned()),
//!     ])
//! );
//! assert_eq!(template.matches("other://work/1"), None);
//!
//! let error = UriTemplate::parse("notes://{id").unwrap_err();
//! assert_eq!(error.to_string(), "invalid URI template `notes://{id`: unclosed `{`");
//! # Ok::<(), mcp_uri_template::TemplateError>(())
//! ```
//!
//! # What is a template
//!
//! Levels 1 to 3 of RFC 6570, that is expressions without an operator (`{var}`) and with
//! each of the operators `+ # . / ; ? &`, each with one or more variables (`{x,y}`), plus
//! the two modifiers of level 4: explode (`{list*}`) and prefix (`{var:3}`, 1 to 9999
//! characters). The operators RFC 6570 reserves for extensions (`= , ! @ |`) are refused.
//!
//! The text outside expressions is taken as written, and must be made of the characters
//! RFC 6570 allows there (section 2.1): those of a URI, non-ASCII letters, and `%XX`
//! escapes. A space, `"`, `'`, `<`, `>`, `\`, `^`, `` ` ``, `|` or a lone `%` is refused.
//!
//! # Variable names, and the rule for `.`
//!
//! A name follows RFC 6570 section 2.3:
//!
//! ```text
//! varname = varchar *( ["."] varchar )
//! varchar = ALPHA / DIGIT / "_" / pct-encoded
//! ```
//!
//! so a `.` may join two parts of a name (`{user.id}` is the variable `user.id`) but may not
//! start or end it, or come twice in a row (`{user..id}`, `{id.}`). `{.id}` is not a name
//! with a dot: it is the label operator `.` before the variable `id`. Names are compared as
//! written: case matters, and a `%XX` escape in a name is not decoded.
//!
//! The server accepts every such name. `#[resource]` accepts the same templates, and on
//! top of that binds each variable to the function parameter of the same name, so there a
//! name must also be a Rust identifier: `{user.id}` parses, and the macro then asks for
//! `{user_id}`. That is a rule about parameters, not a second grammar.
//!
//! # Matching
//!
//! [`UriTemplate::matches`] inverts expansion: it finds values that expand to the URI and
//! returns them percent-decoded. Where several readings are possible it picks one: splits
//! between adjacent expressions are tried from the longest first; where a value may hold
//! its expression's separator unencoded (`.` under `{.x,y}`, `,` under `{+x,y}`), the last
//! variable takes the rest; and a variable the URI leaves undefined (an absent `{?q}`) is
//! not listed. An expression without an operator, or with `+`, never matches empty text
//! (`notes://` is not `notes://{id}` with an empty id). The work spent on one URI is
//! bounded, so that a crafted URI cannot make matching take long.

mod error;
mod matcher;
mod parse;

pub use error::{ErrorKind, TemplateError};

use parse::Part;

/// A parsed URI template.
///
/// ```
/// use mcp_uri_template::UriTemplate;
///
/// let files = UriTemplate::parse("file:///{+path}")?;
/// assert!(!files.is_static());
/// assert_eq!(
///     files.matches("file:///src/main.rs"),
///     Some(vec![("path".to_owned(), "src/main.rs".to_owned())])
/// );
/// assert!(UriTemplate::parse("notes://index")?.is_static());
/// # Ok::<(), mcp_uri_template::TemplateError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

impl UriTemplate {
    /// Parses a template such as `notes://{id}` or `file:///{+path}`, or says what is
    /// wrong with it.
    pub fn parse(source: &str) -> Result<UriTemplate, TemplateError> {
        Ok(UriTemplate {
            source: source.to_owned(),
            parts: parse::parts(source)?,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the template has no variables: it names one resource.
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// The variable names, in order, as often as they are written (RFC 6570 allows a
    /// name twice: `{/var:1,var}`).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|p| match p {
            Part::Expr { vars, .. } => vars.iter().map(|v| v.name.as_str()).collect(),
            Part::Literal(_) => Vec::new(),
        })
    }

    /// The variables a URI binds, percent-decoded, or `None` when it does not match.
    /// Variables that the URI leaves undefined (e.g. an absent `{?query}`) are not listed.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        matcher::matches(&self.parts, uri)
    }
}

impl std::str::FromStr for UriTemplate {
    type Err = TemplateError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        UriTemplate::parse(source)
    }
}

impl std::fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(template: &str) -> ErrorKind {
        UriTemplate::parse(template).unwrap_err().kind().clone()
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(UriTemplate::parse("x://{id").is_err());
        assert!(UriTemplate::parse("x://id}").is_err());
        assert!(UriTemplate::parse("x://{}").is_err());
        assert!(UriTemplate::parse("x://{a b}").is_err());
        let t = UriTemplate::parse("x://{+a}/{b}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["a", "b"]);
        assert!(UriTemplate::parse("x://static").unwrap().is_static());
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(kind("x://id}"), ErrorKind::UnmatchedClose);
        assert_eq!(kind("x://{id"), ErrorKind::Unclosed);
        assert_eq!(kind("x://{a{b}"), ErrorKind::Unclosed);
        assert_eq!(kind("x://{}"), ErrorKind::EmptyExpression);
        assert_eq!(
            kind("x://{=a}"),
            ErrorKind::ReservedOperator {
                expression: "{=a}".into(),
                operator: '='
            }
        );
        assert_eq!(
            kind("x://{a,,b}"),
            ErrorKind::InvalidName {
                expression: "{a,,b}".into(),
                name: String::new()
            }
        );
        assert_eq!(
            kind("x://{user..id}"),
            ErrorKind::InvalidName {
                expression: "{user..id}".into(),
                name: "user..id".into()
            }
        );
        assert_eq!(
            kind("x://{id:0}"),
            ErrorKind::InvalidPrefix {
                expression: "{id:0}".into(),
                prefix: "0".into()
            }
        );
        assert_eq!(
            kind("x://{id*:3}"),
            ErrorKind::BothModifiers {
                expression: "{id*:3}".into(),
                variable: "id*:3".into()
            }
        );
        assert_eq!(kind("x://a b"), ErrorKind::InvalidLiteral(' '));
        assert_eq!(kind("x://100%"), ErrorKind::InvalidPercent);
        assert_eq!(kind("x://%4g"), ErrorKind::InvalidPercent);
    }

    #[test]
    fn messages_name_the_template_and_the_fix() {
        let message = |t: &str| UriTemplate::parse(t).unwrap_err().to_string();
        assert_eq!(
            message("x://{id"),
            "invalid URI template `x://{id`: unclosed `{`"
        );
        assert_eq!(
            message("x://a b/{id}"),
            "invalid URI template `x://a b/{id}`: a space cannot appear in a URI outside an \
             expression; write it `%20`"
        );
        assert_eq!(
            message("x://{id:abc}"),
            "invalid URI template `x://{id:abc}`: invalid prefix length `abc` in `{id:abc}`: \
             write `:n` with n from 1 to 9999, e.g. `{id:3}`"
        );
        assert_eq!(
            ErrorKind::InvalidLiteral('é').to_string(),
            "`é` cannot appear in a URI outside an expression; write it `%C3%A9`"
        );
    }

    #[test]
    fn dots_join_parts_of_a_name() {
        let t = UriTemplate::parse("x://{user.id}{.ext}{?a.b.c}").unwrap();
        assert_eq!(
            t.variables().collect::<Vec<_>>(),
            ["user.id", "ext", "a.b.c"]
        );
        for bad in ["x://{.user.}", "x://{id.}", "x://{..id}", "x://{a..b}"] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn literals_may_be_escaped_or_non_ascii() {
        assert!(UriTemplate::parse("x://a%20b/{id}").is_ok());
        assert!(UriTemplate::parse("x://café/{id}").is_ok());
        assert!(
            UriTemplate::parse("x://a%20b")
                .unwrap()
                .matches("x://a%20b")
                .is_some()
        );
    }
}
