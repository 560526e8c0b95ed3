//! A server built in the test, reached in memory through the public `Client`: tools,
//! resources, prompts, shared state, configuration errors, version negotiation and
//! JSON-RPC errors. Every message the server sends is checked against the official
//! schema when `MCP_SPEC_DIR` is set (see `common`).

mod common;

use common::{Mcp, Spec, assert_conforms, assert_valid_schema, check_server_message, rpc_error};
use mcp_runtime::Limits;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{ErrorCode, ProtocolVersion};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

// ----- tools -----------------------------------------------------------------------------

/// Add two integers.
#[tool(read_only)]
fn add(
    /// The left operand.
    a: i64,
    /// The right operand.
    b: i64,
) -> i64 {
    a + b
}

/// Greet someone by name.
#[tool]
fn greet(
    /// Who to greet.
    name: String,
    /// The greeting to use (default "Hello").
    greeting: Option<String>,
) -> String {
    format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
}

/// A point in the plane.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

/// An axis-aligned rectangle. `Point` appears twice, which schemars would share through
/// `$defs` unless the runtime inlines it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Rect {
    /// The top-left corner.
    top_left: Point,
    /// The bottom-right corner.
    bottom_right: Point,
    /// A label to echo back.
    label: Option<String>,
}

/// The size of a rectangle.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Size {
    width: f64,
    height: f64,
    area: f64,
    /// The rectangle's centre.
    centre: Point,
}

/// Measure a rectangle.
#[tool(read_only)]
fn measure(
    /// The rectangle to measure.
    rect: Rect,
) -> Size {
    let width = rect.bottom_right.x - rect.top_left.x;
    let height = rect.bottom_right.y - rect.top_left.y;
    Size {
        width,
        height,
        area: width * height,
        centre: Point {
            x: rect.top_left.x + width / 2.0,
            y: rect.top_left.y + height / 2.0,
        },
    }
}

/// Divide a by b.
#[tool]
fn divide(a: f64, b: f64) -> Result<f64, String> {
    if b == 0.0 {
        Err("division by zero".into())
    } else {
        Ok(a / b)
    }
}

/// Always panics.
#[tool]
fn boom() -> String {
    panic!("kaboom")
}

/// Blocks a tool until the test lets it finish: concurrency without sleeps.
#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
    cancelled: Notify,
}

/// Wait until released.
#[tool]
async fn slow(gate: State<Gate>) -> String {
    gate.entered.notify_one();
    gate.release.notified().await;
    "released".into()
}

/// Wait until the client cancels the call.
#[tool]
async fn wait_for_cancel(ctx: Context, gate: State<Gate>) -> String {
    gate.entered.notify_one();
    ctx.cancelled().await;
    gate.cancelled.notify_one();
    "cancelled".into()
}

#[derive(Default)]
struct Counter {
    calls: AtomicU64,
}

/// Count calls.
#[tool]
fn bump(counter: State<Counter>) -> u64 {
    counter.calls.fetch_add(1, Ordering::SeqCst) + 1
}

struct Config;

/// Needs a `Config` the server may not have.
#[tool]
fn configured(_config: State<Config>) -> String {
    "configured".into()
}

/// Not annotated: `.tool(plain)` must be refused.
fn plain() -> String {
    "plain".into()
}

mod v1 {
    use mcp_runtime::prelude::*;

    /// Look something up (v1).
    #[tool]
    pub fn lookup() -> String {
        "v1".into()
    }
}

mod v2 {
    use mcp_runtime::prelude::*;

    /// Look something up (v2).
    #[tool]
    pub fn lookup() -> String {
        "v2".into()
    }
}

/// A tree of numbers: recursive, so its schema cannot be inlined.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Tree {
    value: i64,
    /// An optional label.
    label: Option<String>,
    children: Vec<Tree>,
}

/// Sum the values of a tree.
#[tool]
fn tree_sum(
    /// The tree to sum.
    tree: Tree,
) -> i64 {
    tree.value + tree.children.into_iter().map(tree_sum).sum::<i64>()
}

/// An arithmetic expression: recursive, and an enum, whose schema is not an object
/// schema, so a result of this type is wrapped as `{"result": ...}`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
enum Expr {
    Zero,
    Num(i64),
    Neg(Box<Expr>),
}

/// Negate an expression.
#[tool]
fn negate(expr: Expr) -> Expr {
    Expr::Neg(Box::new(expr))
}

// ----- resources -------------------------------------------------------------------------

/// The readme.
#[resource("mem://readme", mime_type = "text/plain")]
fn readme() -> String {
    "Read me first.".into()
}

/// A user, by id.
#[resource("mem://users/{id}", mime_type = "application/json")]
fn user(id: u32) -> Result<String, NotFound> {
    match id {
        1 => Ok(json!({ "id": 1, "name": "Ada" }).to_string()),
        _ => Err(NotFound::new(format!("no user with id {id}"))),
    }
}

/// Bytes that are not UTF-8, so they must travel as base64.
const LOGO: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe,
];

/// The logo.
#[resource("mem://logo.png", mime_type = "image/png")]
fn logo() -> Vec<u8> {
    LOGO.to_vec()
}

// ----- prompts ---------------------------------------------------------------------------

/// Ask for a translation.
#[prompt]
fn translate(
    /// The text to translate.
    text: String,
    /// The target language (default English).
    language: Option<String>,
) -> String {
    format!(
        "Translate into {}:\n\n{text}",
        language.as_deref().unwrap_or("English")
    )
}

// ----- helpers ---------------------------------------------------------------------------

/// A server with every tool that needs nothing, the resources and the prompt.
fn server() -> Server {
    Server::builder()
        .name("in-memory-test")
        .tool(add)
        .tool(greet)
        .tool(measure)
        .tool(divide)
        .tool(boom)
        .resource(readme)
        .resource(user)
        .resource(logo)
        .prompt(translate)
        .build()
        .unwrap_or_else(|e| panic!("the test server does not build: {e}"))
}

/// The configuration error `builder` gives, as text.
#[track_caller]
fn config_error(builder: mcp_runtime::ServerBuilder) -> String {
    match builder.build() {
        Ok(_) => panic!("the server built, but its configuration is wrong"),
        Err(e @ mcp_runtime::Error::Config(_)) => e.to_string(),
        Err(other) => panic!("expected a configuration error, got {other}"),
    }
}

/// Every value in `value`, recursively, with its JSON pointer.
fn walk<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push((at, value));
}

#[track_caller]
fn tool<'a>(
    tools: &'a [mcp_runtime::protocol::Tool],
    name: &str,
) -> &'a mcp_runtime::protocol::Tool {
    tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool `{name}` in tools/list"))
}

// ----- tools/list ------------------------------------------------------------------------

#[tokio::test]
async fn tools_list_describes_every_tool_from_its_signature_and_docs() {
    let mcp = Mcp::in_memory(&server()).await;
    let tools = mcp.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["add", "greet", "measure", "divide", "boom"]);

    let add = tool(&tools, "add");
    assert_eq!(add.description.as_deref(), Some("Add two integers."));
    assert_eq!(
        add.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(true)
    );
    let input = Value::Object(add.input_schema.clone());
    assert_eq!(input["type"], "object");
    assert_eq!(input["properties"]["a"]["type"], "integer");
    assert_eq!(input["properties"]["a"]["description"], "The left operand.");
    assert_eq!(
        input["properties"]["b"]["description"],
        "The right operand."
    );
    assert_eq!(input["required"], json!(["a", "b"]));

    // `Option<T>` is an argument that need not be given, described by `T` alone.
    let greet = Value::Object(tool(&tools, "greet").input_schema.clone());
    assert_eq!(greet["required"], json!(["name"]));
    assert_eq!(greet["properties"]["greeting"]["type"], "string");
    assert_eq!(
        greet["properties"]["greeting"]["description"],
        "The greeting to use (default \"Hello\")."
    );

    // Nested types are inlined, and their optional fields lose `null` too.
    let measure = Value::Object(tool(&tools, "measure").input_schema.clone());
    let rect = &measure["properties"]["rect"];
    assert_eq!(rect["description"], "The rectangle to measure.");
    assert_eq!(
        rect["properties"]["top_left"]["properties"]["x"]["type"],
        "number"
    );
    assert_eq!(rect["properties"]["label"]["type"], "string");
    assert_eq!(rect["required"], json!(["top_left", "bottom_right"]));

    // A tool without parameters still has an object schema.
    let boom = Value::Object(tool(&tools, "boom").input_schema.clone());
    assert_eq!(boom["type"], "object");
    assert_eq!(boom["properties"], json!({}));
    assert!(boom.get("required").is_none(), "{boom}");
}

#[tokio::test]
async fn tool_schemas_are_self_contained_closed_and_nullable_free() {
    let mcp = Mcp::in_memory(&server()).await;
    let tools = mcp.list_tools().await.unwrap();
    for t in &tools {
        let input = Value::Object(t.input_schema.clone());
        assert_valid_schema(&input);
        assert_eq!(
            input["additionalProperties"], false,
            "{}: arguments it does not take must be refused: {input}",
            t.name
        );
        let mut nodes = Vec::new();
        walk(&input, String::new(), &mut nodes);
        for (at, value) in nodes {
            if let Some(types) = value.get("type").and_then(Value::as_array) {
                panic!("{}: a type array at {at}: {types:?}", t.name);
            }
            assert_ne!(
                value.get("type"),
                Some(&json!("null")),
                "{}: null at {at}",
                t.name
            );
        }
        if let Some(output) = &t.output_schema {
            let output = Value::Object(output.clone());
            assert_valid_schema(&output);
            assert_eq!(output["type"], "object", "{}: {output}", t.name);
        }
        let listed = serde_json::to_value(t).unwrap();
        let mut nodes = Vec::new();
        walk(&listed, String::new(), &mut nodes);
        for (at, value) in nodes {
            let Value::Object(map) = value else { continue };
            for key in ["$ref", "$defs", "definitions"] {
                assert!(!map.contains_key(key), "{}: `{key}` at {at}", t.name);
            }
        }
    }
}

#[tokio::test]
async fn recursive_types_keep_schemas_whose_references_resolve() {
    let server = Server::builder()
        .tool(tree_sum)
        .tool(negate)
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;
    let tools = mcp.list_tools().await.unwrap();

    // The argument refers to itself through `$defs` at the root of the input schema.
    let input = Value::Object(tool(&tools, "tree_sum").input_schema.clone());
    assert_valid_schema(&input);
    let tree = json!({ "tree": { "value": 1, "children": [
        { "value": 2, "children": [] },
        { "value": 3, "label": "three", "children": [{ "value": 4, "children": [] }] },
    ] } });
    assert_conforms(&input, &tree);
    assert_eq!(
        input["$defs"]["Tree"]["properties"]["label"]["type"],
        "string"
    );
    let sum = mcp.call_tool("tree_sum", tree).await.unwrap();
    assert_eq!(sum.structured_content, Some(json!({ "result": 10 })));

    // The argument's definitions do not leak into the (scalar) output schema.
    let output = Value::Object(tool(&tools, "tree_sum").output_schema.clone().unwrap());
    assert!(output.get("$defs").is_none(), "{output}");
    assert!(!output.to_string().contains("$ref"), "{output}");

    // A wrapped recursive output still describes what the tool returns, nested levels included.
    let output = Value::Object(tool(&tools, "negate").output_schema.clone().unwrap());
    assert_valid_schema(&output);
    let expr = json!({ "expr": { "Neg": { "Num": 2 } } });
    assert_conforms(
        &Value::Object(tool(&tools, "negate").input_schema.clone()),
        &expr,
    );
    let negated = mcp.call_tool("negate", expr).await.unwrap();
    let structured = negated.structured_content.expect("structured content");
    assert_eq!(
        structured,
        json!({ "result": { "Neg": { "Neg": { "Num": 2 } } } })
    );
    assert_conforms(&output, &structured);
    let wrong = json!({ "result": { "Neg": { "Neg": { "Num": "two" } } } });
    let validator = jsonschema::draft202012::new(&output).unwrap();
    assert!(
        !validator.is_valid(&wrong),
        "nested levels must be checked too: {output}"
    );
}

#[tokio::test]
async fn output_schemas_wrap_non_object_results_as_result() {
    let mcp = Mcp::in_memory(&server()).await;
    let tools = mcp.list_tools().await.unwrap();

    let add = Value::Object(
        tool(&tools, "add")
            .output_schema
            .clone()
            .expect("add has an outputSchema"),
    );
    assert_eq!(add["type"], "object");
    assert_eq!(add["properties"]["result"]["type"], "integer");
    assert_eq!(add["required"], json!(["result"]));

    let divide = Value::Object(
        tool(&tools, "divide")
            .output_schema
            .clone()
            .expect("divide has one"),
    );
    assert_eq!(divide["properties"]["result"]["type"], "number");

    // An object result is described as itself, not wrapped.
    let measure = Value::Object(
        tool(&tools, "measure")
            .output_schema
            .clone()
            .expect("measure has one"),
    );
    assert_eq!(measure["type"], "object");
    assert!(measure["properties"].get("result").is_none(), "{measure}");
    assert_eq!(
        measure["properties"]["centre"]["properties"]["y"]["type"],
        "number"
    );
    assert_eq!(measure["description"], "The size of a rectangle.");

    // Text results have no structured form.
    assert!(tool(&tools, "greet").output_schema.is_none());
    assert!(tool(&tools, "boom").output_schema.is_none());
}

// ----- tools/call ------------------------------------------------------------------------

#[tokio::test]
async fn structured_results_match_their_output_schema() {
    let mcp = Mcp::in_memory(&server()).await;
    let tools = mcp.list_tools().await.unwrap();

    let sum = mcp
        .call_tool("add", json!({ "a": 2, "b": 3 }))
        .await
        .unwrap();
    assert!(!sum.is_error());
    assert_eq!(sum.structured_content, Some(json!({ "result": 5 })));
    // The text block carries the serialized structured content, for clients that
    // ignore structured content.
    assert_eq!(
        serde_json::from_str::<Value>(&sum.text()).unwrap(),
        json!({ "result": 5 })
    );
    let schema = Value::Object(tool(&tools, "add").output_schema.clone().unwrap());
    assert_conforms(&schema, sum.structured_content.as_ref().unwrap());

    let rect =
        json!({ "rect": { "top_left": { "x": 0, "y": 0 }, "bottom_right": { "x": 4, "y": 2 } } });
    let size = mcp.call_tool("measure", rect).await.unwrap();
    let expected =
        json!({ "width": 4.0, "height": 2.0, "area": 8.0, "centre": { "x": 2.0, "y": 1.0 } });
    assert_eq!(size.structured_content, Some(expected.clone()));
    assert_eq!(
        serde_json::from_str::<Value>(&size.text()).unwrap(),
        expected
    );
    let schema = Value::Object(tool(&tools, "measure").output_schema.clone().unwrap());
    assert_conforms(&schema, size.structured_content.as_ref().unwrap());
}

#[tokio::test]
async fn string_results_are_text_content() {
    let mcp = Mcp::in_memory(&server()).await;
    let hello = mcp
        .call_tool("greet", json!({ "name": "Ada" }))
        .await
        .unwrap();
    assert!(!hello.is_error());
    assert_eq!(hello.content, vec![Content::text("Hello, Ada!")]);
    assert_eq!(hello.structured_content, None);

    let hi = mcp
        .call_tool("greet", json!({ "name": "Ada", "greeting": "Hi" }))
        .await
        .unwrap();
    assert_eq!(hi.text(), "Hi, Ada!");
}

/// Has a schema but no JSON form: serializing it fails (as a map with non-string keys does).
#[derive(JsonSchema)]
struct Unserializable;

impl Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no JSON form"))
    }
}

#[tool]
fn unserializable() -> Unserializable {
    Unserializable
}

#[tokio::test]
async fn a_result_that_cannot_be_serialized_is_a_tool_error_that_says_why() {
    let server = Server::builder()
        .tool(unserializable)
        .tool(add)
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;
    let failed = mcp.call_tool("unserializable", json!({})).await.unwrap();
    assert!(failed.is_error());
    assert_eq!(failed.structured_content, None);
    assert_eq!(
        failed.text(),
        "the tool's result could not be serialized: no JSON form"
    );
    let sum = mcp
        .call_tool("add", json!({ "a": 1, "b": 1 }))
        .await
        .unwrap();
    assert_eq!(sum.structured_content, Some(json!({ "result": 2 })));
}

/// A tool built by hand, with an integer `outputSchema` (so its content is wrapped).
fn hand_built(name: &str, call: mcp_runtime::define::ToolFn) -> mcp_runtime::define::ToolDef {
    let tool = serde_json::from_value(json!({
        "name": name,
        "inputSchema": { "type": "object" },
        "outputSchema": { "type": "integer" }
    }))
    .unwrap_or_else(|e| panic!("{name}'s description: {e}"));
    mcp_runtime::define::ToolDef::new(tool, call)
}

#[tokio::test]
async fn hand_built_tools_return_results_or_structured_content() {
    let server = Server::builder()
        .tool_def(hand_built("seven", |_, _| {
            Box::pin(async { mcp_runtime::define::ToolOutcome::structured(&7) })
        }))
        .tool_def(hand_built("eight", |_, _| {
            let result = CallToolResult {
                content: vec![Content::text("eight, in words")],
                structured_content: Some(json!(8)),
                ..Default::default()
            };
            Box::pin(async move { result.into() })
        }))
        .tool_def(hand_built("refused", |_, _| {
            Box::pin(async { mcp_runtime::define::ToolOutcome::error("not today") })
        }))
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;
    let tools = mcp.list_tools().await.unwrap();
    let schema = Value::Object(tool(&tools, "seven").output_schema.clone().unwrap());

    // Structured content is wrapped like the schema, and its compact JSON is the text.
    let seven = mcp.call_tool("seven", json!({})).await.unwrap();
    assert!(!seven.is_error());
    assert_eq!(seven.structured_content, Some(json!({ "result": 7 })));
    assert_eq!(seven.content, vec![Content::text(r#"{"result":7}"#)]);
    assert_conforms(&schema, seven.structured_content.as_ref().unwrap());

    // A full result keeps its own content; only the structured content is wrapped.
    let eight = mcp.call_tool("eight", json!({})).await.unwrap();
    assert_eq!(eight.structured_content, Some(json!({ "result": 8 })));
    assert_eq!(eight.content, vec![Content::text("eight, in words")]);

    let refused = mcp.call_tool("refused", json!({})).await.unwrap();
    assert!(refused.is_error());
    assert_eq!(refused.text(), "not today");
}

#[tokio::test]
async fn an_err_result_is_a_tool_error_with_its_message() {
    let mcp = Mcp::in_memory(&server()).await;
    let ok = mcp
        .call_tool("divide", json!({ "a": 5, "b": 2 }))
        .await
        .unwrap();
    assert!(!ok.is_error());
    assert_eq!(ok.structured_content, Some(json!({ "result": 2.5 })));

    let err = mcp
        .call_tool("divide", json!({ "a": 1, "b": 0 }))
        .await
        .unwrap();
    assert!(err.is_error());
    assert_eq!(err.text(), "division by zero");
    assert_eq!(err.structured_content, None);
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_that_name_the_argument() {
    let mcp = Mcp::in_memory(&server()).await;

    let missing = mcp.call_tool("add", json!({ "a": 1 })).await.unwrap();
    assert!(missing.is_error());
    assert!(missing.text().contains("`b`"), "{}", missing.text());
    assert!(missing.text().contains("missing"), "{}", missing.text());

    let wrong_type = mcp
        .call_tool("add", json!({ "a": "one", "b": 2 }))
        .await
        .unwrap();
    assert!(wrong_type.is_error());
    assert!(wrong_type.text().contains("`a`"), "{}", wrong_type.text());

    let nested = mcp
        .call_tool(
            "measure",
            json!({ "rect": { "top_left": { "x": 0, "y": 0 } } }),
        )
        .await
        .unwrap();
    assert!(nested.is_error());
    assert!(nested.text().contains("`rect`"), "{}", nested.text());
    assert!(nested.text().contains("bottom_right"), "{}", nested.text());

    let unknown = mcp
        .call_tool("add", json!({ "a": 1, "b": 2, "c": 3 }))
        .await
        .unwrap();
    assert!(unknown.is_error());
    assert!(unknown.text().contains("`c`"), "{}", unknown.text());

    let none_expected = mcp.call_tool("boom", json!({ "why": "no" })).await.unwrap();
    assert!(none_expected.is_error());
    assert!(
        none_expected.text().contains("`why`"),
        "{}",
        none_expected.text()
    );
    assert!(
        !none_expected.text().contains("kaboom"),
        "the tool must not run"
    );
}

#[tokio::test]
async fn an_unknown_tool_is_a_json_rpc_error() {
    let mcp = Mcp::in_memory(&server()).await;
    let error = rpc_error(mcp.call_tool("subtract", json!({})).await);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("subtract"), "{}", error.message);
}

/// `tools/call` parameters are read straight into their type when well formed; malformed
/// ones are still answered precisely.
#[tokio::test]
async fn malformed_tools_call_params_are_invalid_params() {
    let mcp = Mcp::in_memory(&server()).await;
    let cases = [
        (json!({}), "tools/call: missing field `name`"),
        (
            json!({ "name": 7 }),
            "tools/call: `name`: invalid type: integer `7`, expected a string",
        ),
        (
            json!({ "name": "add", "arguments": [1, 2] }),
            "tools/call: `arguments`: invalid type: sequence, expected an object",
        ),
        (
            json!({ "name": "add", "arguments": "a=1" }),
            "tools/call: `arguments`: invalid type: string \"a=1\", expected an object",
        ),
    ];
    for (params, expected) in cases {
        let error = rpc_error(mcp.request("tools/call", params.clone()).await);
        assert_eq!(error.code, ErrorCode::INVALID_PARAMS, "{params}");
        assert_eq!(error.message, expected, "{params}");
    }
    // Null arguments are no arguments; a `_meta` that is not an object is ignored.
    let lenient = [
        json!({ "name": "boom", "arguments": null }),
        json!({ "name": "add", "arguments": { "a": 1, "b": 2 }, "_meta": 5 }),
        json!({ "name": "add", "_meta": { "progressToken": 1 }, "arguments": { "a": 1, "b": 2 } }),
    ];
    for params in lenient {
        let result = mcp.request("tools/call", params.clone()).await;
        assert!(result.is_ok(), "{params}: {result:?}");
    }
}

/// Every method's parameters are read into their type in one place: a malformed params
/// object is -32602, naming the method and the field at fault.
#[tokio::test]
async fn malformed_params_name_the_method_and_the_field() {
    let mcp = Mcp::in_memory(&server()).await;
    let cases = [
        (
            "resources/read",
            json!({ "uri": 5 }),
            "resources/read: `uri`: invalid type: integer `5`, expected a string",
        ),
        (
            "resources/read",
            json!({}),
            "resources/read: missing field `uri`",
        ),
        (
            "resources/subscribe",
            json!({ "uri": null }),
            "resources/subscribe: `uri`: invalid type: null, expected a string",
        ),
        (
            "prompts/get",
            json!({ "arguments": {} }),
            "prompts/get: missing field `name`",
        ),
        (
            "prompts/get",
            json!({ "name": "translate", "arguments": ["x"] }),
            "prompts/get: `arguments`: invalid type: sequence, expected an object",
        ),
        (
            "tools/list",
            json!({ "cursor": 7 }),
            "tools/list: `cursor`: invalid type: integer `7`, expected a string",
        ),
        (
            "logging/setLevel",
            json!({}),
            "logging/setLevel: missing field `level`",
        ),
        (
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt" }, "argument": { "name": "a" } }),
            "completion/complete: `ref`: missing field `name`",
        ),
        (
            "completion/complete",
            json!({ "ref": { "type": "ref/tool", "name": "a" }, "argument": { "name": "a" } }),
            "completion/complete: `ref.type`: unknown variant `ref/tool`, expected `ref/prompt` or `ref/resource`",
        ),
        (
            "completion/complete",
            json!({ "ref": { "type": "ref/prompt", "name": "translate" }, "argument": { "name": 1 } }),
            "completion/complete: `argument.name`: invalid type: integer `1`, expected a string",
        ),
        (
            "initialize",
            json!({ "protocolVersion": "2025-11-25", "capabilities": { "roots": 5 } }),
            "initialize: `capabilities.roots`: invalid type: integer `5`, expected an object",
        ),
        (
            "initialize",
            json!({ "protocolVersion": "2025-11-25", "clientInfo": { "name": "x" } }),
            "initialize: `clientInfo`: missing field `version`",
        ),
    ];
    for (method, params, expected) in cases {
        let error = rpc_error(mcp.request(method, params.clone()).await);
        assert_eq!(
            (error.code, error.message.as_str()),
            (ErrorCode::INVALID_PARAMS, expected),
            "{method} {params}"
        );
    }
    // Unknown fields are ignored, and a `_meta` that is not an object is no `_meta`.
    mcp.request("ping", json!({ "_meta": 5, "extra": [1] }))
        .await
        .unwrap();
    mcp.request(
        "resources/read",
        json!({ "uri": "mem://readme", "_meta": "x" }),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_panicking_tool_is_a_tool_error_and_the_server_keeps_serving() {
    let mcp = Mcp::in_memory(&server()).await;
    let result = mcp.call_tool("boom", json!({})).await.unwrap();
    assert!(result.is_error());
    assert!(result.text().contains("boom"), "{}", result.text());
    assert!(result.text().contains("kaboom"), "{}", result.text());

    let after = mcp
        .call_tool("add", json!({ "a": 1, "b": 1 }))
        .await
        .unwrap();
    assert_eq!(after.structured_content, Some(json!({ "result": 2 })));
    mcp.ping().await.unwrap();
}

#[tokio::test]
async fn a_slow_tool_does_not_hold_up_other_requests() {
    let gate = Arc::new(Gate::default());
    let server = Server::builder()
        .tool(slow)
        .state_arc(gate.clone())
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;

    mcp.expect("tools/call");
    let client = mcp.client.clone();
    let call = tokio::spawn(async move { client.call_tool("slow", json!({})).await });
    // The tool is running, and stays blocked until released below.
    gate.entered.notified().await;

    // A generous bound, only so that a server that serializes requests fails instead of hanging.
    let ping = tokio::time::timeout(Duration::from_secs(30), mcp.ping()).await;
    ping.expect("the ping waited for the slow call: requests are not handled concurrently")
        .unwrap();
    assert!(
        !call.is_finished(),
        "the slow call finished before it was released"
    );

    gate.release.notify_one();
    let result = call.await.unwrap().unwrap();
    assert_eq!(result.text(), "released");
}

#[tokio::test]
async fn a_cancelled_call_sees_its_cancellation() {
    let gate = Arc::new(Gate::default());
    let server = Server::builder()
        .tool(wait_for_cancel)
        .state_arc(gate.clone())
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;

    let id = mcp.expect("tools/call");
    let client = mcp.client.clone();
    let call = tokio::spawn(async move { client.call_tool("wait_for_cancel", json!({})).await });
    gate.entered.notified().await;
    let params = json!({ "requestId": id, "reason": "the user gave up" });
    mcp.client
        .notify("notifications/cancelled", Some(params))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), gate.cancelled.notified())
        .await
        .expect("the tool never saw the cancellation");
    // Whether a response still comes is the server's choice (the spec says it SHOULD NOT).
    call.abort();
    mcp.ping().await.unwrap();
}

// ----- pagination ------------------------------------------------------------------------

fn paged_server() -> Server {
    Server::builder()
        .tool(add)
        .tool(greet)
        .tool(measure)
        .tool(divide)
        .tool(boom)
        .resource(readme)
        .resource(logo)
        .limits(Limits {
            page_size: 2,
            ..Default::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn lists_are_paginated_and_the_client_follows_the_cursors() {
    let mcp = Mcp::in_memory(&paged_server()).await;

    // Page by page, by hand.
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let page = mcp.request("tools/list", params).await.unwrap();
        let names: Vec<String> = page["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        pages.push(names);
        match page.get("nextCursor") {
            Some(next) => cursor = Some(next.as_str().expect("nextCursor is a string").to_owned()),
            None => break,
        }
        assert!(pages.len() < 10, "the cursors never end");
    }
    assert_eq!(
        pages,
        [
            vec!["add", "greet"],
            vec!["measure", "divide"],
            vec!["boom"]
        ]
    );

    // The client follows them itself.
    let names: Vec<String> = mcp
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["add", "greet", "measure", "divide", "boom"]);
    let resources = mcp.list_resources().await.unwrap();
    assert_eq!(resources.len(), 2);
}

#[tokio::test]
async fn an_invalid_cursor_is_invalid_params() {
    let mcp = Mcp::in_memory(&paged_server()).await;
    for cursor in [json!("not-a-cursor"), json!("b2Zmc2V0Ojk5"), json!(7)] {
        let error = rpc_error(mcp.request("tools/list", json!({ "cursor": cursor })).await);
        assert_eq!(
            error.code,
            ErrorCode::INVALID_PARAMS,
            "cursor {cursor}: {error}"
        );
    }
    let error = rpc_error(
        mcp.request("resources/list", json!({ "cursor": "nope" }))
            .await,
    );
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
}

// ----- resources -------------------------------------------------------------------------

#[tokio::test]
async fn resources_and_templates_are_listed_apart() {
    let mcp = Mcp::in_memory(&server()).await;
    let resources = mcp.list_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["mem://readme", "mem://logo.png"]);
    assert_eq!(resources[0].name, "readme");
    assert_eq!(resources[0].description.as_deref(), Some("The readme."));
    assert_eq!(resources[0].mime_type.as_deref(), Some("text/plain"));

    let templates = mcp.list_resource_templates().await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].uri_template, "mem://users/{id}");
    assert_eq!(templates[0].name, "user");
    assert_eq!(templates[0].description.as_deref(), Some("A user, by id."));
    assert_eq!(templates[0].mime_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn static_templated_and_binary_resources_are_read() {
    let mcp = Mcp::in_memory(&server()).await;

    let readme = mcp.read_resource("mem://readme").await.unwrap();
    assert_eq!(
        readme.contents,
        vec![ResourceContents::text("mem://readme", "Read me first.").with_mime_type("text/plain")]
    );

    let user = mcp.read_resource("mem://users/1").await.unwrap();
    assert_eq!(user.contents.len(), 1);
    assert_eq!(user.contents[0].uri(), "mem://users/1");
    assert_eq!(user.contents[0].mime_type(), Some("application/json"));
    let body: Value = serde_json::from_str(user.contents[0].as_text().unwrap()).unwrap();
    assert_eq!(body, json!({ "id": 1, "name": "Ada" }));

    let logo = mcp.read_resource("mem://logo.png").await.unwrap();
    assert_eq!(logo.contents.len(), 1);
    assert_eq!(
        logo.contents[0].as_text(),
        None,
        "bytes must be a blob, not text"
    );
    assert_eq!(logo.contents[0].decode_blob().as_deref(), Some(LOGO));
    assert_eq!(logo.contents[0].mime_type(), Some("image/png"));
}

#[tokio::test]
async fn a_missing_resource_is_resource_not_found() {
    let mcp = Mcp::in_memory(&server()).await;

    // The template matches, the handler finds nothing.
    let error = rpc_error(mcp.read_resource("mem://users/2").await);
    assert_eq!(error.code, ErrorCode::RESOURCE_NOT_FOUND);
    assert!(
        error.message.contains("no user with id 2"),
        "{}",
        error.message
    );
    assert_eq!(error.data, Some(json!({ "uri": "mem://users/2" })));

    // Nothing matches.
    let error = rpc_error(mcp.read_resource("other://thing").await);
    assert_eq!(error.code, ErrorCode::RESOURCE_NOT_FOUND);
    assert_eq!(error.data, Some(json!({ "uri": "other://thing" })));

    // A variable that does not parse is the client's mistake.
    let error = rpc_error(mcp.read_resource("mem://users/ada").await);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("`id`"), "{}", error.message);
}

// ----- prompts ---------------------------------------------------------------------------

#[tokio::test]
async fn prompts_are_listed_with_their_arguments() {
    let mcp = Mcp::in_memory(&server()).await;
    let prompts = mcp.list_prompts().await.unwrap();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].name, "translate");
    assert_eq!(
        prompts[0].description.as_deref(),
        Some("Ask for a translation.")
    );
    let args = prompts[0].arguments.as_deref().unwrap();
    let summary: Vec<(&str, Option<bool>, Option<&str>)> = args
        .iter()
        .map(|a| (a.name.as_str(), a.required, a.description.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("text", Some(true), Some("The text to translate.")),
            (
                "language",
                Some(false),
                Some("The target language (default English).")
            ),
        ]
    );
}

#[tokio::test]
async fn prompts_render_with_and_without_optional_arguments() {
    let mcp = Mcp::in_memory(&server()).await;

    let default = mcp
        .get_prompt("translate", json!({ "text": "Bonjour" }))
        .await
        .unwrap();
    assert_eq!(
        default.messages,
        vec![PromptMessage::user("Translate into English:\n\nBonjour")]
    );
    assert_eq!(
        default.description.as_deref(),
        Some("Ask for a translation.")
    );

    let german = mcp
        .get_prompt(
            "translate",
            json!({ "text": "Bonjour", "language": "German" }),
        )
        .await
        .unwrap();
    assert_eq!(
        german.messages,
        vec![PromptMessage::user("Translate into German:\n\nBonjour")]
    );
}

#[tokio::test]
async fn bad_prompt_requests_are_invalid_params() {
    let mcp = Mcp::in_memory(&server()).await;

    let missing = rpc_error(
        mcp.get_prompt("translate", json!({ "language": "German" }))
            .await,
    );
    assert_eq!(missing.code, ErrorCode::INVALID_PARAMS);
    assert!(missing.message.contains("`text`"), "{}", missing.message);

    let unknown_arg = rpc_error(
        mcp.get_prompt("translate", json!({ "text": "x", "tone": "formal" }))
            .await,
    );
    assert_eq!(unknown_arg.code, ErrorCode::INVALID_PARAMS);
    assert!(
        unknown_arg.message.contains("tone"),
        "{}",
        unknown_arg.message
    );

    let unknown = rpc_error(mcp.get_prompt("summarize", json!({})).await);
    assert_eq!(unknown.code, ErrorCode::INVALID_PARAMS);
    assert!(unknown.message.contains("summarize"), "{}", unknown.message);
}

// ----- state and configuration -----------------------------------------------------------

#[tokio::test]
async fn state_is_shared_across_calls_and_connections() {
    let counter = Arc::new(Counter::default());
    let server = Server::builder()
        .tool(bump)
        .state_arc(counter.clone())
        .build()
        .unwrap();
    let first = Mcp::in_memory(&server).await;
    let second = Mcp::in_memory(&server).await;

    let mut seen = Vec::new();
    for mcp in [&first, &second, &first] {
        let result = mcp.call_tool("bump", json!({})).await.unwrap();
        seen.push(result.structured_content.unwrap()["result"].clone());
    }
    assert_eq!(seen, [json!(1), json!(2), json!(3)]);
    assert_eq!(counter.calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_missing_state_is_a_build_error_naming_the_tool_and_the_type() {
    let error = config_error(Server::builder().tool(add).tool(configured));
    assert!(error.contains("`configured`"), "{error}");
    assert!(error.contains("State<in_memory::Config>"), "{error}");
    assert!(!error.contains("`add`"), "{error}");

    // With the state, it builds.
    assert!(
        Server::builder()
            .tool(configured)
            .state(Config)
            .build()
            .is_ok()
    );
}

#[test]
fn a_function_without_the_attribute_is_a_build_error() {
    let error = config_error(Server::builder().tool(add).tool(plain));
    assert!(error.contains("plain"), "{error}");
    assert!(error.contains("#[tool]"), "{error}");

    let error = config_error(Server::builder().resource(plain));
    assert!(error.contains("#[resource]"), "{error}");
    let error = config_error(Server::builder().prompt(add));
    assert!(error.contains("#[prompt]"), "{error}");
}

#[test]
fn an_item_passed_as_the_wrong_kind_is_named_as_what_it_is() {
    let error = config_error(Server::builder().tool(readme));
    assert!(
        error.contains("is a #[resource], not a #[tool]: add it with `.resource(readme)`"),
        "{error}"
    );
    let error = config_error(Server::builder().resource(translate));
    assert!(
        error.contains("is a #[prompt], not a #[resource]: add it with `.prompt(translate)`"),
        "{error}"
    );
    let error = config_error(Server::builder().prompt(add));
    assert!(
        error.contains("is a #[tool], not a #[prompt]: add it with `.tool(add)`"),
        "{error}"
    );
}

#[test]
fn a_configuration_error_prints_readably_from_main() {
    // `main` returning `Err` prints the `Debug` form: it is the message, not a dump.
    let error = Server::builder()
        .tool(configured)
        .build()
        .err()
        .expect("the state is missing");
    let debug = format!("{error:?}");
    assert_eq!(debug, error.to_string());
    assert!(
        debug.starts_with("invalid server configuration:\n  tool `configured`"),
        "{debug}"
    );
}

#[test]
fn two_tools_with_one_name_are_a_build_error() {
    let error = config_error(Server::builder().tool(v1::lookup).tool(v2::lookup));
    assert!(error.contains("`lookup`"), "{error}");

    // Adding the same function twice is not a clash.
    assert!(
        Server::builder()
            .tool(v1::lookup)
            .tool(v1::lookup)
            .build()
            .is_ok()
    );
}

#[test]
fn every_configuration_error_is_reported_at_once() {
    let error = config_error(
        Server::builder()
            .tool(configured)
            .tool(plain)
            .tool(v1::lookup)
            .tool(v2::lookup),
    );
    for part in ["`configured`", "plain", "`lookup`"] {
        assert!(error.contains(part), "{part} missing from: {error}");
    }
}

// ----- lifecycle and JSON-RPC ------------------------------------------------------------

#[tokio::test]
async fn initialize_describes_the_server() {
    let mcp = Mcp::in_memory(&server()).await;
    let init = mcp.client.server().expect("initialized");
    assert_eq!(
        init.protocol_version,
        ProtocolVersion::LATEST_LEGACY.as_str()
    );
    assert_eq!(init.server_info.name, "in-memory-test");
    assert!(init.capabilities.tools.is_some(), "{:?}", init.capabilities);
    assert!(init.capabilities.resources.is_some());
    assert!(init.capabilities.prompts.is_some());

    // A server with only tools declares only tools.
    let tools_only = Server::builder().tool(add).build().unwrap();
    let mcp = Mcp::in_memory(&tools_only).await;
    let caps = &mcp.client.server().unwrap().capabilities;
    assert!(caps.tools.is_some(), "{caps:?}");
    assert!(caps.resources.is_none(), "{caps:?}");
    assert!(caps.prompts.is_none(), "{caps:?}");
    // Asking for what it lacks finds nothing, either way a server may say so.
    match mcp.list_prompts().await {
        Ok(prompts) => assert!(prompts.is_empty(), "{prompts:?}"),
        Err(e) => assert_eq!(rpc_error::<()>(Err(e)).code, ErrorCode::METHOD_NOT_FOUND),
    }
}

#[tokio::test]
async fn the_server_answers_with_the_version_asked_for_or_its_latest() {
    let server = server();
    for version in ProtocolVersion::legacy() {
        let mcp = Mcp::in_memory_with(&server, |b| b.protocol_version(version.as_str()))
            .await
            .unwrap();
        assert_eq!(
            mcp.client.server().unwrap().protocol_version,
            version.as_str()
        );
        // The session works at that version.
        mcp.call_tool("add", json!({ "a": 1, "b": 2 }))
            .await
            .unwrap();
    }

    let mcp = Mcp::in_memory_with(&server, |b| b.protocol_version("1999-01-01"))
        .await
        .unwrap();
    assert_eq!(mcp.client.server().unwrap().protocol_version, "2025-11-25");
}

#[tokio::test]
async fn initialize_without_a_protocol_version_is_invalid_params() {
    let mcp = Mcp::in_memory(&server()).await;
    let params = json!({ "capabilities": {}, "clientInfo": { "name": "t", "version": "1" } });
    let error = rpc_error(mcp.request("initialize", params).await);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(
        error.message.contains("protocolVersion"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn an_unknown_method_is_method_not_found() {
    let mcp = Mcp::in_memory(&server()).await;
    let error = rpc_error(mcp.request("server/discover", json!({})).await);
    assert_eq!(error.code, ErrorCode::METHOD_NOT_FOUND);
    assert!(
        error.message.contains("server/discover"),
        "{}",
        error.message
    );
    // The connection is still good.
    mcp.ping().await.unwrap();
}

#[tokio::test]
async fn the_server_sends_nothing_it_was_not_asked_for() {
    let mcp = Mcp::in_memory(&server()).await;
    mcp.ping().await.unwrap();
    mcp.list_tools().await.unwrap();
    let received = mcp.received();
    assert_eq!(
        received.len(),
        3,
        "initialize, ping, tools/list: {received:#?}"
    );
    let ids: Vec<&Value> = received.iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3)]);
}

#[tokio::test]
async fn closing_the_client_ends_the_session() {
    let mcp = Mcp::in_memory(&server()).await;
    mcp.ping().await.unwrap();
    assert_eq!(mcp.close().await.unwrap(), None);
}

#[test]
fn the_schema_check_catches_what_the_schema_forbids() {
    let Some(spec) = Spec::get() else { return };
    let method = |_: &Value| Some("tools/list".to_owned());
    let good = json!({ "jsonrpc": "2.0", "id": 1, "result": { "tools": [
        { "name": "x", "inputSchema": { "type": "object" } }
    ] } });
    assert_eq!(
        check_server_message(spec, &good, method),
        Vec::<String>::new()
    );

    let no_schema = json!({ "jsonrpc": "2.0", "id": 1, "result": { "tools": [{ "name": "x" }] } });
    let failures = check_server_message(spec, &no_schema, method).join("\n");
    assert!(failures.contains("ListToolsResult"), "{failures}");
    assert!(
        failures.contains("/tools/0"),
        "the instance path is given: {failures}"
    );

    let null_id =
        json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": "x" } });
    let failures = check_server_message(spec, &null_id, method).join("\n");
    assert!(failures.contains("JSONRPCErrorResponse"), "{failures}");

    let text_without_text =
        json!({ "jsonrpc": "2.0", "id": 1, "result": { "content": [{ "type": "text" }] } });
    let call = |_: &Value| Some("tools/call".to_owned());
    let failures = check_server_message(spec, &text_without_text, call).join("\n");
    assert!(failures.contains("CallToolResult"), "{failures}");
}

// ----- arguments read with serde, schemas without Rust formats -----------------------------

/// How long a summary is.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Length {
    Brief,
    Detailed,
}

/// Summarize files.
#[prompt]
fn summarize_as(
    /// How long.
    length: Length,
    /// Which files.
    files: Option<Vec<String>>,
) -> String {
    let words = match length {
        Length::Brief => 50,
        Length::Detailed => 500,
    };
    format!("{words} words on {}", files.unwrap_or_default().join(", "))
}

/// Documentation of one length.
#[resource("lengths://{length}")]
fn length_doc(length: Length) -> String {
    match length {
        Length::Brief => "short".into(),
        Length::Detailed => "long".into(),
    }
}

/// Pick a number.
#[tool]
fn pick(small: u8, medium: i32, large: u64, signed: i64) -> u32 {
    u32::from(small) + medium.unsigned_abs() + u32::from(large > 0) + u32::from(signed > 0)
}

#[tokio::test]
async fn enum_prompt_arguments_complete_and_parse_the_same_names() {
    let server = Server::builder()
        .prompt(summarize_as)
        .resource(length_doc)
        .build()
        .unwrap();
    let mcp = Mcp::in_memory(&server).await;
    let reference = json!({ "type": "ref/prompt", "name": "summarize_as" });
    mcp.expect("completion/complete");
    let offered = mcp.client.complete(reference, "length", "").await.unwrap();
    assert_eq!(offered.values, ["brief", "detailed"]);
    for value in &offered.values {
        let got = mcp
            .get_prompt("summarize_as", json!({ "length": value }))
            .await
            .unwrap_or_else(|e| panic!("{value} is offered but refused: {e}"));
        assert!(!got.messages.is_empty());
    }
    let wrong = rpc_error(
        mcp.get_prompt("summarize_as", json!({ "length": "Brief" }))
            .await,
    );
    assert_eq!(wrong.code, ErrorCode::INVALID_PARAMS);
    assert!(
        wrong.message.contains("unknown variant `Brief`") && wrong.message.contains("`brief`"),
        "{}",
        wrong.message
    );
    // A list comes as JSON text, and its description says so.
    let listed = mcp
        .get_prompt(
            "summarize_as",
            json!({ "length": "brief", "files": "[\"a.rs\", \"b.rs\"]" }),
        )
        .await
        .unwrap();
    assert_eq!(
        listed.messages,
        vec![PromptMessage::user("50 words on a.rs, b.rs")]
    );
    let prompts = mcp.list_prompts().await.unwrap();
    let args = prompts[0].arguments.as_deref().unwrap_or_default();
    assert_eq!(args[0].description.as_deref(), Some("How long."));
    let files = args[1].description.as_deref().unwrap_or_default();
    assert!(
        files.starts_with("Which files. (JSON text matching the schema {"),
        "{files}"
    );
    // URI variables too.
    let read = mcp.read_resource("lengths://detailed").await.unwrap();
    assert_eq!(read.contents[0].as_text(), Some("long"));
    let wrong = rpc_error(mcp.read_resource("lengths://Detailed").await);
    assert!(
        wrong.message.contains("unknown variant"),
        "{}",
        wrong.message
    );
}

#[tokio::test]
async fn integer_widths_are_minimum_and_maximum_not_formats() {
    let server = Server::builder().tool(pick).build().unwrap();
    let mcp = Mcp::in_memory(&server).await;
    let tools = mcp.list_tools().await.unwrap();
    let tool = serde_json::to_value(&tools[0]).unwrap();
    let props = &tool["inputSchema"]["properties"];
    assert_eq!(
        props["small"],
        json!({ "type": "integer", "minimum": 0, "maximum": 255 })
    );
    assert_eq!(
        props["medium"],
        json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX })
    );
    assert_eq!(props["large"], json!({ "type": "integer", "minimum": 0 }));
    assert_eq!(props["signed"], json!({ "type": "integer" }));
    let output = &tool["outputSchema"];
    assert_eq!(
        output["properties"]["result"],
        json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX })
    );
    assert!(
        !tool.to_string().contains("format") && !tool.to_string().contains("title"),
        "{tool}"
    );
}

#[test]
fn configuration_errors_are_typed() {
    use mcp_runtime::ConfigError;
    use mcp_runtime::define::ItemKind;
    let errors = match Server::builder().prompt(add).tool(add).tool(add).build() {
        Err(mcp_runtime::Error::Config(errors)) => errors,
        other => panic!("expected configuration errors, got {:?}", other.err()),
    };
    assert!(
        matches!(
            errors.as_slice(),
            [ConfigError::NotAnnotated {
                expected: ItemKind::Prompt,
                actual: Some(ItemKind::Tool),
                ..
            }]
        ),
        "{errors:?}"
    );
}

/// What the typed methods write, on either side, fits the official schema: the client's
/// parameters (the server's results are checked on every test's wire).
#[test]
fn typed_params_and_results_fit_the_schema() {
    use mcp_runtime::protocol::*;
    let Some(spec) = Spec::get() else {
        return;
    };
    let mut meta = serde_json::Map::new();
    meta.insert("progressToken".into(), json!("p1"));
    let info = Implementation {
        name: "c".into(),
        version: "1".into(),
        title: None,
        description: None,
        website_url: None,
    };
    let client_caps = ClientCapabilities {
        roots: Some(ListChangedCapability {
            list_changed: Some(false),
        }),
        sampling: Some(SamplingCapability::default()),
        elicitation: Some(ElicitationCapability::all()),
        ..Default::default()
    };
    fn value(v: impl serde::Serialize) -> Value {
        serde_json::to_value(v).expect("serializes")
    }
    let cases: Vec<(&str, Value)> = vec![
        (
            "InitializeRequestParams",
            value(InitializeParams {
                protocol_version: "2025-11-25".into(),
                capabilities: client_caps,
                client_info: Some(info.clone()),
                meta: None,
            }),
        ),
        (
            "CallToolRequestParams",
            value(CallToolParams {
                name: "add".into(),
                arguments: json!({ "a": 1 }).as_object().cloned(),
                meta: Some(meta.clone()),
            }),
        ),
        (
            "PaginatedRequestParams",
            value(PaginatedParams {
                cursor: Some("c".into()),
                meta: None,
            }),
        ),
        (
            "CompleteRequestParams",
            value(CompleteParams {
                reference: CompletionReference::Prompt {
                    name: "p".into(),
                    title: None,
                },
                argument: CompletionArgument {
                    name: "a".into(),
                    value: "x".into(),
                },
                context: None,
                meta: None,
            }),
        ),
        (
            "SetLevelRequestParams",
            value(SetLevelParams {
                level: LoggingLevel::Notice,
                meta: None,
            }),
        ),
        (
            "ElicitRequestURLParams",
            value(ElicitParams::Url(ElicitUrlParams {
                mode: UrlMode::Url,
                message: "Sign in".into(),
                url: "https://example.com/".into(),
                elicitation_id: "e1".into(),
                meta: None,
            })),
        ),
        (
            "ElicitRequestFormParams",
            value(ElicitParams::Form(ElicitFormParams {
                mode: Some(FormMode::Form),
                message: "Name?".into(),
                requested_schema: json!({ "type": "object", "properties": {} })
                    .as_object()
                    .cloned()
                    .unwrap(),
                meta: None,
            })),
        ),
        (
            "CancelledNotificationParams",
            value(CancelledParams {
                request_id: Some(RequestId::Number(1)),
                reason: Some("late".into()),
                meta: None,
            }),
        ),
        (
            "ProgressNotificationParams",
            value(ProgressParams {
                progress_token: RequestId::String("p1".into()),
                progress: 1.0,
                total: Some(2.0),
                message: None,
                meta: None,
            }),
        ),
        (
            "InitializeResult",
            value(InitializeResult {
                protocol_version: "2025-11-25".into(),
                capabilities: ServerCapabilities {
                    logging: Some(Default::default()),
                    resources: Some(ResourcesCapability {
                        subscribe: Some(true),
                        list_changed: Some(true),
                    }),
                    ..Default::default()
                },
                server_info: info,
                instructions: Some("Use it.".into()),
                meta: None,
            }),
        ),
        (
            "ListRootsResult",
            value(ListRootsResult {
                roots: vec![Root {
                    uri: "file:///tmp".into(),
                    name: None,
                }],
                meta: None,
            }),
        ),
        ("EmptyResult", value(EmptyResult::default())),
    ];
    for (definition, instance) in cases {
        spec.check(definition, &instance)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Mirrors `region` in a header whose name is no HTTP token, and an item of `tags`,
/// which no client can reach: `input_schema` is taken as written, so the builder checks it.
#[tool(input_schema = json!({
    "type": "object",
    "properties": {
        "region": { "type": "string", "x-mcp-header": "Region Name" },
        "tags": { "type": "array", "items": { "type": "string", "x-mcp-header": "Tag" } },
    },
}))]
fn routed(region: String, tags: Vec<String>) -> String {
    format!("{region} {tags:?}")
}

/// A hand-built tool whose input schema carries `x-mcp-header`s.
fn with_input_schema(name: &str, input_schema: Value) -> mcp_runtime::define::ToolDef {
    let tool = serde_json::from_value(json!({ "name": name, "inputSchema": input_schema }))
        .unwrap_or_else(|e| panic!("{name}'s description: {e}"));
    mcp_runtime::define::ToolDef::new(tool, |_, _| {
        Box::pin(async { mcp_runtime::define::ToolOutcome::error("not called") })
    })
}

#[test]
fn invalid_x_mcp_headers_are_build_errors_naming_the_tool_and_the_property() {
    use mcp_runtime::{ConfigError, HeaderProblem};
    let hand_built = with_input_schema(
        "ship",
        json!({
            "type": "object",
            "properties": {
                "weight": { "type": "number", "x-mcp-header": "Weight" },
                "region": { "type": "string", "x-mcp-header": "Region" },
                "zone": { "type": "string", "x-mcp-header": "REGION" },
                "note": { "type": "string", "x-mcp-header": "" },
            },
        }),
    );
    let errors = match Server::builder().tool(routed).tool_def(hand_built).build() {
        Err(mcp_runtime::Error::Config(errors)) => errors,
        other => panic!("expected configuration errors, got {:?}", other.err()),
    };
    let at = |p: &HeaderProblem| match p {
        HeaderProblem::NotAToken { at, .. }
        | HeaderProblem::Unreachable { at }
        | HeaderProblem::NotPrimitive { at, .. }
        | HeaderProblem::Duplicate { at, .. }
        | HeaderProblem::Empty { at } => at.clone(),
        other => panic!("unexpected {other:?}"),
    };
    let mut found: Vec<(&str, String)> = errors
        .iter()
        .map(|e| match e {
            ConfigError::Header { tool, problem } => (tool.as_str(), at(problem)),
            other => panic!("expected only header errors, got {other}"),
        })
        .collect();
    found.sort();
    let expected = [
        ("routed", "/properties/region"),
        ("routed", "/properties/tags/items"),
        ("ship", "/properties/note"),
        ("ship", "/properties/weight"),
        ("ship", "/properties/zone"),
    ];
    let expected: Vec<(&str, String)> = expected.iter().map(|(t, a)| (*t, a.to_string())).collect();
    assert_eq!(found, expected, "{errors:?}");

    // The messages say which tool, where, and what the rule is.
    let text = config_error(Server::builder().tool(routed));
    assert!(
        text.contains(
            "tool `routed`: inputSchema: \"x-mcp-header\": \"Region Name\" at /properties/region is not an HTTP header name: it contains ' '"
        ),
        "{text}"
    );
    assert!(
        text.contains("/properties/tags/items is not on a property reachable from the root through `properties` alone"),
        "{text}"
    );
    let text = config_error(Server::builder().tool_def(with_input_schema(
        "ship",
        json!({ "type": "object", "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
            "zone": { "type": "string", "x-mcp-header": "region" },
        }}),
    )));
    assert!(text.contains("case-insensitive"), "{text}");

    // Valid annotations, nested ones included, build.
    let valid = with_input_schema(
        "fine",
        json!({ "type": "object", "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
            "limit": { "type": "integer", "x-mcp-header": "Limit" },
            "filter": { "type": "object", "properties": {
                "archived": { "type": ["boolean", "null"], "x-mcp-header": "Archived" },
            }},
        }}),
    );
    assert!(Server::builder().tool_def(valid).build().is_ok());
}

#[tokio::test]
async fn a_tool_added_while_serving_is_checked_as_the_builder_checks() {
    let server = Server::builder().build().expect("an empty server builds");
    let bad = with_input_schema(
        "ship",
        json!({ "type": "object", "properties": {
            "weight": { "type": "number", "x-mcp-header": "Weight" },
        }}),
    );
    match server.add_tool(bad) {
        Err(mcp_runtime::Error::Config(errors)) => assert!(
            errors
                .iter()
                .any(|e| e.to_string().contains("/properties/weight")),
            "{errors:?}"
        ),
        other => panic!("expected a header error, got {other:?}"),
    }
    let mcp = Mcp::in_memory(&server).await;
    let tools = mcp.list_tools().await.expect("tools/list");
    assert!(tools.is_empty(), "a refused tool is not served: {tools:?}");
    let good = with_input_schema(
        "ship",
        json!({ "type": "object", "properties": {
            "region": { "type": "string", "x-mcp-header": "Region" },
        }}),
    );
    server.add_tool(good).expect("a valid tool is added");
    assert_eq!(mcp.list_tools().await.expect("tools/list").len(), 1);
}
