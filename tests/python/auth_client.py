"""Call the `notes` server, started with --auth-issuer, with the official MCP Python SDK
(mcp==2.3.0) and a bearer token.

Usage:
    python auth_client.py URL WRITER_TOKEN READER_TOKEN [auto|legacy]

The writer's token grants `notes:write`: it lists the tools and adds a note. The
reader's does not: its `add_note` is refused (HTTP 403, `insufficient_scope`), while
its read-only calls work. Exits 0 after a one-line summary, 1 with the first failure.
Run by `tests/python_sdk.rs` (`cargo xtask test`).
"""

from __future__ import annotations

import sys
import traceback

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def fail(message: str) -> None:
    raise SystemExit(f"FAILED: {message}")


def connect(url: str, mode: str, http: httpx2.AsyncClient) -> Client:
    return Client(streamable_http_client(url, http_client=http), read_timeout_seconds=30, cache=None, mode=mode)


async def run(url: str, writer: str, reader: str, mode: str) -> str:
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {writer}"}) as http:
        async with connect(url, mode, http) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            if "add_note" not in names:
                fail(f"tools/list lacks add_note: {names}")
            added = await client.call_tool("add_note", {"title": "From Python", "body": "with a token"})
            if added.is_error:
                fail(f"add_note with notes:write failed: {added}")
            version = client.protocol_version
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {reader}"}) as http:
        async with connect(url, mode, http) as client:
            found = await client.call_tool("search_notes", {"query": "Python"})
            if found.is_error:
                fail(f"search_notes with a read-only token failed: {found}")
            try:
                refused = await client.call_tool("add_note", {"title": "x", "body": "y"})
            except Exception as error:  # the SDK raises on HTTP 403
                text = repr(error)
                if "403" not in text and "insufficient" not in text.lower() and "notes:write" not in text:
                    fail(f"add_note without notes:write raised something else: {text}")
            else:
                fail(f"add_note without notes:write was answered: {refused}")
    return version


def main() -> int:
    if len(sys.argv) < 4:
        print(f"usage: {sys.argv[0]} URL WRITER_TOKEN READER_TOKEN [auto|legacy]", file=sys.stderr)
        return 2
    url, writer, reader = sys.argv[1:4]
    mode = sys.argv[4] if len(sys.argv) > 4 else "auto"
    try:
        version = anyio.run(run, url, writer, reader, mode)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    print(f"ok: {mode} mode, protocol {version}, bearer tokens accepted and scopes enforced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
