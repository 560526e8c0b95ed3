//! A tool call's arguments, kept as the JSON text they arrived as and read one argument
//! at a time straight into its type: no `Value` tree is built for them.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// The arguments of a `tools/call`: a JSON object, read by name.
///
/// `#[tool]` functions never see it (their parameters are read from it); a tool built by
/// hand with [`ToolDef::new`](crate::define::ToolDef::new) gets it:
///
/// ```
/// # use mcp_runtime::define::ToolArguments;
/// let args = ToolArguments::parse(r#"{"text": "hi", "times": 2}"#).unwrap();
/// assert_eq!(args.get::<String>("text").unwrap(), "hi");
/// assert_eq!(args.get::<Option<u32>>("missing").unwrap(), None);
/// assert!(args.get::<u32>("text").is_err());
/// ```
#[derive(Clone, Default)]
pub struct ToolArguments {
    /// The object's JSON text (empty for no arguments).
    text: Box<str>,
    /// Each member, in order: its name, and where its value is in `text`.
    members: Vec<(Name, Range<usize>)>,
}

#[derive(Clone)]
enum Name {
    /// Where the name is in `text` (it had no escapes).
    Span(Range<usize>),
    /// The unescaped name.
    Owned(String),
}

impl ToolArguments {
    /// Reads a JSON object; anything else is an error.
    pub fn parse(text: impl Into<Box<str>>) -> Result<ToolArguments, serde_json::Error> {
        let text: Box<str> = text.into();
        let members = Spans::of(&text, serde_json::from_str(&text)?)?;
        Ok(ToolArguments::from_spans(text, members))
    }

    /// The arguments whose members `spans` found in `text` (which may hold more than the
    /// arguments object, e.g. all of a request's parameters).
    pub(crate) fn from_spans(text: Box<str>, Spans(members): Spans) -> ToolArguments {
        ToolArguments { text, members }
    }

    /// The arguments in `map`.
    pub fn from_map(map: &Map<String, Value>) -> ToolArguments {
        // A map of JSON values always serializes, and always to an object.
        serde_json::to_string(map)
            .ok()
            .and_then(|text| ToolArguments::parse(text).ok())
            .unwrap_or_default()
    }

    /// The arguments as a map.
    pub fn to_map(&self) -> Map<String, Value> {
        self.names()
            .zip(self.members.iter())
            .filter_map(|(name, (_, value))| {
                let value = serde_json::from_str(&self.text[value.clone()]).ok()?;
                Some((name.to_owned(), value))
            })
            .collect()
    }

    /// How many arguments were given.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when no argument was given.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The names given, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(name, _)| self.name(name))
    }

    /// The JSON text of argument `name` (the last one, if the name is repeated).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .rev()
            .find(|(n, _)| self.name(n) == name)
            .map(|(_, value)| &self.text[value.clone()])
    }

    /// Argument `name` as a `T`. A missing argument reads as `null`, so an `Option` is
    /// `None` and anything else is an error that names the argument.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        match self.raw(name) {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| format!("invalid value for argument `{name}`: {}", message(&e))),
            None => serde_json::from_str("null")
                .map_err(|_| format!("missing required argument `{name}`")),
        }
    }

    fn name<'a>(&'a self, name: &'a Name) -> &'a str {
        match name {
            Name::Span(span) => &self.text[span.clone()],
            Name::Owned(s) => s,
        }
    }
}

impl fmt::Debug for ToolArguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.names()
                    .zip(&self.members)
                    .map(|(name, (_, value))| (name, &self.text[value.clone()])),
            )
            .finish()
    }
}

/// serde_json's message without the position it appends (the position is within one
/// argument's text, which tells the reader nothing).
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(stripped) => stripped.to_owned(),
        None => text,
    }
}

/// The members of an object, borrowed from its text.
pub(crate) struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

/// Where the members of an object are within a text that holds it.
pub(crate) struct Spans(Vec<(Name, Range<usize>)>);

impl Spans {
    /// The spans of `found`, borrowed from `text`.
    pub(crate) fn of(text: &str, Members(found): Members<'_>) -> Result<Spans, serde_json::Error> {
        let base = text.as_ptr() as usize;
        // Offsets of the borrowed slices within `text`: integer arithmetic on addresses,
        // no unsafe. (Borrowed slices always lie within `text`; the checks keep that an
        // error rather than a panic if it ever did not.)
        let span = |s: &str| {
            let start = (s.as_ptr() as usize).checked_sub(base)?;
            let end = start.checked_add(s.len())?;
            (end <= text.len()).then_some(start..end)
        };
        let outside = || serde::de::Error::custom("an argument outside the arguments' text");
        let mut members = Vec::with_capacity(found.len());
        for (name, value) in found {
            let name = match name {
                Cow::Borrowed(s) => Name::Span(span(s).ok_or_else(outside)?),
                Cow::Owned(s) => Name::Owned(s),
            };
            members.push((name, span(value.get()).ok_or_else(outside)?));
        }
        Ok(Spans(members))
    }
}

/// A member's name: borrowed unless it had escapes.
struct MemberName<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(s)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((MemberName(name), value)) = map.next_entry::<_, &RawValue>()? {
                    members.push((name, value));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_arguments_by_name() {
        let args =
            ToolArguments::parse(r#" { "a" : 2, "b\u0062": [1, {"x": null}], "s": "t\"" } "#)
                .unwrap();
        assert_eq!(args.len(), 3);
        assert_eq!(args.names().collect::<Vec<_>>(), ["a", "bb", "s"]);
        assert_eq!(args.get::<i64>("a").unwrap(), 2);
        assert_eq!(args.raw("bb"), Some(r#"[1, {"x": null}]"#));
        assert_eq!(args.get::<String>("s").unwrap(), "t\"");
        assert_eq!(args.get::<Option<i64>>("none").unwrap(), None);
        assert_eq!(
            args.get::<i64>("none").unwrap_err(),
            "missing required argument `none`"
        );
        assert_eq!(
            args.get::<i64>("s").unwrap_err(),
            "invalid value for argument `s`: invalid type: string \"t\\\"\", expected i64"
        );
        assert_eq!(
            args.to_map(),
            json!({ "a": 2, "bb": [1, { "x": null }], "s": "t\"" })
                .as_object()
                .cloned()
                .unwrap()
        );
    }

    #[test]
    fn the_last_of_a_repeated_name_wins_as_in_a_map() {
        let args = ToolArguments::parse(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(args.get::<i64>("a").unwrap(), 2);
    }

    #[test]
    fn only_an_object_is_arguments() {
        for text in ["[1]", "1", "\"a\"", "null", "{", ""] {
            assert!(ToolArguments::parse(text).is_err(), "{text}");
        }
        assert!(ToolArguments::parse("{}").unwrap().is_empty());
        let map = json!({ "k": { "deep": true } })
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(ToolArguments::from_map(&map).to_map(), map);
    }
}
