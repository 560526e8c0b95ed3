//! Templates read backwards: which variables does a URI bind?

use crate::parse::{Op, Part, VarSpec};
use percent_encoding::percent_decode_str;
use std::collections::HashSet;

/// Bytes the matcher may examine for one URI (summed over every split it tries). Adjacent
/// expressions (`{a}{b}`) make the matcher try several splits; this bounds the work a
/// crafted URI can cause, and a URI that spends it does not match.
const MATCH_BUDGET: usize = 4 << 20;

pub(crate) fn matches(parts: &[Part], uri: &str) -> Option<Vec<(String, String)>> {
    let mut matcher = Matcher {
        #[cfg(feature = "tracing")]
        total: uri.len(),
        failed: HashSet::new(),
        budget: MATCH_BUDGET,
        out: Vec::new(),
    };
    matcher.parts(parts, uri).then_some(matcher.out)
}

/// Matching state: where the remaining parts already failed, and the work left.
struct Matcher {
    /// The length of the URI, for the log line of a match that gave up.
    #[cfg(feature = "tracing")]
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
                self.gave_up();
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

    fn gave_up(&self) {
        #[cfg(feature = "tracing")]
        tracing::debug!(
            uri_bytes = self.total,
            "URI-template match gave up: too much work"
        );
    }
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
    use crate::UriTemplate;

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
    fn dotted_names_bind_as_written() {
        assert_eq!(
            m("x://users/{user.id}", "x://users/7"),
            pairs(&[("user.id", "7")])
        );
        assert_eq!(
            m("x://find{?user.name}", "x://find?user.name=ann"),
            pairs(&[("user.name", "ann")])
        );
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
}
