"""Reading LSP messages from a byte stream: `Content-Length` framing, tolerant of the
variants clients send, and recovering from a bad frame instead of going deaf.

Pure: no protocol library here (server.py feeds the bodies to pygls).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

# The most a message may claim; a client that claims more is broken, and reading it
# would take the memory of the machine.
MAX_BODY_BYTES = 64 << 20
# Anywhere in a header line, any case, any spacing (a header may follow the end of a
# body whose length was given too short).
_LENGTH = re.compile(rb"content-length\s*:\s*(\d+)", re.IGNORECASE)


class FramingError(Exception):
    """The stream cannot be read on (a message claims too much)."""


async def read_messages(
    readline: Callable[[], Awaitable[bytes]],
    read: Callable[[int], Awaitable[bytes]],
) -> AsyncIterator[bytes]:
    """Message bodies, until the stream ends. Header lines may end with CRLF or LF,
    the header name may be in any case; lines that are not a Content-Length header
    are skipped, so a frame with a wrong length costs that frame (and at most the
    next), not the connection."""
    while True:
        length = await _headers(readline)
        if length is None:
            return
        if length > MAX_BODY_BYTES:
            raise FramingError(f"a message claims {length} bytes (at most {MAX_BODY_BYTES})")
        body = await read(length)
        if len(body) < length:
            return
        yield body


async def _headers(readline: Callable[[], Awaitable[bytes]]) -> int | None:
    """The Content-Length of the next frame (None at the end of the stream)."""
    length: int | None = None
    while True:
        line = await readline()
        if not line:
            return None
        if not line.strip():
            if length is not None:
                return length
            continue
        found = _LENGTH.search(line)
        if found:
            length = int(found.group(1))


def valid_id(value: object) -> bool:
    """A JSON-RPC id LSP allows: an integer or a string (not a bool, list or object)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def envelope_problem(data: object) -> str | None:
    """Why a decoded message is not a JSON-RPC 2.0 request, notification or response
    (None when it is one). Checked before anything dispatches it: LSP has no batches,
    and a message of another shape is answered with an error, never run."""
    if isinstance(data, list):
        return "batches are not part of LSP: send one message per frame"
    if not isinstance(data, dict):
        return "a message must be a JSON object"
    if data.get("jsonrpc") != "2.0":
        return 'a message must say "jsonrpc": "2.0"'
    if "id" in data and not valid_id(data["id"]):
        responding = "method" not in data and "error" in data and data["id"] is None
        if not responding:
            return "an id must be an integer or a string"
    if "method" in data:
        if not isinstance(data["method"], str):
            return "method must be a string"
        params = data.get("params")
        if params is not None and not isinstance(params, dict | list):
            return "params must be an object or an array"
        return None
    if "id" in data and ("result" in data or "error" in data):
        return None
    return "a message needs a method, or an id and a result or an error"
