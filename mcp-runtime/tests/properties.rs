//! Property tests: what the encoder writes, the decoder reads back unchanged; URI templates
//! match what RFC 6570 expansion produces for generated values (the RFC's own examples are
//! tested once, in mcp-uri-template/tests/rfc6570.rs).

use mcp_runtime::define::UriTemplate;
use mcp_runtime::protocol::{
    ErrorObject, Message, Notification, Payload, Request, RequestId, Response,
};
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `cases` cases; a failure prints its minimal input (nothing is written to the source tree).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- JSON-RPC ----------------------------------------------------------------------------

/// Any JSON value. Numbers are integers or binary fractions, which every JSON reader
/// reproduces exactly (arbitrary floats may differ in the last bit without serde_json's
/// `float_roundtrip`, which is not what is tested here).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (any::<i32>(), 0u32..10)
            .prop_map(|(n, k)| Value::from(f64::from(n) / f64::from(1u32 << k))),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((any::<String>(), json()), 0..6).prop_map(|kv| kv.into_iter().collect())
}

fn id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        any::<i64>().prop_map(RequestId::Number),
        any::<String>().prop_map(RequestId::String),
    ]
}

fn error_object() -> impl Strategy<Value = ErrorObject> {
    (any::<i64>(), any::<String>(), prop::option::of(json())).prop_map(|(code, message, data)| {
        ErrorObject {
            code,
            message,
            // `"data": null` and no data read the same; the encoder writes neither.
            data: data.filter(|d| !d.is_null()),
        }
    })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (id(), any::<String>(), prop::option::of(object()))
            .prop_map(|(id, m, p)| Message::Request(Request::new(id, m, p.as_ref()))),
        (any::<String>(), prop::option::of(object()))
            .prop_map(|(method, params)| Message::Notification(Notification { method, params })),
        (id(), json()).prop_map(|(id, v)| {
            let raw = serde_json::value::to_raw_value(&v).expect("a Value serializes");
            Message::Response(Response::result(id, raw))
        }),
        (prop::option::of(id()), error_object())
            .prop_map(|(id, e)| Message::Response(Response::error(id, e))),
    ]
}

/// The message as a JSON value: raw parameters and results keep their text, so messages
/// that went through different layouts compare as values.
fn as_value(m: &Message) -> Value {
    serde_json::from_slice(&m.to_json().expect("a message serializes")).expect("is JSON")
}

fn decode_one(bytes: &[u8]) -> Message {
    match Payload::decode(bytes) {
        Payload::Single(Ok(m)) => m,
        other => panic!(
            "{} did not decode to one message: {other:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// Every message the encoder writes decodes to the same message.
    #[test]
    fn encoded_messages_decode_unchanged(m in message()) {
        let bytes = m.to_json().expect("a message serializes");
        prop_assert_eq!(decode_one(&bytes), m);
    }

    /// The decoder reads what any JSON writer produces, whitespace and key order included
    /// (here serde_json's pretty printer, with the members reversed).
    #[test]
    fn messages_decode_whatever_their_layout(m in message()) {
        let Value::Object(members) = as_value(&m) else { panic!("a message is an object") };
        let reversed: Map<String, Value> = members.into_iter().rev().collect();
        let pretty = serde_json::to_vec_pretty(&reversed).expect("serializes");
        let decoded = decode_one(&pretty);
        prop_assert_eq!(as_value(&decoded), as_value(&m));
    }

    /// A batch of messages decodes to the same messages, in order.
    #[test]
    fn batches_decode_in_order(ms in prop::collection::vec(message(), 1..5)) {
        let items: Vec<Value> = ms.iter().map(as_value).collect();
        let bytes = serde_json::to_vec(&items).expect("serializes");
        let Payload::Batch(decoded) = Payload::decode(&bytes) else { panic!("not a batch") };
        prop_assert_eq!(decoded.len(), ms.len());
        for (d, m) in decoded.into_iter().zip(&ms) {
            prop_assert_eq!(as_value(&d.expect("each item decodes")), as_value(m));
        }
    }

    /// Arbitrary bytes never panic the decoder, and whatever it refuses carries a JSON-RPC
    /// error code from the standard range.
    #[test]
    fn arbitrary_bytes_decode_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let check = |r: &Result<Message, mcp_runtime::protocol::DecodeError>| match r {
            Ok(_) => true,
            Err(e) => [-32700, -32600].contains(&e.error.code),
        };
        match Payload::decode(&bytes) {
            Payload::Single(r) => prop_assert!(check(&r)),
            Payload::Batch(rs) => prop_assert!(rs.iter().all(check)),
        }
    }
}

// ---- URI templates -----------------------------------------------------------------------

/// RFC 6570 expansion of one value (section 3.2.1): unreserved characters stay, reserved
/// ones stay too for `+` and `#`, and every other byte of the UTF-8 form is percent-encoded.
fn encode(value: &str, allow_reserved: bool) -> String {
    let mut out = String::new();
    for &b in value.as_bytes() {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let reserved = b":/?#[]@!$&'()*+,;=".contains(&b);
        if unreserved || (allow_reserved && reserved) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Expands `template` (one of the shapes below) with `values`, as RFC 6570 section 3.2 says.
fn expand(op: char, names: &[&str], values: &BTreeMap<&str, String>) -> String {
    let (first, sep, named, ifemp, reserved) = match op {
        ' ' => ("", ",", false, "", false),
        '+' => ("", ",", false, "", true),
        '#' => ("#", ",", false, "", true),
        '.' => (".", ".", false, "", false),
        '/' => ("/", "/", false, "", false),
        ';' => (";", ";", true, "", false),
        '?' => ("?", "&", true, "=", false),
        '&' => ("&", "&", true, "=", false),
        _ => unreachable!("not an operator"),
    };
    let parts: Vec<String> = names
        .iter()
        .map(|n| {
            let v = encode(&values[n], reserved);
            match (named, v.is_empty()) {
                (false, _) => v,
                (true, true) => format!("{n}{ifemp}"),
                (true, false) => format!("{n}={v}"),
            }
        })
        .collect();
    format!("{first}{}", parts.join(sep))
}

/// Values for one variable: anything for the operators that encode every reserved
/// character; for `+` and `#`, which keep them, values without the characters that would
/// make the split ambiguous (`,` between variables) or that expansion passes through
/// (`%`, whose triplets RFC 6570 keeps as they are).
fn value(reserved: bool) -> BoxedStrategy<String> {
    if reserved {
        "[^,%#]{1,12}".boxed()
    } else {
        any::<String>()
            .prop_filter("non-empty", |s| !s.is_empty())
            .boxed()
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// For every level-3 operator, the URI that RFC 6570 expansion makes from a template
    /// and some values matches the template and binds those values again.
    #[test]
    fn expanded_uris_match_back_to_their_values(
        op in prop::sample::select(vec![' ', '+', '#', '.', '/', ';', '?', '&']),
        count in 1usize..=3,
        seed in prop::collection::vec((value(false), value(true)), 3),
        literal_after in prop::bool::ANY,
    ) {
        let names = ["alpha", "beta", "gamma"];
        let names = &names[..count];
        // `.` separates its variables with an unreserved character, so only the last one
        // may contain a dot; one variable keeps the property exact.
        let names = if op == '.' { &names[..1] } else { names };
        let reserved = matches!(op, '+' | '#');
        let values: BTreeMap<&str, String> = names
            .iter()
            .zip(&seed)
            .map(|(n, (plain, res))| (*n, if reserved { res.clone() } else { plain.clone() }))
            .collect();
        let opchar = if op == ' ' { String::new() } else { op.to_string() };
        let suffix = if literal_after { "/end" } else { "" };
        // A literal after a reserved expansion would be ambiguous when a value contains it.
        let suffix = if reserved && values.values().any(|v| v.contains("/end")) { "" } else { suffix };
        let template = format!("res://host/{{{opchar}{}}}{suffix}", names.join(","));
        let uri = format!("res://host/{}{suffix}", expand(op, names, &values));
        let parsed = UriTemplate::parse(&template).expect("the template parses");
        let bound = parsed.matches(&uri);
        let expected: Vec<(String, String)> =
            names.iter().map(|n| (n.to_string(), values[n].clone())).collect();
        prop_assert_eq!(bound, Some(expected), "`{}` against `{}`", uri, template);
    }
}

/// Found by the jsonrpc_decode fuzz target: without exact float parsing, a long number in
/// a notification's params read as a neighbouring float, and re-encoding changed it.
#[test]
fn long_numbers_decode_to_the_nearest_float() {
    let text = br#"{"jsonrpc":"2.0","method":"m","params":{"a":23333333333333333333333333333333333333333333333333333333333333333}}"#;
    let Message::Notification(n) = decode_one(text) else {
        panic!("a notification")
    };
    let a = n
        .params
        .as_ref()
        .and_then(|p| p["a"].as_f64())
        .expect("a number");
    assert_eq!(a, 2.3333333333333333e64_f64);
    let again = decode_one(
        &Message::Notification(n.clone())
            .to_json()
            .expect("serializes"),
    );
    assert_eq!(again, Message::Notification(n));
}
