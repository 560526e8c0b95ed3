//! Why a template was refused.

use std::fmt;

/// A template that is not RFC 6570: the template, and what is wrong with it.
///
/// ```
/// use mcp_uri_template::{ErrorKind, UriTemplate};
///
/// let error = UriTemplate::parse("files://{file-name}").unwrap_err();
/// assert_eq!(error.template(), "files://{file-name}");
/// assert!(matches!(error.kind(), ErrorKind::InvalidName { name, .. } if name == "file-name"));
/// assert_eq!(
///     error.to_string(),
///     "invalid URI template `files://{file-name}`: invalid variable name `file-name` in \
///      `{file-name}` (a name is letters, digits, `_` and `%XX` escapes, with single dots \
///      between them: `{user.id}`)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    template: String,
    kind: ErrorKind,
}

/// What is wrong with a template. Its `Display` says it without repeating the template,
/// for messages that show the template already (a compile error under it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A `}` that closes no expression.
    UnmatchedClose,
    /// A `{` whose expression has no `}` (another `{` comes first, or the end).
    Unclosed,
    /// `{}`.
    EmptyExpression,
    /// An operator that RFC 6570 reserves for extensions: `=`, `,`, `!`, `@` or `|`.
    ReservedOperator {
        /// The expression, braces included.
        expression: String,
        operator: char,
    },
    /// A variable name outside RFC 6570's grammar (`{file-name}`, `{a..b}`, `{a,,b}`).
    InvalidName {
        /// The expression, braces included.
        expression: String,
        /// The name as written (empty when it is missing).
        name: String,
    },
    /// A prefix modifier that is not `:n` with n from 1 to 9999 (`{id:0}`, `{id:x}`).
    InvalidPrefix {
        /// The expression, braces included.
        expression: String,
        /// What follows the `:`.
        prefix: String,
    },
    /// A variable with both modifiers (`{list*:3}`, `{var:3*}`).
    BothModifiers {
        /// The expression, braces included.
        expression: String,
        /// The variable with its modifiers.
        variable: String,
    },
    /// A character that cannot appear in a URI, outside an expression (a space, `"`, `<`).
    InvalidLiteral(char),
    /// A `%` outside an expression that does not start a `%XX` escape.
    InvalidPercent,
}

impl TemplateError {
    pub(crate) fn new(template: &str, kind: ErrorKind) -> TemplateError {
        TemplateError {
            template: template.to_owned(),
            kind,
        }
    }

    /// The template as written.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URI template `{}`: {}", self.template, self.kind)
    }
}

impl std::error::Error for TemplateError {}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnmatchedClose => f.write_str("unmatched `}`"),
            ErrorKind::Unclosed => f.write_str("unclosed `{`"),
            ErrorKind::EmptyExpression => {
                f.write_str("empty expression `{}`: put a variable name between the braces")
            }
            ErrorKind::ReservedOperator {
                expression,
                operator,
            } => write!(
                f,
                "`{operator}` in `{expression}` is reserved for future extensions of RFC 6570; \
                 the operators are `+`, `#`, `.`, `/`, `;`, `?` and `&`"
            ),
            ErrorKind::InvalidName { expression, name } if name.is_empty() => {
                write!(f, "a variable name is missing in `{expression}`")
            }
            ErrorKind::InvalidName { expression, name } => write!(
                f,
                "invalid variable name `{name}` in `{expression}` (a name is letters, digits, \
                 `_` and `%XX` escapes, with single dots between them: `{{user.id}}`)"
            ),
            ErrorKind::InvalidPrefix { expression, prefix } => write!(
                f,
                "invalid prefix length `{prefix}` in `{expression}`: write `:n` with n from \
                 1 to 9999, e.g. `{{id:3}}`"
            ),
            ErrorKind::BothModifiers {
                expression,
                variable,
            } => write!(
                f,
                "`{variable}` in `{expression}` has both `*` and a prefix `:n`; a variable \
                 takes one of them at most"
            ),
            ErrorKind::InvalidLiteral(c) => {
                let what = match c {
                    ' ' => "a space".to_owned(),
                    c if c.is_control() => format!("the control character U+{:04X}", *c as u32),
                    c => format!("`{c}`"),
                };
                let mut buf = [0; 4];
                let encoded: String = c
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect();
                write!(
                    f,
                    "{what} cannot appear in a URI outside an expression; write it `{encoded}`"
                )
            }
            ErrorKind::InvalidPercent => f.write_str(
                "`%` outside an expression must start a `%XX` escape; a `%` itself is `%25`",
            ),
        }
    }
}
