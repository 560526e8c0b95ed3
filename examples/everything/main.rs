//! The fixture server of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`), written as a user would write it: every tool,
//! resource and prompt the suite's scenarios call, nothing special-cased in the runtime.
//!
//! ```text
//! cargo run --bin everything -- --transport streamable-http --port 3000
//! npx @modelcontextprotocol/conformance server --url http://localhost:3000/mcp
//! ```

use mcp_runtime::define::{PromptDef, ToolDef, ToolOutcome};
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{CreateMessageRequest, SamplingMessage};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// A 1×1 red PNG, base64.
const TEST_IMAGE_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A minimal WAV file, base64.
const TEST_AUDIO_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

fn image() -> Content {
    Content::Image {
        data: TEST_IMAGE_BASE64.into(),
        mime_type: "image/png".into(),
        annotations: None,
    }
}

// ----- tools --------------------------------------------------------------------------

/// Tests simple text content response
#[tool]
fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Tests image content response
#[tool]
fn test_image_content() -> Content {
    image()
}

/// Tests audio content response
#[tool]
fn test_audio_content() -> Content {
    Content::Audio {
        data: TEST_AUDIO_BASE64.into(),
        mime_type: "audio/wav".into(),
        annotations: None,
    }
}

/// Tests embedded resource content response
#[tool]
fn test_embedded_resource() -> Content {
    Content::resource(
        ResourceContents::text(
            "test://embedded-resource",
            "This is an embedded resource content.",
        )
        .with_mime_type("text/plain"),
    )
}

/// Tests response with multiple content types (text, image, resource)
#[tool]
fn test_multiple_content_types() -> Vec<Content> {
    let data = json!({ "test": "data", "value": 123 }).to_string();
    vec![
        Content::text("Multiple content types test:"),
        image(),
        Content::resource(
            ResourceContents::text("test://mixed-content-resource", data)
                .with_mime_type("application/json"),
        ),
    ]
}

/// Tests tool that emits log messages during execution
#[tool]
async fn test_tool_with_logging(ctx: Context) -> &'static str {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Tool with logging executed successfully"
}

/// Tests tool that reports progress notifications
#[tool]
async fn test_tool_with_progress(ctx: Context) -> String {
    for step in [0.0, 50.0, 100.0] {
        ctx.progress_with_message(step, Some(100.0), format!("Completed step {step} of 100"))
            .await;
        if step < 100.0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    ctx.progress_token()
        .map(|t| t.to_string().trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// Tests error response handling
#[tool]
fn test_error_handling() -> Result<String, String> {
    Err("This tool intentionally returns an error for testing".into())
}

/// Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the stream mid-call and send the result after client reconnects.
#[tool]
async fn test_reconnection(ctx: Context) -> &'static str {
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
}

/// Tests server-initiated sampling (LLM completion request)
#[tool]
async fn test_sampling(
    /// The prompt to send to the LLM
    prompt: String,
    ctx: Context,
) -> String {
    let request = CreateMessageRequest {
        messages: vec![SamplingMessage::user(prompt)],
        max_tokens: 100,
        ..Default::default()
    };
    match ctx.sample(request).await {
        Ok(answer) => format!(
            "LLM response: {}",
            answer.content.as_text().unwrap_or("No response")
        ),
        Err(e) => format!("Sampling not supported or error: {e}"),
    }
}

/// The form of `test_elicitation`.
#[derive(Debug, Deserialize, JsonSchema, serde::Serialize)]
struct UserResponse {
    /// User's response
    response: String,
}

/// Tests server-initiated elicitation (user input request)
#[tool]
async fn test_elicitation(
    /// The message to show the user
    message: String,
    ctx: Context,
) -> String {
    match ctx.elicit::<UserResponse>(&message).await {
        Ok(Elicitation::Accept(form)) => {
            format!("User response: action=accept, content={}", json!(form))
        }
        Ok(Elicitation::Decline) => "User response: action=decline, content={}".into(),
        Ok(Elicitation::Cancel) => "User response: action=cancel, content={}".into(),
        Err(e) => format!("Elicitation not supported or error: {e}"),
    }
}

/// A user's status.
#[derive(Debug, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Active,
    Inactive,
    Pending,
}

/// A form whose every field has a default (SEP-1034).
#[derive(Debug, Deserialize, JsonSchema, serde::Serialize)]
struct Defaults {
    /// User name
    #[serde(default = "default_name")]
    name: String,
    /// User age
    #[serde(default = "default_age")]
    age: i64,
    /// User score
    #[serde(default = "default_score")]
    score: f64,
    /// User status
    #[serde(default = "default_status")]
    status: Status,
    /// Verification status
    #[serde(default = "default_verified")]
    verified: bool,
}

fn default_name() -> String {
    "John Doe".into()
}
fn default_age() -> i64 {
    30
}
fn default_score() -> f64 {
    95.5
}
fn default_status() -> Status {
    Status::Active
}
fn default_verified() -> bool {
    true
}

/// Tests elicitation with default values per SEP-1034
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> String {
    match ctx
        .elicit::<Defaults>("Please review and update the form fields with defaults")
        .await
    {
        Ok(Elicitation::Accept(form)) => format!(
            "Elicitation completed: action=accept, content={}",
            json!(form)
        ),
        Ok(Elicitation::Decline) => "Elicitation completed: action=decline, content={}".into(),
        Ok(Elicitation::Cancel) => "Elicitation completed: action=cancel, content={}".into(),
        Err(e) => format!("Elicitation not supported or error: {e}"),
    }
}

/// Tests elicitation with enum schema improvements per SEP-1330
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> String {
    // The five enum forms of SEP-1330 (one of them the deprecated `enumNames`), as a
    // hand-written schema.
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": { "type": "string", "description": "Select one option", "enum": ["option1", "option2", "option3"] },
            "titledSingle": {
                "type": "string",
                "description": "Select one option with titles",
                "oneOf": [
                    { "const": "value1", "title": "First Option" },
                    { "const": "value2", "title": "Second Option" },
                    { "const": "value3", "title": "Third Option" }
                ]
            },
            "legacyEnum": {
                "type": "string",
                "description": "Select one option (legacy)",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
                "type": "array",
                "description": "Select multiple options",
                "minItems": 1,
                "maxItems": 3,
                "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
            },
            "titledMulti": {
                "type": "array",
                "description": "Select multiple options with titles",
                "minItems": 1,
                "maxItems": 3,
                "items": {
                    "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" }
                    ]
                }
            }
        },
        "required": []
    });
    let schema = schema.as_object().cloned().unwrap_or_default();
    match ctx
        .elicit_with_schema("Please select options from the enum fields", schema)
        .await
    {
        Ok(result) => format!(
            "Elicitation completed: action={}, content={}",
            json!(result.action).as_str().unwrap_or_default(),
            json!(result.content.unwrap_or_default())
        ),
        Err(e) => format!("Elicitation not supported or error: {e}"),
    }
}

/// A postal address.
#[derive(Debug, Deserialize, JsonSchema, serde::Serialize)]
struct Address {
    street: Option<String>,
    city: Option<String>,
}

/// Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)
#[tool(input_schema = json!({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
        }
    },
    "properties": {
        "name": { "type": "string" },
        "address": { "$ref": "#/$defs/address" },
        "contactMethod": { "type": "string", "enum": ["phone", "email"] },
        "phone": { "type": "string" },
        "email": { "type": "string" }
    },
    "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
    "if": {
        "properties": { "contactMethod": { "const": "phone" } },
        "required": ["contactMethod"]
    },
    "then": { "required": ["phone"] },
    "else": { "required": ["email"] },
    "additionalProperties": false
}))]
fn json_schema_2020_12_tool(name: Option<String>, address: Option<Address>) -> String {
    format!(
        "JSON Schema 2020-12 tool called with: {}",
        json!({ "name": name, "address": address })
    )
}

// ----- MCP 2026-07-28: multi-round requests ---------------------------------------------
//
// Each handler is written once and serves both eras: a 2025 client is sent the request
// (sampling, elicitation, roots) mid-call; a 2026-07-28 client gets an
// InputRequiredResult and retries, and the same body goes on past its question.

/// A name, asked of the user.
#[derive(Debug, Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// A colour, asked of the user.
#[derive(Debug, Deserialize, JsonSchema)]
struct Colour {
    color: String,
}

/// Context for a prompt, asked of the user.
#[derive(Debug, Deserialize, JsonSchema)]
struct PromptContext {
    context: String,
}

fn accepted<T>(answer: Elicitation<T>) -> Option<T> {
    match answer {
        Elicitation::Accept(value) => Some(value),
        Elicitation::Decline | Elicitation::Cancel => None,
    }
}

/// Asks the user's name under the key `user_name`; "stranger" when they decline.
async fn user_name(ctx: &Context) -> Result<String, ClientRequestError> {
    let name = ctx
        .input("user_name")
        .elicit::<Name>("What is your name?")
        .await?;
    Ok(accepted(name).map_or_else(|| "stranger".to_owned(), |n| n.name))
}

/// Asks the user's name (multi-round elicitation)
#[tool]
async fn test_input_required_result_elicitation(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let who = user_name(&ctx).await?;
    Ok(format!("Hello, {who}!"))
}

/// Asks the client's model a question (multi-round sampling)
#[tool]
async fn test_input_required_result_sampling(ctx: Context) -> Result<String, ClientRequestError> {
    let answer = ctx
        .input("capital_question")
        .sample(CreateMessageRequest {
            messages: vec![SamplingMessage::user("What is the capital of France?")],
            max_tokens: 100,
            ..Default::default()
        })
        .await?;
    Ok(format!(
        "Sampling response: {}",
        answer.content.as_text().unwrap_or_default()
    ))
}

/// Lists the client's roots (multi-round roots)
#[tool]
async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, ClientRequestError> {
    let roots = ctx.input("client_roots").list_roots().await?;
    let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!("Client roots: {}", uris.join(", ")))
}

/// Round-trips the request state (multi-round)
#[tool]
async fn test_input_required_result_request_state(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let who = user_name(&ctx).await?;
    Ok(format!(
        "state-ok: the request state came back intact ({who})"
    ))
}

/// Asks three things at once (multi-round: elicitation, sampling and roots)
#[tool]
async fn test_input_required_result_multiple_inputs(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let greeting = ctx.input("greeting");
    let roots = ctx.input("client_roots");
    let (who, greeting, roots) = tokio::join!(
        user_name(&ctx),
        greeting.sample(CreateMessageRequest {
            messages: vec![SamplingMessage::user("Generate a greeting")],
            max_tokens: 50,
            ..Default::default()
        }),
        roots.list_roots(),
    );
    let who = who?;
    Ok(format!(
        "{} {who} ({} roots)",
        greeting?.content.as_text().unwrap_or("Hello"),
        roots?.len()
    ))
}

/// Asks two questions, one after the other (multi-round over three rounds)
#[tool]
async fn test_input_required_result_multi_round(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let name = ctx
        .input("step1")
        .elicit::<Name>("Step 1: What is your name?")
        .await?;
    let colour = ctx
        .input("step2")
        .elicit::<Colour>("Step 2: What is your favorite color?")
        .await?;
    let who = accepted(name).map_or_else(|| "stranger".to_owned(), |n| n.name);
    let colour = accepted(colour).map_or_else(|| "unknown".to_owned(), |c| c.color);
    Ok(format!("Hello, {who}! Your favorite color is {colour}."))
}

/// Asks the user's name; a tampered request state is refused
#[tool]
async fn test_input_required_result_tampered_state(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let who = user_name(&ctx).await?;
    Ok(format!("Hello, {who}!"))
}

/// Asks only what the client can answer
#[tool]
async fn test_input_required_result_capabilities(
    ctx: Context,
) -> Result<String, ClientRequestError> {
    let mut said = Vec::new();
    if ctx.client_supports("sampling") {
        let answer = ctx
            .input("capital_question")
            .sample(CreateMessageRequest {
                messages: vec![SamplingMessage::user("What is the capital of France?")],
                max_tokens: 100,
                ..Default::default()
            })
            .await?;
        said.push(format!(
            "sampling: {}",
            answer.content.as_text().unwrap_or_default()
        ));
    }
    if ctx.client_supports("elicitation") {
        let who = user_name(&ctx).await?;
        said.push(format!("elicitation: {who}"));
    }
    Ok(if said.is_empty() {
        "The client can answer nothing: nothing asked.".into()
    } else {
        said.join("; ")
    })
}

/// Needs the client's model: a client without sampling is refused (-32021)
#[tool]
async fn test_missing_capability(ctx: Context) -> Result<String, ClientRequestError> {
    let answer = ctx
        .sample(CreateMessageRequest {
            messages: vec![SamplingMessage::user("Say hello")],
            max_tokens: 20,
            ..Default::default()
        })
        .await?;
    Ok(answer.content.as_text().unwrap_or_default().to_owned())
}

/// Asks the user mid-call: a modern client gets an InputRequiredResult on the stream
#[tool]
async fn test_streaming_elicitation(ctx: Context) -> Result<String, ClientRequestError> {
    ctx.progress(1.0, Some(2.0)).await;
    let who = user_name(&ctx).await?;
    Ok(format!("Hello, {who}!"))
}

/// Logs at every level; a modern request without a log level gets none of it
#[tool]
async fn test_logging_tool(ctx: Context) -> &'static str {
    ctx.debug("debug message").await;
    ctx.info("info message").await;
    ctx.warning("warning message").await;
    ctx.error("error message").await;
    "logged"
}

/// The running server, for the tools that change its lists.
static SERVER: std::sync::OnceLock<Server> = std::sync::OnceLock::new();

/// Changes the tool list (every listener hears notifications/tools/list_changed)
#[tool]
fn test_trigger_tool_change() -> Result<&'static str, String> {
    let server = SERVER.get().ok_or("the server is not running yet")?;
    let tool = ToolDef::of(test_simple_text).ok_or("test_simple_text has no #[tool]")?;
    server.add_tool(tool).map_err(|e| e.to_string())?;
    Ok("tool list changed")
}

/// Changes the prompt list (every listener hears notifications/prompts/list_changed)
#[tool]
fn test_trigger_prompt_change() -> Result<&'static str, String> {
    let server = SERVER.get().ok_or("the server is not running yet")?;
    let prompt = PromptDef::of(test_simple_prompt).ok_or("test_simple_prompt has no #[prompt]")?;
    server.add_prompt(prompt).map_err(|e| e.to_string())?;
    Ok("prompt list changed")
}

/// A prompt that asks the user for context first (multi-round prompts/get)
#[prompt]
async fn test_input_required_result_prompt(ctx: Context) -> Result<String, ErrorObject> {
    let answer = ctx
        .input("user_context")
        .elicit::<PromptContext>("What context should the prompt use?")
        .await
        .map_err(|e| ErrorObject::internal(e.to_string()))?;
    let context = accepted(answer).map_or_else(|| "none".to_owned(), |c| c.context);
    Ok(format!("Answer with this context in mind: {context}"))
}

/// Runs a query in a region: `region` travels in the `Mcp-Param-Region` header too
/// (SEP-2243), which the server checks against the body
#[tool(headers(region = "Region"))]
fn test_custom_headers(
    /// Where to run the query
    region: String,
    /// What to run
    query: String,
) -> String {
    format!("ran {query:?} in {region}")
}

// ----- MCP 2026-07-28: tasks (the extension io.modelcontextprotocol/tasks) -------------

/// Greets someone by name (never a task)
#[tool]
fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Computes slowly: a task for clients that support them
#[tool(task)]
async fn slow_compute(
    /// How long the computation takes, in seconds.
    seconds: u64,
    /// A label for the result.
    label: Option<String>,
) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let label = label.as_deref().unwrap_or("result");
    format!("Computed {label} in {seconds}s")
}

/// Reports progress `steps` times, `interval_ms` apart, then answers: a long call whose
/// stream a client may lose and resume (each message names this process, so a test
/// knows which instance of a cluster runs it)
#[tool]
async fn ticker(
    ctx: Context,
    /// How many progress notifications to send.
    steps: u32,
    /// The pause between two of them, in milliseconds.
    interval_ms: u64,
) -> String {
    let pid = std::process::id();
    for step in 1..=steps {
        let message = format!("step {step} of {steps} (pid {pid})");
        ctx.progress_with_message(f64::from(step), Some(f64::from(steps)), message)
            .await;
        if interval_ms > 0 {
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        }
    }
    format!("ticked {steps} times")
}

/// A job that fails after a second (a tool error); only as a task
#[tool(task = "required")]
async fn failing_job() -> Result<String, String> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err("the job failed: the input could not be processed".into())
}

/// A job that ends with a protocol error (a failed task)
#[tool(task)]
async fn protocol_error_job() -> ToolOutcome {
    tokio::time::sleep(Duration::from_millis(100)).await;
    ToolOutcome::protocol_error(ErrorObject::internal(
        "the job hit an internal error and could not finish",
    ))
}

/// A yes or no, asked of the user.
#[derive(Debug, Deserialize, JsonSchema)]
struct Confirm {
    confirm: bool,
}

/// Deletes a file once the user confirms it (the question is the task's)
#[tool(task)]
async fn confirm_delete(
    /// The file to delete.
    filename: String,
    ctx: Context,
) -> Result<String, ClientRequestError> {
    ctx.continue_as_task().await;
    let answer = ctx
        .input("confirm")
        .elicit::<Confirm>(&format!("Delete {filename}?"))
        .await?;
    Ok(match accepted(answer) {
        Some(Confirm { confirm: true }) => format!("Deleted {filename}"),
        _ => format!("Kept {filename}"),
    })
}

/// Asks two questions at once, in a task
#[tool(task)]
async fn multi_input(ctx: Context) -> Result<String, ClientRequestError> {
    ctx.continue_as_task().await;
    let (first, second) = (ctx.input("first"), ctx.input("second"));
    let (a, b) = tokio::join!(
        first.elicit::<Name>("First name?"),
        second.elicit::<Name>("Second name?"),
    );
    let name =
        |answer: Elicitation<Name>| accepted(answer).map_or_else(|| "-".to_owned(), |n| n.name);
    Ok(format!("Got {} and {}", name(a?), name(b?)))
}

/// Asks the user's name in the call, then goes on as a task (multi-round, then a task)
#[tool(task = "required")]
async fn test_tool_with_task(ctx: Context) -> Result<String, ClientRequestError> {
    let who = user_name(&ctx).await?;
    ctx.continue_as_task().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!("Hello, {who}! (from a task)"))
}

// ----- resources ----------------------------------------------------------------------

/// A static text resource for testing
#[resource(
    "test://static-text",
    name = "static-text",
    title = "Static Text Resource",
    mime_type = "text/plain"
)]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (image) for testing
#[resource(
    "test://static-binary",
    name = "static-binary",
    title = "Static Binary Resource",
    mime_type = "image/png"
)]
fn static_binary() -> ResourceContents {
    ResourceContents::Blob {
        uri: "test://static-binary".into(),
        mime_type: Some("image/png".into()),
        blob: TEST_IMAGE_BASE64.into(),
        meta: None,
    }
}

/// A resource template with parameter substitution
#[resource(
    "test://template/{id}/data",
    name = "template",
    title = "Resource Template",
    mime_type = "application/json"
)]
fn template(id: String) -> String {
    json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }).to_string()
}

/// A resource that auto-updates every 3 seconds
#[resource(
    "test://watched-resource",
    name = "watched-resource",
    title = "Watched Resource",
    mime_type = "text/plain"
)]
fn watched_resource() -> &'static str {
    "Watched resource content"
}

// ----- prompts ------------------------------------------------------------------------

/// A simple prompt without arguments
#[prompt(title = "Simple Test Prompt")]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

fn complete_arg1(prefix: &str) -> Vec<String> {
    ["alpha", "beta", "gamma", "test"]
        .into_iter()
        .filter(|v| v.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// A prompt with required arguments
#[prompt(title = "Prompt With Arguments", complete(arg1 = complete_arg1))]
fn test_prompt_with_arguments(
    /// First test argument
    arg1: String,
    /// Second test argument
    arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that includes an embedded resource
#[prompt(title = "Prompt With Embedded Resource")]
#[allow(non_snake_case)]
fn test_prompt_with_embedded_resource(
    /// URI of the resource to embed
    resourceUri: String,
) -> Vec<PromptMessage> {
    let embedded = ResourceContents::text(resourceUri, "Embedded resource content for testing.")
        .with_mime_type("text/plain");
    vec![
        PromptMessage {
            role: Role::User,
            content: Content::resource(embedded),
        },
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt that includes image content
#[prompt(title = "Prompt With Image")]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage {
            role: Role::User,
            content: image(),
        },
        PromptMessage::user("Please analyze the image above."),
    ]
}

#[tokio::main]
async fn main() -> mcp_runtime::Result<()> {
    let server = Server::builder()
        .registered()
        .name("mcp-conformance-test-server")
        .version("1.0.0")
        .build()?;
    let _ = SERVER.set(server.clone());
    let watcher = server.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3));
        tick.tick().await;
        loop {
            tick.tick().await;
            watcher.notify_resource_updated("test://watched-resource");
        }
    });
    server.run(Transport::from_args()).await
}
