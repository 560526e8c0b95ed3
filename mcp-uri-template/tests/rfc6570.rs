//! RFC 6570's own examples, read backwards: every template of sections 1.2 and 3.2
//! parses, and matching its expansion gives back the variables that made it, wherever only
//! one set of variables expands to that URI. Templates outside the grammar are refused.

use mcp_uri_template::UriTemplate;

/// The string variables of sections 1.2 and 3.2 (`count`, `dom`, `list`, `keys` and
/// `empty_keys` are lists and associative arrays, and `undef` is undefined).
const VARS: &[(&str, &str)] = &[
    ("base", "http://example.com/home/"),
    ("dub", "me/too"),
    ("empty", ""),
    ("half", "50%"),
    ("hello", "Hello World!"),
    ("path", "/foo/bar"),
    ("v", "6"),
    ("var", "value"),
    ("who", "fred"),
    ("x", "1024"),
    ("y", "768"),
];

/// What matching an example's expansion must give.
enum Expect {
    /// Exactly these variables, each with its value from [`VARS`], in order; `name:n` for
    /// the first n characters of the value (a prefix modifier).
    Binds(&'static [&'static str]),
    /// Other values expand to the same URI, so no answer is the right one: a list and a
    /// string of its items joined by `,` (`{list}`), an empty value and an undefined one
    /// (`O{empty}X`), two ways to split adjacent expressions (`{+path}{var}`), or which
    /// of two variables an undefined one left out (`?{x,undef}`). Only checked to parse,
    /// and to bind nothing but the template's variables if it matches.
    Ambiguous,
}

use Expect::{Ambiguous, Binds};

/// Section 1.2, the examples of each level.
const SECTION_1_2: &[(&str, &str, Expect)] = &[
    // Level 1
    ("{var}", "value", Binds(&["var"])),
    ("{hello}", "Hello%20World%21", Binds(&["hello"])),
    // Level 2
    ("{+var}", "value", Binds(&["var"])),
    ("{+hello}", "Hello%20World!", Binds(&["hello"])),
    ("{+path}/here", "/foo/bar/here", Binds(&["path"])),
    ("here?ref={+path}", "here?ref=/foo/bar", Binds(&["path"])),
    ("X{#var}", "X#value", Binds(&["var"])),
    ("X{#hello}", "X#Hello%20World!", Binds(&["hello"])),
    // Level 3
    ("map?{x,y}", "map?1024,768", Binds(&["x", "y"])),
    (
        "{x,hello,y}",
        "1024,Hello%20World%21,768",
        Binds(&["x", "hello", "y"]),
    ),
    (
        "{+x,hello,y}",
        "1024,Hello%20World!,768",
        Binds(&["x", "hello", "y"]),
    ),
    (
        "{+path,x}/here",
        "/foo/bar,1024/here",
        Binds(&["path", "x"]),
    ),
    (
        "{#x,hello,y}",
        "#1024,Hello%20World!,768",
        Binds(&["x", "hello", "y"]),
    ),
    (
        "{#path,x}/here",
        "#/foo/bar,1024/here",
        Binds(&["path", "x"]),
    ),
    ("X{.var}", "X.value", Binds(&["var"])),
    ("X{.x,y}", "X.1024.768", Binds(&["x", "y"])),
    ("{/var}", "/value", Binds(&["var"])),
    ("{/var,x}/here", "/value/1024/here", Binds(&["var", "x"])),
    ("{;x,y}", ";x=1024;y=768", Binds(&["x", "y"])),
    (
        "{;x,y,empty}",
        ";x=1024;y=768;empty",
        Binds(&["x", "y", "empty"]),
    ),
    ("{?x,y}", "?x=1024&y=768", Binds(&["x", "y"])),
    (
        "{?x,y,empty}",
        "?x=1024&y=768&empty=",
        Binds(&["x", "y", "empty"]),
    ),
    ("?fixed=yes{&x}", "?fixed=yes&x=1024", Binds(&["x"])),
    (
        "{&x,y,empty}",
        "&x=1024&y=768&empty=",
        Binds(&["x", "y", "empty"]),
    ),
    // Level 4
    ("{var:3}", "val", Binds(&["var:3"])),
    ("{var:30}", "value", Binds(&["var:30"])),
    ("{list}", "red,green,blue", Ambiguous),
    ("{list*}", "red,green,blue", Ambiguous),
    ("{keys}", "semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{keys*}", "semi=%3B,dot=.,comma=%2C", Ambiguous),
    ("{+path:6}/here", "/foo/b/here", Binds(&["path:6"])),
    ("{+list}", "red,green,blue", Ambiguous),
    ("{+list*}", "red,green,blue", Ambiguous),
    ("{+keys}", "semi,;,dot,.,comma,,", Ambiguous),
    ("{+keys*}", "semi=;,dot=.,comma=,", Ambiguous),
    ("{#path:6}/here", "#/foo/b/here", Binds(&["path:6"])),
    ("{#list}", "#red,green,blue", Ambiguous),
    ("{#list*}", "#red,green,blue", Ambiguous),
    ("{#keys}", "#semi,;,dot,.,comma,,", Ambiguous),
    ("{#keys*}", "#semi=;,dot=.,comma=,", Ambiguous),
    ("X{.var:3}", "X.val", Binds(&["var:3"])),
    ("X{.list}", "X.red,green,blue", Ambiguous),
    ("X{.list*}", "X.red.green.blue", Ambiguous),
    ("X{.keys}", "X.semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("X{.keys*}", "X.semi=%3B.dot=..comma=%2C", Ambiguous),
    ("{/var:1,var}", "/v/value", Binds(&["var:1", "var"])),
    ("{/list}", "/red,green,blue", Ambiguous),
    ("{/list*}", "/red/green/blue", Ambiguous),
    ("{/list*,path:4}", "/red/green/blue/%2Ffoo", Ambiguous),
    ("{/keys}", "/semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{/keys*}", "/semi=%3B/dot=./comma=%2C", Ambiguous),
    ("{;hello:5}", ";hello=Hello", Binds(&["hello:5"])),
    ("{;list}", ";list=red,green,blue", Ambiguous),
    ("{;list*}", ";list=red;list=green;list=blue", Ambiguous),
    ("{;keys}", ";keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{;keys*}", ";semi=%3B;dot=.;comma=%2C", Ambiguous),
    ("{?var:3}", "?var=val", Binds(&["var:3"])),
    ("{?list}", "?list=red,green,blue", Ambiguous),
    ("{?list*}", "?list=red&list=green&list=blue", Ambiguous),
    ("{?keys}", "?keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{?keys*}", "?semi=%3B&dot=.&comma=%2C", Ambiguous),
    ("{&var:3}", "&var=val", Binds(&["var:3"])),
    ("{&list}", "&list=red,green,blue", Ambiguous),
    ("{&list*}", "&list=red&list=green&list=blue", Ambiguous),
    ("{&keys}", "&keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{&keys*}", "&semi=%3B&dot=.&comma=%2C", Ambiguous),
];

/// Section 3.2, the examples of each operator (3.2.1 to 3.2.9).
const SECTION_3_2: &[(&str, &str, Expect)] = &[
    // 3.2.1 Variable Expansion
    ("{count}", "one,two,three", Ambiguous),
    ("{count*}", "one,two,three", Ambiguous),
    ("{/count}", "/one,two,three", Ambiguous),
    ("{/count*}", "/one/two/three", Ambiguous),
    ("{;count}", ";count=one,two,three", Ambiguous),
    ("{;count*}", ";count=one;count=two;count=three", Ambiguous),
    ("{?count}", "?count=one,two,three", Ambiguous),
    ("{?count*}", "?count=one&count=two&count=three", Ambiguous),
    ("{&count*}", "&count=one&count=two&count=three", Ambiguous),
    // 3.2.2 Simple String Expansion
    ("{var}", "value", Binds(&["var"])),
    ("{hello}", "Hello%20World%21", Binds(&["hello"])),
    ("{half}", "50%25", Binds(&["half"])),
    ("O{empty}X", "OX", Ambiguous),
    ("O{undef}X", "OX", Ambiguous),
    ("{x,y}", "1024,768", Binds(&["x", "y"])),
    (
        "{x,hello,y}",
        "1024,Hello%20World%21,768",
        Binds(&["x", "hello", "y"]),
    ),
    ("?{x,empty}", "?1024,", Binds(&["x", "empty"])),
    ("?{x,undef}", "?1024", Ambiguous),
    ("?{undef,y}", "?768", Ambiguous),
    ("{var:3}", "val", Binds(&["var:3"])),
    ("{var:30}", "value", Binds(&["var:30"])),
    ("{list}", "red,green,blue", Ambiguous),
    ("{list*}", "red,green,blue", Ambiguous),
    ("{keys}", "semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{keys*}", "semi=%3B,dot=.,comma=%2C", Ambiguous),
    // 3.2.3 Reserved Expansion
    ("{+var}", "value", Binds(&["var"])),
    ("{+hello}", "Hello%20World!", Binds(&["hello"])),
    ("{+half}", "50%25", Binds(&["half"])),
    (
        "{base}index",
        "http%3A%2F%2Fexample.com%2Fhome%2Findex",
        Binds(&["base"]),
    ),
    (
        "{+base}index",
        "http://example.com/home/index",
        Binds(&["base"]),
    ),
    ("O{+empty}X", "OX", Ambiguous),
    ("O{+undef}X", "OX", Ambiguous),
    ("{+path}/here", "/foo/bar/here", Binds(&["path"])),
    ("here?ref={+path}", "here?ref=/foo/bar", Binds(&["path"])),
    ("up{+path}{var}/here", "up/foo/barvalue/here", Ambiguous),
    (
        "{+x,hello,y}",
        "1024,Hello%20World!,768",
        Binds(&["x", "hello", "y"]),
    ),
    (
        "{+path,x}/here",
        "/foo/bar,1024/here",
        Binds(&["path", "x"]),
    ),
    ("{+path:6}/here", "/foo/b/here", Binds(&["path:6"])),
    ("{+list}", "red,green,blue", Ambiguous),
    ("{+list*}", "red,green,blue", Ambiguous),
    ("{+keys}", "semi,;,dot,.,comma,,", Ambiguous),
    ("{+keys*}", "semi=;,dot=.,comma=,", Ambiguous),
    // 3.2.4 Fragment Expansion
    ("{#var}", "#value", Binds(&["var"])),
    ("{#hello}", "#Hello%20World!", Binds(&["hello"])),
    ("{#half}", "#50%25", Binds(&["half"])),
    ("foo{#empty}", "foo#", Binds(&["empty"])),
    ("foo{#undef}", "foo", Binds(&[])),
    (
        "{#x,hello,y}",
        "#1024,Hello%20World!,768",
        Binds(&["x", "hello", "y"]),
    ),
    (
        "{#path,x}/here",
        "#/foo/bar,1024/here",
        Binds(&["path", "x"]),
    ),
    ("{#path:6}/here", "#/foo/b/here", Binds(&["path:6"])),
    ("{#list}", "#red,green,blue", Ambiguous),
    ("{#list*}", "#red,green,blue", Ambiguous),
    ("{#keys}", "#semi,;,dot,.,comma,,", Ambiguous),
    ("{#keys*}", "#semi=;,dot=.,comma=,", Ambiguous),
    // 3.2.5 Label Expansion with Dot-Prefix
    ("{.who}", ".fred", Binds(&["who"])),
    ("{.who,who}", ".fred.fred", Binds(&["who", "who"])),
    ("{.half,who}", ".50%25.fred", Binds(&["half", "who"])),
    ("www{.dom*}", "www.example.com", Ambiguous),
    ("X{.var}", "X.value", Binds(&["var"])),
    ("X{.empty}", "X.", Binds(&["empty"])),
    ("X{.undef}", "X", Binds(&[])),
    ("X{.var:3}", "X.val", Binds(&["var:3"])),
    ("X{.list}", "X.red,green,blue", Ambiguous),
    ("X{.list*}", "X.red.green.blue", Ambiguous),
    ("X{.keys}", "X.semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("X{.keys*}", "X.semi=%3B.dot=..comma=%2C", Ambiguous),
    ("X{.empty_keys}", "X", Ambiguous),
    ("X{.empty_keys*}", "X", Ambiguous),
    // 3.2.6 Path Segment Expansion
    ("{/who}", "/fred", Binds(&["who"])),
    ("{/who,who}", "/fred/fred", Binds(&["who", "who"])),
    ("{/half,who}", "/50%25/fred", Binds(&["half", "who"])),
    ("{/who,dub}", "/fred/me%2Ftoo", Binds(&["who", "dub"])),
    ("{/var}", "/value", Binds(&["var"])),
    ("{/var,empty}", "/value/", Binds(&["var", "empty"])),
    ("{/var,undef}", "/value", Ambiguous),
    ("{/var,x}/here", "/value/1024/here", Binds(&["var", "x"])),
    ("{/var:1,var}", "/v/value", Binds(&["var:1", "var"])),
    ("{/list}", "/red,green,blue", Ambiguous),
    ("{/list*}", "/red/green/blue", Ambiguous),
    ("{/list*,path:4}", "/red/green/blue/%2Ffoo", Ambiguous),
    ("{/keys}", "/semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{/keys*}", "/semi=%3B/dot=./comma=%2C", Ambiguous),
    // 3.2.7 Path-Style Parameter Expansion
    ("{;who}", ";who=fred", Binds(&["who"])),
    ("{;half}", ";half=50%25", Binds(&["half"])),
    ("{;empty}", ";empty", Binds(&["empty"])),
    (
        "{;v,empty,who}",
        ";v=6;empty;who=fred",
        Binds(&["v", "empty", "who"]),
    ),
    ("{;v,bar,who}", ";v=6;who=fred", Binds(&["v", "who"])),
    ("{;x,y}", ";x=1024;y=768", Binds(&["x", "y"])),
    (
        "{;x,y,empty}",
        ";x=1024;y=768;empty",
        Binds(&["x", "y", "empty"]),
    ),
    ("{;x,y,undef}", ";x=1024;y=768", Binds(&["x", "y"])),
    ("{;hello:5}", ";hello=Hello", Binds(&["hello:5"])),
    ("{;list}", ";list=red,green,blue", Ambiguous),
    ("{;list*}", ";list=red;list=green;list=blue", Ambiguous),
    ("{;keys}", ";keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{;keys*}", ";semi=%3B;dot=.;comma=%2C", Ambiguous),
    // 3.2.8 Form-Style Query Expansion
    ("{?who}", "?who=fred", Binds(&["who"])),
    ("{?half}", "?half=50%25", Binds(&["half"])),
    ("{?x,y}", "?x=1024&y=768", Binds(&["x", "y"])),
    (
        "{?x,y,empty}",
        "?x=1024&y=768&empty=",
        Binds(&["x", "y", "empty"]),
    ),
    ("{?x,y,undef}", "?x=1024&y=768", Binds(&["x", "y"])),
    ("{?var:3}", "?var=val", Binds(&["var:3"])),
    ("{?list}", "?list=red,green,blue", Ambiguous),
    ("{?list*}", "?list=red&list=green&list=blue", Ambiguous),
    ("{?keys}", "?keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{?keys*}", "?semi=%3B&dot=.&comma=%2C", Ambiguous),
    // 3.2.9 Form-Style Query Continuation
    ("{&who}", "&who=fred", Binds(&["who"])),
    ("{&half}", "&half=50%25", Binds(&["half"])),
    ("?fixed=yes{&x}", "?fixed=yes&x=1024", Binds(&["x"])),
    (
        "{&x,y,empty}",
        "&x=1024&y=768&empty=",
        Binds(&["x", "y", "empty"]),
    ),
    ("{&x,y,undef}", "&x=1024&y=768", Binds(&["x", "y"])),
    ("{&var:3}", "&var=val", Binds(&["var:3"])),
    ("{&list}", "&list=red,green,blue", Ambiguous),
    ("{&list*}", "&list=red&list=green&list=blue", Ambiguous),
    ("{&keys}", "&keys=semi,%3B,dot,.,comma,%2C", Ambiguous),
    ("{&keys*}", "&semi=%3B&dot=.&comma=%2C", Ambiguous),
];

/// `name` or `name:n` with its value from [`VARS`], cut to n characters.
fn binding(spec: &str) -> (String, String) {
    let (name, limit) = match spec.split_once(':') {
        Some((name, n)) => (name, n.parse().expect("a prefix length")),
        None => (spec, usize::MAX),
    };
    let value = VARS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("`{name}` is not a string variable of RFC 6570"));
    (name.to_owned(), value.chars().take(limit).collect())
}

fn check(section: &str, examples: &[(&str, &str, Expect)]) {
    for (template, uri, expect) in examples {
        let parsed = UriTemplate::parse(template)
            .unwrap_or_else(|e| panic!("{section}: RFC 6570's `{template}` is refused: {e}"));
        let bound = parsed.matches(uri);
        match expect {
            Binds(specs) => {
                let expected: Vec<_> = specs.iter().map(|s| binding(s)).collect();
                assert_eq!(
                    bound,
                    Some(expected),
                    "{section}: `{uri}` against `{template}`"
                );
            }
            Ambiguous => {
                let names: Vec<&str> = parsed.variables().collect();
                for (name, _) in bound.iter().flatten() {
                    assert!(
                        names.contains(&name.as_str()),
                        "{section}: `{uri}` against `{template}` binds `{name}`"
                    );
                }
            }
        }
    }
}

#[test]
fn section_1_2_examples_match_back_to_their_variables() {
    check("1.2", SECTION_1_2);
}

#[test]
fn section_3_2_examples_match_back_to_their_variables() {
    check("3.2", SECTION_3_2);
}

/// The URIs of some examples with one literal changed: no match.
#[test]
fn uris_that_differ_in_a_literal_do_not_match() {
    for (template, uri) in [
        ("{+path}/here", "/foo/bar/there"),
        ("here?ref={+path}", "there?ref=/foo"),
        ("X{.var}", "Y.value"),
        ("?fixed=yes{&x}", "?fixed=no&x=1024"),
        ("{;x,y}", "?x=1024"),
        ("{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Fother"),
    ] {
        let parsed = UriTemplate::parse(template).expect("parses");
        assert_eq!(parsed.matches(uri), None, "`{uri}` against `{template}`");
    }
}

/// Templates outside the grammar of section 2; most are the negative tests of the
/// uritemplate-test suite that fail on syntax alone.
#[test]
fn refuses_what_is_not_a_template() {
    for template in [
        // Braces (2.2).
        "{/id*",
        "/id*}",
        "/sparql{?query){&default-graph-uri*}",
        "{}",
        // Operators: reserved for extensions (2.2), or not operators at all.
        "{!hello}",
        "{=path}",
        "{|var*}",
        "{@x}",
        "{,x}",
        "{$var}",
        "{??hello}",
        "{/?id}",
        "/people/{~thing}",
        // Variable names (2.3).
        "{?empty=default,var}",
        "{var}{-prefix|/-/|var}",
        "?{-join|&|var,list}",
        "x{?empty|foo=none}",
        "/h{#hello+}",
        "/h#{hello+}",
        "/resolution{?x, y}",
        "{a b}",
        "{x,}",
        "{a..b}",
        "{a.}",
        "{.a.}",
        "{%zz}",
        "{*keys?}",
        // Modifiers (2.4): a prefix is 1 to 9999, and a variable takes one modifier.
        "{var:prefix}",
        "?q={searchTerms}&amp;c={example:color?}",
        "{var:0}",
        "{var:01}",
        "{var:10000}",
        "{hello:2*}",
        "{list*:2}",
        // Literals (2.1).
        "a b{x}",
        "100%{x}",
        "<{x}>",
        "{x}\"",
        "{x}|{y}",
        "x\\y",
    ] {
        assert!(
            UriTemplate::parse(template).is_err(),
            "`{template}` is not a template, but parses"
        );
    }
}

/// What the grammar allows even though it looks odd.
#[test]
fn accepts_every_template_of_the_grammar() {
    for template in [
        "{a.b}",
        "{%41}",
        "{_}",
        "{9}",
        "{keys:1}",
        "{var:9999}",
        "/vars/:var",
        "x://café/{id}",
        "x://a%20b/{id}",
        "{a,b,c}",
        "",
    ] {
        assert!(
            UriTemplate::parse(template).is_ok(),
            "`{template}` is a template, but is refused"
        );
    }
}
