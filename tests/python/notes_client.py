"""Drive the `notes` example server with the official MCP Python SDK (mcp==2.3.0).

Usage:
    python notes_client.py stdio PATH_TO_NOTES_BINARY [auto|legacy]
    python notes_client.py streamable-http URL [auto|legacy]   (e.g. http://127.0.0.1:8000/mcp)

With `stdio` the SDK launches the server itself; with `streamable-http` it
connects to a server that is already listening at URL (the SDK's Streamable
HTTP client: POST per message, `Mcp-Session-Id`, DELETE on close).

Either way the SDK's high-level `Client` runs in the mode given (default
`auto`): in `auto` it first probes `server/discover` (a 2026-07-28 method),
which our server answers, so the client speaks 2026-07-28 (no session, every
request with its `_meta`); in `legacy` it uses the `initialize` handshake,
offering protocol 2025-11-25. Every result is validated by the SDK against
the protocol's schema before we see it; the checks below then compare it with
what the server is meant to expose. They are the same for both transports and
both modes, but for the negotiated version and the code of a missing resource
(-32602 in 2026-07-28, -32002 before).

Exits 0 after printing a one-line summary, or 1 with a message naming the
first check that failed. Run by `tests/python_sdk.rs` (`cargo xtask test`).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any

import anyio
from mcp import Client, MCPError, StdioServerParameters

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # anyio's dependency before 3.11

HANDSHAKE_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
REQUESTED_VERSION = "2025-11-25"  # what the 2.3.0 client offers in `initialize`
MODERN_VERSION = "2026-07-28"  # what `auto` adopts after `server/discover`
MODE = "auto"  # set from the command line
RESOURCE_NOT_FOUND = {"auto": -32602, "legacy": -32002}
# The client waits this long for an answer to `server/discover` before it
# falls back to `initialize`; a connect that slow means the server ignored it.
DISCOVER_TIMEOUT_SECONDS = 10.0

WELCOME_BODY = "This server keeps notes in memory."


class CheckFailed(Exception):
    pass


checks_passed = 0
step = "start"


def check(condition: bool, message: str, actual: Any = None) -> None:
    """Count a passing check, or stop with `message` (and the actual value)."""
    global checks_passed
    if not condition:
        detail = "" if actual is None else f"\n  actual: {json.dumps(actual, indent=2, default=str)}"
        raise CheckFailed(f"{message}{detail}")
    checks_passed += 1


def check_eq(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def wire(model: Any) -> Any:
    """A result model as it looked on the wire (camelCase keys, no nulls)."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


def has_type(schema: dict[str, Any], name: str) -> bool:
    """Whether a JSON Schema's `type` is `name` or a list containing it (e.g. ["array", "null"])."""
    ty = schema.get("type")
    return ty == name or (isinstance(ty, list) and name in ty)


def find_keys(value: Any, keys: set[str], path: str = "$") -> list[str]:
    """Paths of every object key in `keys`, anywhere inside `value`."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys:
                found.append(f"{path}.{key}")
            found.extend(find_keys(item, keys, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(find_keys(item, keys, f"{path}[{index}]"))
    return found


def only_text(result: Any, what: str) -> str:
    """The text of a result whose content is exactly one text item."""
    content = wire(result)["content"]
    check(len(content) == 1 and content[0]["type"] == "text", f"{what}: expected one text content item", content)
    return content[0]["text"]


async def call_ok(client: Client, name: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(name, arguments)
    check(not result.is_error, f"tools/call {name} {arguments}: unexpected isError result", wire(result))
    return result


# --- initialize ---------------------------------------------------------------


def check_initialize(client: Client, connect_seconds: float) -> None:
    check(
        connect_seconds < DISCOVER_TIMEOUT_SECONDS - 2,
        f"connecting took {connect_seconds:.1f}s: the server seems not to answer `server/discover`; "
        "the client waited for its probe to time out before falling back to `initialize` "
        "(the server should answer unknown methods at once with error -32601)",
    )
    version = client.protocol_version
    if MODE == "auto":
        # The server answers `server/discover`: the client stays modern.
        check_eq(version, MODERN_VERSION, "protocol version adopted after server/discover")
    else:
        check(version in HANDSHAKE_VERSIONS, f"negotiated protocol version {version!r} is not one of {HANDSHAKE_VERSIONS}")
        # The server supports the version the client offered, so it must agree to it.
        check_eq(version, REQUESTED_VERSION, "negotiated protocol version")
        check(client.session.initialize_result is not None, "the session was not set up by `initialize`")
    info = client.server_info
    check(info is not None, "the server did not say who it is (serverInfo)")
    check_eq(info.name, "notes", "serverInfo.name")
    check_eq(info.version, "0.1.0", "serverInfo.version")
    capabilities = wire(client.server_capabilities)
    for capability in ("tools", "resources", "prompts"):
        check(capability in capabilities, f"server capabilities lack {capability!r}", capabilities)


# --- tools --------------------------------------------------------------------

TOOL_DESCRIPTIONS = {
    "add_note": "Add a note to the knowledge base.",
    "search_notes": "Find notes whose title or body contains the query (case-insensitive).",
    "delete_note": "Delete a note by id.",
    "count_words": "Count the words in a text.",
}
# tool -> (property -> JSON Schema type), required properties, annotations
TOOL_PARAMS = {
    "add_note": ({"title": "string", "body": "string", "tags": "array"}, ["body", "title"]),
    "search_notes": ({"query": "string", "limit": "integer"}, ["query"]),
    "delete_note": ({"id": "integer"}, ["id"]),
    "count_words": ({"text": "string"}, ["text"]),
}
TOOL_ANNOTATIONS = {
    "add_note": {},
    "search_notes": {"readOnlyHint": True},
    "delete_note": {"destructiveHint": True},
    "count_words": {"readOnlyHint": True},
}
ADD_NOTE_PARAM_DESCRIPTIONS = {
    "title": "Short title of the note.",
    "body": "The note's text, in Markdown.",
    "tags": "Labels to file the note under.",
}


async def check_tool_list(client: Client) -> None:
    listed = await client.list_tools()
    tools = {tool.name: wire(tool) for tool in listed.tools}
    check_eq(sorted(tools), sorted(TOOL_DESCRIPTIONS), "tool names")
    refs = find_keys(wire(listed), {"$ref", "$defs", "definitions"})
    check(not refs, "tools/list must be self-contained, without $ref/$defs; found: " + ", ".join(refs))

    for name, tool in tools.items():
        check_eq(tool.get("description"), TOOL_DESCRIPTIONS[name], f"{name}: description")
        schema = tool["inputSchema"]
        check_eq(schema.get("type"), "object", f"{name}: inputSchema.type")
        expected_types, required = TOOL_PARAMS[name]
        properties = schema.get("properties", {})
        check_eq(sorted(properties), sorted(expected_types), f"{name}: inputSchema properties")
        for prop, ty in expected_types.items():
            check(has_type(properties[prop], ty), f"{name}: property {prop!r} should have type {ty!r}", properties[prop])
        check_eq(sorted(schema.get("required", [])), required, f"{name}: inputSchema.required")
        annotations = tool.get("annotations", {})
        for hint, value in TOOL_ANNOTATIONS[name].items():
            check_eq(annotations.get(hint), value, f"{name}: annotations.{hint}")
        if not TOOL_ANNOTATIONS[name]:
            check(not annotations, f"{name}: expected no annotations", annotations)

    add_note = tools["add_note"]["inputSchema"]["properties"]
    for prop, description in ADD_NOTE_PARAM_DESCRIPTIONS.items():
        check_eq(add_note[prop].get("description"), description, f"add_note: description of {prop!r}")
    tag_items = add_note["tags"].get("items", {})
    check(has_type(tag_items, "string"), "add_note: tags should be an array of strings", add_note["tags"])

    output = tools["add_note"].get("outputSchema")
    check(output is not None and output.get("type") == "object", "add_note: outputSchema of type object", output)
    for prop in ("id", "title", "body", "tags"):
        check(prop in output.get("properties", {}), f"add_note: outputSchema lacks property {prop!r}", output)
    output = tools["search_notes"].get("outputSchema")
    check(output is not None and output.get("type") == "object", "search_notes: outputSchema of type object", output)
    result_schema = output.get("properties", {}).get("result")
    check(result_schema is not None and has_type(result_schema, "array"), "search_notes: outputSchema.properties.result should be an array", output)


async def check_tool_calls(client: Client) -> None:
    # The client itself validates structuredContent against each tool's outputSchema.
    arguments = {"title": "Rust tips", "body": "Run `cargo clippy` early.", "tags": ["rust", "tooling"]}
    added = await call_ok(client, "add_note", arguments)
    note = added.structured_content
    check(isinstance(note, dict), "add_note: structuredContent should be the note object", wire(added))
    note_id = note.get("id")
    check(isinstance(note_id, int) and not isinstance(note_id, bool), "add_note: note id should be an integer", note)
    check(note_id != 1, "add_note: the new note reused id 1 (the Welcome note's)", note)
    check_eq(note, {"id": note_id, **arguments}, "add_note: structuredContent")
    text = only_text(added, "add_note")
    try:
        check_eq(json.loads(text), note, "add_note: text content parsed as JSON")
    except json.JSONDecodeError as error:
        check(False, f"add_note: text content is not JSON ({error}): {text!r}")

    found = await call_ok(client, "search_notes", {"query": "CLIPPY"})
    hits = (found.structured_content or {}).get("result")
    check(isinstance(hits, list), "search_notes: structuredContent should be {\"result\": [...]}", wire(found))
    check_eq([(hit.get("id"), hit.get("title")) for hit in hits], [(note_id, "Rust tips")], "search_notes 'CLIPPY' (id, title) hits")
    found = await call_ok(client, "search_notes", {"query": "welcome"})
    titles = [hit.get("title") for hit in found.structured_content["result"]]
    check_eq(titles, ["Welcome"], "search_notes 'welcome' titles")
    found = await call_ok(client, "search_notes", {"query": "e", "limit": 1})
    check_eq(len(found.structured_content["result"]), 1, "search_notes 'e' with limit 1: number of hits")

    counted = await call_ok(client, "count_words", {"text": "the quick brown fox"})
    check_eq(counted.structured_content, {"result": 4}, "count_words: structuredContent")

    missing = await client.call_tool("delete_note", {"id": 999})
    check(missing.is_error, "delete_note 999: expected a result with isError true", wire(missing))
    check_eq(only_text(missing, "delete_note 999"), "no note with id 999", "delete_note 999: error text")
    deleted = await call_ok(client, "delete_note", {"id": note_id})
    check_eq(only_text(deleted, "delete_note"), f"Deleted note {note_id}.", "delete_note: text")
    found = await call_ok(client, "search_notes", {"query": "clippy"})
    check_eq(found.structured_content, {"result": []}, "search_notes after delete_note")


# --- resources ----------------------------------------------------------------


async def check_resources(client: Client) -> None:
    resources = [wire(resource) for resource in (await client.list_resources()).resources]
    expected = {
        "uri": "notes://index",
        "name": "index",
        "mimeType": "text/markdown",
        "description": "Every note, one line each.",
    }
    check_eq([{key: r.get(key) for key in expected} for r in resources], [expected], "resources/list")

    templates = [wire(t) for t in (await client.list_resource_templates()).resource_templates]
    expected = {
        "uriTemplate": "notes://{id}",
        "name": "note",
        "mimeType": "text/markdown",
        "description": "A note, by id.",
    }
    check_eq([{key: t.get(key) for key in expected} for t in templates], [expected], "resources/templates/list")

    index = await read_text(client, "notes://index")
    check(index.startswith("# Notes"), "notes://index should start with '# Notes'", index)
    check("Welcome" in index, "notes://index should list the Welcome note", index)
    note = await read_text(client, "notes://1")
    check(note.startswith("# Welcome"), "notes://1 should start with '# Welcome'", note)
    check(WELCOME_BODY in note, "notes://1 should contain the note's body", note)

    try:
        result = await client.read_resource("notes://999")
    except MCPError as error:
        check_eq(error.code, RESOURCE_NOT_FOUND[MODE], f"resources/read notes://999: error code (message {error.message!r})")
    else:
        check(False, "resources/read notes://999: expected a JSON-RPC error -32002", wire(result))


async def read_text(client: Client, uri: str) -> str:
    contents = wire(await client.read_resource(uri))["contents"]
    check(len(contents) == 1 and "text" in contents[0], f"resources/read {uri}: expected one text item", contents)
    check_eq(contents[0]["uri"], uri, f"resources/read {uri}: contents uri")
    if "mimeType" in contents[0]:
        check_eq(contents[0]["mimeType"], "text/markdown", f"resources/read {uri}: mimeType")
    return contents[0]["text"]


# --- prompts ------------------------------------------------------------------


async def check_prompts(client: Client) -> None:
    prompts = {prompt.name: wire(prompt) for prompt in (await client.list_prompts()).prompts}
    check_eq(sorted(prompts), ["review", "summarize_note"], "prompt names")

    review = prompts["review"]
    check_eq(review.get("description"), "Ask for a review of some code.", "review: description")
    arguments = {argument["name"]: argument for argument in review.get("arguments", [])}
    check_eq(sorted(arguments), ["code", "focus"], "review: argument names")
    check_eq(arguments["code"].get("required"), True, "review: code.required")
    check(not arguments["focus"].get("required", False), "review: focus should be optional", arguments["focus"])
    check_eq(arguments["code"].get("description"), "The code to review.", "review: code.description")
    check_eq(arguments["focus"].get("description"), 'Optional focus, e.g. "security".', "review: focus.description")

    summarize = prompts["summarize_note"]
    check_eq(summarize.get("description"), "Summarize one note.", "summarize_note: description")
    arguments = {argument["name"]: argument for argument in summarize.get("arguments", [])}
    check_eq(sorted(arguments), ["id"], "summarize_note: argument names")
    check_eq(arguments["id"].get("required"), True, "summarize_note: id.required")

    code = "fn main() { println!(\"hi\"); }"
    text = await prompt_text(client, "review", {"code": code})
    check(code in text, "review: the message should contain the code", text)
    text = await prompt_text(client, "review", {"code": code, "focus": "security"})
    check(code in text and "security" in text, "review with focus: the message should contain code and focus", text)
    text = await prompt_text(client, "summarize_note", {"id": "1"})
    check(WELCOME_BODY in text, "summarize_note 1: the message should contain the note's body", text)


async def prompt_text(client: Client, name: str, arguments: dict[str, str]) -> str:
    messages = wire(await client.get_prompt(name, arguments))["messages"]
    what = f"prompts/get {name} {arguments}"
    check(len(messages) == 1, f"{what}: expected one message", messages)
    check_eq(messages[0]["role"], "user", f"{what}: role")
    check_eq(messages[0]["content"]["type"], "text", f"{what}: content type")
    return messages[0]["content"]["text"]


# --- main ---------------------------------------------------------------------


TRANSPORTS = ("stdio", "streamable-http")


async def run(transport: str, target: str) -> str:
    global step
    # A URL string makes the SDK use its Streamable HTTP client.
    server = StdioServerParameters(command=target) if transport == "stdio" else target
    # No response cache (we want every answer from the server); no request waits forever.
    step = "connect (server/discover, then initialize)"
    started = time.monotonic()
    async with Client(server, read_timeout_seconds=30, cache=None, mode=MODE) as client:
        check_initialize(client, time.monotonic() - started)
        for step, checks in [
            ("tools/list", check_tool_list),
            ("tools/call", check_tool_calls),
            ("resources", check_resources),
            ("prompts", check_prompts),
        ]:
            await checks(client)
        step = "shutdown"
        return client.protocol_version


def leaf_exceptions(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, which anyio's task groups raise."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaf_exceptions(inner)]
    return [error]


def main() -> int:
    global MODE
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in TRANSPORTS or sys.argv[3:] not in ([], ["auto"], ["legacy"]):
        print(f"usage: {sys.argv[0]} stdio PATH_TO_NOTES_BINARY | streamable-http URL [auto|legacy]", file=sys.stderr)
        return 2
    transport, target = sys.argv[1:3]
    MODE = sys.argv[3] if len(sys.argv) == 4 else "auto"
    try:
        version = anyio.run(run, transport, target)
    except BaseException as group:  # noqa: BLE001 - reported below, with the step it happened in
        errors = leaf_exceptions(group)
        failed = next((error for error in errors if isinstance(error, CheckFailed)), None)
        if failed is None:
            if all(isinstance(error, KeyboardInterrupt) for error in errors):
                raise
            traceback.print_exception(group)
            failed = errors[0]
            message = f"{type(failed).__name__}: {failed}"
        else:
            message = str(failed)
        print(f"FAIL ({step}; after {checks_passed} checks passed): {message}", file=sys.stderr)
        return 1
    print(f"python SDK client ({MODE}): {checks_passed} checks passed over {transport} against {target} (protocol {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
