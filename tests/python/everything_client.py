"""Drive the `everything` fixture server with the official MCP Python SDK (mcp==2.3.0),
exercising what a handler's `Context` sends back during a call, through the SDK's own
callbacks: progress, logging, sampling, elicitation; and completion.

Usage:
    python everything_client.py stdio PATH_TO_EVERYTHING_BINARY
    python everything_client.py streamable-http URL        (e.g. http://127.0.0.1:8000/mcp)

Over Streamable HTTP, the server's requests (sampling, elicitation) and notifications
travel on each call's SSE stream, and the SDK answers with POSTs of its own.

The SDK runs some callbacks (progress, logging) as tasks of their own, which may finish
after the call that caused them returns: the checks wait for them, within a bound.

Exits 0 after a one-line summary, or 1 naming the first check that failed. Run by
`tests/python_sdk_everything.rs` (`cargo xtask test`).
"""

from __future__ import annotations

import sys
import traceback
import warnings
from typing import Any

import anyio
from mcp import Client, MCPDeprecationWarning, StdioServerParameters, types

# The check helpers of the `notes` client, which sits next to this script.
import notes_client
from notes_client import CheckFailed, check, check_eq, leaf_exceptions, only_text, wire

PROTOCOL_VERSION = {"auto": "2026-07-28", "legacy": "2025-11-25"}
MODE = "auto"  # set from the command line
# How long a callback the SDK runs as a task may take to run.
CALLBACK_WAIT_SECONDS = 10.0

step = "start"

# The SDK warns that `logging/setLevel` is deprecated from protocol 2026-07-28 on; this
# client speaks 2025-11-25, where it is not.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)


async def wait_for(items: list[Any], count: int, what: str) -> None:
    """Waits until `items` holds at least `count` entries."""
    try:
        with anyio.fail_after(CALLBACK_WAIT_SECONDS):
            while len(items) < count:
                await anyio.sleep(0.01)
    except TimeoutError:
        check(False, f"{what}: expected {count} within {CALLBACK_WAIT_SECONDS}s, got {len(items)}", items)


async def call_ok(client: Client, name: str, arguments: dict[str, Any], **options: Any) -> str:
    """The text of a successful call."""
    result = await client.call_tool(name, arguments, **options)
    check(not result.is_error, f"tools/call {name} {arguments}: unexpected isError result", wire(result))
    return only_text(result, f"tools/call {name}")


# --- the client's side of the server's requests ---------------------------------


class Peer:
    """What the client's callbacks saw, and how they answer."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, Any]] = []
        self.sampling: list[dict[str, Any]] = []
        self.elicitations: list[dict[str, Any]] = []

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append((params.level, params.data))

    async def on_sampling(self, context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        self.sampling.append(wire(params))
        text = params.messages[0].content.text
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=f"echo of {text!r}"),
            model="python-sdk-test-model",
            stop_reason="endTurn",
        )

    async def on_elicitation(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.elicitations.append(wire(params))
        if "decline" in params.message:
            return types.ElicitResult(action="decline")
        if "defaults" in params.message:
            return types.ElicitResult(action="accept", content={"age": 7, "status": "pending"})
        return types.ElicitResult(action="accept", content={"response": "from python"})


# --- checks -----------------------------------------------------------------------


def check_initialize(client: Client) -> None:
    check_eq(client.protocol_version, PROTOCOL_VERSION[MODE], "negotiated protocol version")
    capabilities = wire(client.server_capabilities)
    for capability in ("logging", "completions", "tools", "resources", "prompts"):
        check(capability in capabilities, f"server capabilities lack {capability!r}", capabilities)


async def check_progress(client: Client) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    token = await call_ok(client, "test_tool_with_progress", {}, progress_callback=on_progress)
    # The tool answers with the progressToken it received: the SDK's (the request id).
    check(token != "", "test_tool_with_progress saw no progress token")
    await wait_for(updates, 3, "progress notifications")
    expected = [(float(n), 100.0, f"Completed step {n} of 100") for n in (0, 50, 100)]
    check_eq(updates, expected, "progress notifications (progress, total, message)")


async def call_logging_tool(client: Client, level: types.LoggingLevel) -> str:
    """Calls test_tool_with_logging hearing messages at `level` and above: set with
    `logging/setLevel` in 2025-11-25; from 2026-07-28 on there is no such request, and the
    call names its level in its own `_meta`."""
    if MODE == "legacy":
        await client.set_logging_level(level)
        return await call_ok(client, "test_tool_with_logging", {})
    return await call_ok(client, "test_tool_with_logging", {}, meta={"io.modelcontextprotocol/logLevel": level})


async def check_logging(client: Client, peer: Peer) -> None:
    started = ("info", "Tool execution started")
    expected = [started, ("info", "Tool processing data"), ("info", "Tool execution completed")]
    check_eq(await call_logging_tool(client, "debug"), "Tool with logging executed successfully", "test_tool_with_logging")
    await wait_for(peer.logs, 3, "log messages at level debug")
    check_eq(peer.logs, expected, "log messages (level, data) at level debug")

    # At level error the info messages are not sent. The call after it, at level info,
    # is the marker: its messages come behind any that should not have.
    await call_logging_tool(client, "error")
    await call_logging_tool(client, "info")
    await wait_for(peer.logs, 6, "log messages at level info")
    check_eq(peer.logs, expected + expected, "log messages: none at level error")
    if MODE != "legacy":
        # 2026-07-28: a request that names no level hears no log message at all.
        await call_ok(client, "test_tool_with_logging", {})
        await call_logging_tool(client, "info")
        await wait_for(peer.logs, 9, "log messages at level info")
        check_eq(peer.logs, expected * 3, "log messages: none without a level")


async def check_sampling(client: Client, peer: Peer) -> None:
    prompt = "What is the capital of France?"
    text = await call_ok(client, "test_sampling", {"prompt": prompt})
    check_eq(text, f"LLM response: echo of {prompt!r}", "test_sampling")
    check_eq(len(peer.sampling), 1, "sampling requests")
    request = peer.sampling[0]
    check_eq(request["messages"], [{"role": "user", "content": {"type": "text", "text": prompt}}], "sampling messages")
    check_eq(request["maxTokens"], 100, "sampling maxTokens")


async def check_elicitation(client: Client, peer: Peer) -> None:
    text = await call_ok(client, "test_elicitation", {"message": "Say something"})
    check_eq(text, 'User response: action=accept, content={"response":"from python"}', "test_elicitation accepted")
    text = await call_ok(client, "test_elicitation", {"message": "Please decline"})
    check_eq(text, "User response: action=decline, content={}", "test_elicitation declined")
    form = {
        "type": "object",
        "properties": {"response": {"type": "string", "description": "User's response"}},
        "required": ["response"],
    }
    asked = [{"mode": "form", "message": message, "requestedSchema": form} for message in ("Say something", "Please decline")]
    check_eq(peer.elicitations, asked, "elicitation requests")

    # SEP-1034: every field has a default; what the user leaves out takes it.
    text = await call_ok(client, "test_elicitation_sep1034_defaults", {})
    content = '{"name":"John Doe","age":7,"score":95.5,"status":"pending","verified":true}'
    check_eq(text, f"Elicitation completed: action=accept, content={content}", "test_elicitation_sep1034_defaults")
    schema = peer.elicitations[-1]["requestedSchema"]
    defaults = {name: prop.get("default") for name, prop in schema["properties"].items()}
    expected = {"name": "John Doe", "age": 30, "score": 95.5, "status": "active", "verified": True}
    check_eq(defaults, expected, "SEP-1034 defaults in the requested schema")
    check_eq(schema["properties"]["status"].get("enum"), ["active", "inactive", "pending"], "status enum")
    check("required" not in schema, "no field with a default is required", schema)


async def check_completion(client: Client) -> None:
    prompt = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
    for value, values in [("", ["alpha", "beta", "gamma", "test"]), ("a", ["alpha"]), ("z", [])]:
        result = await client.complete(prompt, {"name": "arg1", "value": value})
        completion = wire(result)["completion"]
        expected = {"values": values, "total": len(values), "hasMore": False}
        check_eq(completion, expected, f"completion of arg1 from {value!r}")


# --- main ---------------------------------------------------------------------------


TRANSPORTS = ("stdio", "streamable-http")


async def run(transport: str, target: str) -> None:
    global step
    server = StdioServerParameters(command=target) if transport == "stdio" else target
    peer = Peer()
    step = "connect"
    async with Client(
        server,
        read_timeout_seconds=30,
        cache=None,
        sampling_callback=peer.on_sampling,
        elicitation_callback=peer.on_elicitation,
        logging_callback=peer.on_log,
        mode=MODE,
    ) as client:
        check_initialize(client)
        step = "progress"
        await check_progress(client)
        step = "logging"
        await check_logging(client, peer)
        step = "sampling"
        await check_sampling(client, peer)
        step = "elicitation"
        await check_elicitation(client, peer)
        step = "completion"
        await check_completion(client)
        step = "shutdown"


def main() -> int:
    global MODE
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in TRANSPORTS or sys.argv[3:] not in ([], ["auto"], ["legacy"]):
        print(f"usage: {sys.argv[0]} stdio PATH_TO_EVERYTHING_BINARY | streamable-http URL [auto|legacy]", file=sys.stderr)
        return 2
    transport, target = sys.argv[1:3]
    MODE = sys.argv[3] if len(sys.argv) == 4 else "auto"
    try:
        anyio.run(run, transport, target)
    except BaseException as group:  # noqa: BLE001 - reported below, with the step it happened in
        errors = leaf_exceptions(group)
        failed = next((error for error in errors if isinstance(error, CheckFailed)), None)
        if failed is None:
            if all(isinstance(error, KeyboardInterrupt) for error in errors):
                raise
            traceback.print_exception(group)
            message = f"{type(errors[0]).__name__}: {errors[0]}"
        else:
            message = str(failed)
        print(f"FAIL ({step}; after {notes_client.checks_passed} checks passed): {message}", file=sys.stderr)
        return 1
    print(f"python SDK client ({MODE}): {notes_client.checks_passed} checks passed over {transport} against {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
