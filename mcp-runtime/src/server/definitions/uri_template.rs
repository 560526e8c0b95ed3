//! RFC 6570 URI templates, read backwards: which variables does a URI bind?
//!
//! Supports every operator of level 3 (`{var}`, `{+var}`, `{#var}`, `{.var}`, `{/var}`,
//! `{;var}`, `{?var}`, `{&var}`) with several variables per expression, plus the
//! explode (`*`) and prefix (`:n`) modifiers of level 4.

use percent_encoding::percent_decode_str;
use std::collections::HashSet;
use std::fmt;

/// A parsed URI template.
#[derive(Clone, Debug, PartialEq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Literal(String),
    Expr { op: Op, vars: Vec<VarSpec> },
}

#[derive(Clone, Debug, PartialEq)]
struct VarSpec {
    name: String,
    explode: bool,
    max_len: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
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

    fn prefix(self) -> Option<char> {
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

    fn separator(self) -> char {
        match self {
            Op::Simple | Op::Reserved | Op::Fragment => ',',
            Op::Label => '.',
            Op::Path => '/',
            Op::PathParam => ';',
            Op::Query | Op::QueryCont => '&',
        }
    }

    fn named(self) -> bool {
        matches!(self, Op::PathParam | Op::Query | Op::QueryCont)
    }

    fn allows(self, b: u8) -> bool {
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

/// Why a template could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

impl UriTemplate {
    /// Parses a template such as `notes://{id}` or `file:///{+path}`.
    pub fn parse(source: &str) -> Result<UriTemplate, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find(['{', '}']) {
            if rest.as_bytes()[open] == b'}' {
                return Err(TemplateError(format!(
                    "unmatched `}}` in URI template `{source}`"
                )));
            }
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or_else(|| {
                TemplateError(format!("unclosed `{{` in URI template `{source}`"))
            })? + open;
            parts.push(parse_expr(&rest[open + 1..close], source)?);
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(UriTemplate {
            source: source.to_owned(),
            parts,
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

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|p| match p {
            Part::Expr { vars, .. } => vars.iter().map(|v| v.name.as_str()).collect(),
            Part::Literal(_) => Vec::new(),
        })
    }

    /// The variables a URI binds, percent-decoded, or `None` when it does not match.
    /// Variables that the URI leaves undefined (e.g. an absent `{?query}`) are not listed.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut matcher = Matcher {
            total: uri.len(),
            failed: HashSet::new(),
            budget: MATCH_BUDGET,
            out: Vec::new(),
        };
        matcher.parts(&self.parts, uri).then_some(matcher.out)
    }
}

/// Bytes the matcher may examine for one URI (summed over every split it tries). Adjacent
/// expressions (`{a}{b}`) make the matcher try several splits; this bounds the work a
/// crafted URI can cause, and a URI that spends it does not match.
const MATCH_BUDGET: usize = 4 << 20;

/// Matching state: where the remaining parts already failed, and the work left.
struct Matcher {
    total: usize,
    /// (parts left, bytes of the URI left) that cannot match: the outcome does not depend
    /// on what was bound before, so no state is tried twice.
    failed: HashSet<(usize, usize)>,
    budget: usize,
    out: Vec<(String, String)>,
}

impl Matcher {
    fn parts(&mut self, parts: &[Part], s: &str) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return s.is_empty();
        };
        let state = (parts.len(), s.len());
        if self.failed.contains(&state) {
            return false;
        }
        let matched = match first {
            Part::Literal(lit) => s
                .strip_prefix(lit.as_str())
                .is_some_and(|s| self.parts(rest, s)),
            Part::Expr { op, vars } => self.expr(*op, vars, rest, s),
        };
        if !matched {
            self.failed.insert(state);
        }
        matched
    }

    fn expr(&mut self, op: Op, vars: &[VarSpec], rest: &[Part], s: &str) -> bool {
        let max = s.bytes().position(|b| !op.allows(b)).unwrap_or(s.len());
        for end in (0..=max).rev().filter(|&e| s.is_char_boundary(e)) {
            // Only splits where what follows can start: the end of the URI for the last
            // part, the next literal's text otherwise.
            let plausible = match rest.first() {
                None => end == s.len(),
                Some(Part::Literal(lit)) => s[end..].starts_with(lit.as_str()),
                Some(Part::Expr { .. }) => true,
            };
            if !plausible {
                continue;
            }
            let Some(budget) = self.budget.checked_sub(end.max(1)) else {
                tracing::debug!(
                    uri_bytes = self.total,
                    "URI-template match gave up: too much work"
                );
                return false;
            };
            self.budget = budget;
            let mark = self.out.len();
            if bind_expr(op, vars, &s[..end], &mut self.out) && self.parts(rest, &s[end..]) {
                return true;
            }
            self.out.truncate(mark);
        }
        false
    }
}

fn parse_expr(body: &str, source: &str) -> Result<Part, TemplateError> {
    let err = |what: String| TemplateError(format!("{what} in URI template `{source}`"));
    let (op, list) = match body.chars().next().and_then(Op::from_char) {
        Some(op) => (op, &body[1..]),
        None => (Op::Simple, body),
    };
    let mut vars = Vec::new();
    for spec in list.split(',') {
        let (name, explode, max_len) = if let Some(name) = spec.strip_suffix('*') {
            (name, true, None)
        } else if let Some((name, len)) = spec.split_once(':') {
            let len = len
                .parse::<usize>()
                .ok()
                .filter(|n| (1..10000).contains(n))
                .ok_or_else(|| err(format!("invalid prefix length `{len}`")))?;
            (name, false, Some(len))
        } else {
            (spec, false, None)
        };
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !valid {
            return Err(err(format!(
                "invalid variable name `{name}` in `{{{body}}}`"
            )));
        }
        vars.push(VarSpec {
            name: name.to_owned(),
            explode,
            max_len,
        });
    }
    Ok(Part::Expr { op, vars })
}

fn bind_expr(op: Op, vars: &[VarSpec], text: &str, out: &mut Vec<(String, String)>) -> bool {
    let body = match op.prefix() {
        None if text.is_empty() => return false,
        None => text,
        Some(_) if text.is_empty() => return true,
        Some(p) => match text.strip_prefix(p) {
            Some(body) => body,
            None => return false,
        },
    };
    let sep = op.separator();
    if op.named() {
        return body.split(sep).all(|item| {
            let (name, value) = item.split_once('=').unwrap_or((item, ""));
            vars.iter()
                .find(|v| v.name == name)
                .is_some_and(|v| push(v, value, out))
        });
    }
    // Where expansion leaves the separator unencoded inside a value (`.` is unreserved,
    // and `,` joins list items and stays as it is under `+` and `#`), the last variable
    // takes the rest. `/`, by contrast, is always encoded inside a `{/var}` value.
    let items: Vec<&str> = match op {
        Op::Simple | Op::Reserved | Op::Fragment | Op::Label => {
            body.splitn(vars.len(), sep).collect()
        }
        _ => body.split(sep).collect(),
    };
    for (i, var) in vars.iter().enumerate() {
        let Some(item) = items.get(i) else {
            return true;
        };
        let value = if var.explode && i == vars.len() - 1 {
            items[i..].join(&sep.to_string())
        } else {
            (*item).to_owned()
        };
        if !push(var, &value, out) {
            return false;
        }
    }
    items.len() <= vars.len() || vars.last().is_some_and(|v| v.explode)
}

fn push(var: &VarSpec, raw: &str, out: &mut Vec<(String, String)>) -> bool {
    let Ok(value) = percent_decode_str(raw).decode_utf8() else {
        return false;
    };
    if var.max_len.is_some_and(|n| value.chars().count() > n) {
        return false;
    }
    out.push((var.name.clone(), value.into_owned()));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(template).unwrap().matches(uri)
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn simple_variables() {
        assert_eq!(m("notes://{id}", "notes://42"), pairs(&[("id", "42")]));
        assert_eq!(m("notes://{id}", "notes://a%20b"), pairs(&[("id", "a b")]));
        assert_eq!(m("notes://{id}", "notes://a/b"), None);
        assert_eq!(m("notes://{id}", "notes://"), None);
        assert_eq!(m("notes://{id}", "other://1"), None);
        assert_eq!(
            m("test://template/{id}/data", "test://template/7/data"),
            pairs(&[("id", "7")])
        );
        assert_eq!(
            m("x://{a},{b}", "x://1,2"),
            pairs(&[("a", "1"), ("b", "2")])
        );
        assert_eq!(m("x://{a,b}", "x://1,2"), pairs(&[("a", "1"), ("b", "2")]));
    }

    #[test]
    fn reserved_and_operators() {
        assert_eq!(
            m("file:///{+path}", "file:///a/b/c.txt"),
            pairs(&[("path", "a/b/c.txt")])
        );
        assert_eq!(
            m("x://s{/seg,rest}", "x://s/one/two"),
            pairs(&[("seg", "one"), ("rest", "two")])
        );
        assert_eq!(m("x://f{.ext}", "x://f.md"), pairs(&[("ext", "md")]));
        // `.` is unreserved, so a label value keeps its dots (found by the property tests).
        assert_eq!(
            m("x://f{.ext}", "x://f.tar.gz"),
            pairs(&[("ext", "tar.gz")])
        );
        assert_eq!(m("x://f{.ext}", "x://f.."), pairs(&[("ext", ".")]));
        assert_eq!(m("x://s{/seg}", "x://s/one/two"), None);
        assert_eq!(
            m("x://search{?q,lang}", "x://search?q=rust&lang=en"),
            pairs(&[("q", "rust"), ("lang", "en")])
        );
        assert_eq!(m("x://search{?q,lang}", "x://search"), pairs(&[]));
        assert_eq!(m("x://search{?q}", "x://search?zz=1"), None);
        assert_eq!(m("x://p{#frag}", "x://p#a/b"), pairs(&[("frag", "a/b")]));
        assert_eq!(m("x://{id:3}", "x://abcd"), None);
    }

    #[test]
    fn adjacent_expressions_cannot_make_matching_explode() {
        // Found by the uri_template fuzz target: each adjacent expression multiplied the
        // splits tried, exponentially in their number.
        let t = UriTemplate::parse("x://{/a*}{+b*}{c*}{+d}{+e*}/{f*}{+g*}{h}").unwrap();
        let uri = format!("x:///n{},e:///ax/x::", "X".repeat(20_000));
        // Without the memo and the budget this call runs for hours.
        assert_eq!(t.matches(&uri), None);
        // Splits are still tried from the longest first.
        assert_eq!(
            m("x://{a}{b}", "x://xyz"),
            pairs(&[("a", "xy"), ("b", "z")])
        );
        assert_eq!(
            m("x://{a}-{b}", "x://p-q-r"),
            pairs(&[("a", "p-q"), ("b", "r")])
        );
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
}
