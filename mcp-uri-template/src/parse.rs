//! The grammar: RFC 6570 section 2 (literals, expressions, operators, variable names and
//! the level-4 modifiers).

use crate::error::{ErrorKind, TemplateError};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    Literal(String),
    Expr { op: Op, vars: Vec<VarSpec> },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VarSpec {
    pub(crate) name: String,
    pub(crate) explode: bool,
    pub(crate) max_len: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    Simple,
    Reserved,
    Fragment,
    Label,
    Path,
    PathParam,
    Query,
    QueryCont,
}

impl Op {
    fn from_char(c: char) -> Option<Op> {
        Some(match c {
            '+' => Op::Reserved,
            '#' => Op::Fragment,
            '.' => Op::Label,
            '/' => Op::Path,
            ';' => Op::PathParam,
            '?' => Op::Query,
            '&' => Op::QueryCont,
            _ => return None,
        })
    }

    /// What the expansion starts with, when it is not empty.
    pub(crate) fn prefix(self) -> Option<char> {
        match self {
            Op::Simple | Op::Reserved => None,
            Op::Fragment => Some('#'),
            Op::Label => Some('.'),
            Op::Path => Some('/'),
            Op::PathParam => Some(';'),
            Op::Query => Some('?'),
            Op::QueryCont => Some('&'),
        }
    }

    /// What goes between the values of an expression.
    pub(crate) fn separator(self) -> char {
        match self {
            Op::Simple | Op::Reserved | Op::Fragment => ',',
            Op::Label => '.',
            Op::Path => '/',
            Op::PathParam => ';',
            Op::Query | Op::QueryCont => '&',
        }
    }

    /// `name=value` pairs rather than bare values.
    pub(crate) fn named(self) -> bool {
        matches!(self, Op::PathParam | Op::Query | Op::QueryCont)
    }

    /// Whether the expansion of this operator can contain the byte `b`.
    pub(crate) fn allows(self, b: u8) -> bool {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~%".contains(&b) || b >= 0x80;
        match self {
            Op::Reserved | Op::Fragment => unreserved || b":/?#[]@!$&'()*+,;=".contains(&b),
            _ => {
                unreserved
                    || b == b','
                    || Some(b as char) == self.prefix()
                    || b as char == self.separator()
                    || (self.named() && b == b'=')
            }
        }
    }
}

/// The parts of `source`, literals and expressions in order.
pub(crate) fn parts(source: &str) -> Result<Vec<Part>, TemplateError> {
    let err = |kind| TemplateError::new(source, kind);
    let mut parts = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(err(ErrorKind::UnmatchedClose));
        }
        if open > 0 {
            parts.push(literal(&rest[..open]).map_err(err)?);
        }
        let body = &rest[open + 1..];
        // A `{` before the `}` leaves the first expression open.
        let close = match body.find(['{', '}']) {
            Some(close) if body.as_bytes()[close] == b'}' => close,
            _ => return Err(err(ErrorKind::Unclosed)),
        };
        parts.push(expression(&body[..close]).map_err(err)?);
        rest = &body[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(literal(rest).map_err(err)?);
    }
    Ok(parts)
}

/// Text outside expressions (section 2.1): URI characters, `%XX`, and the non-ASCII
/// characters of IRIs.
fn literal(text: &str) -> Result<Part, ErrorKind> {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let mut hex = chars.clone().take(2);
            if !(hex.next().is_some_and(|h| h.is_ascii_hexdigit())
                && hex.next().is_some_and(|h| h.is_ascii_hexdigit()))
            {
                return Err(ErrorKind::InvalidPercent);
            }
            chars.nth(1);
        } else if !is_literal_char(c) {
            return Err(ErrorKind::InvalidLiteral(c));
        }
    }
    Ok(Part::Literal(text.to_owned()))
}

/// RFC 6570's `literals` less `pct-encoded`: any Unicode character except controls, space,
/// `"`, `'`, `%`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`, and the non-ASCII ones outside
/// `ucschar` and `iprivate` (RFC 3987).
fn is_literal_char(c: char) -> bool {
    match c {
        '!' | '#' | '$' | '&' | '('..=';' | '=' | '?'..='[' | ']' | '_' | 'a'..='z' | '~' => true,
        c if c.is_ascii() => false,
        c => {
            let u = c as u32;
            (0xA0..=0xD7FF).contains(&u)
                || (0xE000..=0xFDCF).contains(&u)
                || (0xFDF0..=0xFFEF).contains(&u)
                || (u >= 0x10000 && u & 0xFFFF <= 0xFFFD && !(0xE0000..0xE1000).contains(&u))
        }
    }
}

/// The text between `{` and `}`: an optional operator, then variables separated by `,`.
fn expression(body: &str) -> Result<Part, ErrorKind> {
    let expression = || format!("{{{body}}}");
    let first = body.chars().next().ok_or(ErrorKind::EmptyExpression)?;
    let (op, list) = match Op::from_char(first) {
        Some(op) => (op, &body[1..]),
        None if "=,!@|".contains(first) => {
            return Err(ErrorKind::ReservedOperator {
                expression: expression(),
                operator: first,
            });
        }
        None => (Op::Simple, body),
    };
    let vars = list
        .split(',')
        .map(|spec| varspec(spec, &expression))
        .collect::<Result<_, _>>()?;
    Ok(Part::Expr { op, vars })
}

/// `name`, `name*` or `name:n`.
fn varspec(spec: &str, expression: &dyn Fn() -> String) -> Result<VarSpec, ErrorKind> {
    let (name, modifier) = spec.split_at(spec.find(['*', ':']).unwrap_or(spec.len()));
    let invalid_name = |name: &str| ErrorKind::InvalidName {
        expression: expression(),
        name: name.to_owned(),
    };
    if !is_varname(name) {
        return Err(invalid_name(name));
    }
    let both = || ErrorKind::BothModifiers {
        expression: expression(),
        variable: spec.to_owned(),
    };
    let (explode, max_len) = match modifier.as_bytes().first() {
        None => (false, None),
        Some(b'*') if modifier.len() == 1 => (true, None),
        Some(b'*') if modifier.contains(':') => return Err(both()),
        Some(b'*') => return Err(invalid_name(spec)),
        Some(_) if modifier.contains('*') => return Err(both()),
        Some(_) => {
            let digits = &modifier[1..];
            let len = max_length(digits).ok_or_else(|| ErrorKind::InvalidPrefix {
                expression: expression(),
                prefix: digits.to_owned(),
            })?;
            (false, Some(len))
        }
    };
    Ok(VarSpec {
        name: name.to_owned(),
        explode,
        max_len,
    })
}

/// `varname = varchar *( ["."] varchar )`, `varchar = ALPHA / DIGIT / "_" / pct-encoded`.
fn is_varname(name: &str) -> bool {
    let bytes = name.as_bytes();
    // True at the start and after a `.`: a varchar must come next.
    let mut need_varchar = true;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' if !need_varchar => need_varchar = true,
            b if b.is_ascii_alphanumeric() || b == b'_' => need_varchar = false,
            b'%' if bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                need_varchar = false;
                i += 2;
            }
            _ => return false,
        }
        i += 1;
    }
    !need_varchar
}

/// `max-length = %x31-39 0*3DIGIT`: 1 to 9999, written without a leading zero.
fn max_length(digits: &str) -> Option<usize> {
    let valid = (1..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    valid.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_follow_section_2_3() {
        for name in [
            "a", "id", "user_id", "user.id", "a.b.c", "_", "9", "%41b", "a.%2E",
        ] {
            assert!(is_varname(name), "{name}");
        }
        for name in ["", ".a", "a.", "a..b", "a-b", "a b", "%4", "%zz", "é", "a%"] {
            assert!(!is_varname(name), "{name}");
        }
    }

    #[test]
    fn prefix_lengths_are_1_to_9999() {
        assert_eq!(max_length("1"), Some(1));
        assert_eq!(max_length("9999"), Some(9999));
        for bad in ["", "0", "03", "10000", "+3", "x", "3 "] {
            assert_eq!(max_length(bad), None, "{bad}");
        }
    }

    #[test]
    fn literal_characters() {
        for ok in [
            'a', 'Z', '0', '/', ':', '?', '#', '[', ']', '@', '!', '$', '&', '(', ')',
        ] {
            assert!(is_literal_char(ok), "{ok}");
        }
        for ok in [
            '*', '+', ',', ';', '=', '-', '.', '_', '~', 'é', '日', '\u{E000}',
        ] {
            assert!(is_literal_char(ok), "{ok}");
        }
        for bad in [
            ' ', '"', '\'', '%', '<', '>', '\\', '^', '`', '{', '|', '}', '\n',
        ] {
            assert!(!is_literal_char(bad), "{bad:?}");
        }
        for bad in [
            '\u{7F}',
            '\u{85}',
            '\u{FDD0}',
            '\u{FFFE}',
            '\u{1FFFF}',
            '\u{E0001}',
        ] {
            assert!(!is_literal_char(bad), "{bad:?}");
        }
    }
}
