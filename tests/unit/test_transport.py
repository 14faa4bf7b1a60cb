"""Framing: the variants clients send, and recovery from a bad frame."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsp_server.transport import MAX_BODY_BYTES, FramingError, read_messages


def _read_all(stream: bytes) -> list[bytes]:
    source = io.BytesIO(stream)

    async def readline() -> bytes:
        return source.readline()

    async def read(n: int) -> bytes:
        return source.read(n)

    async def collect() -> list[bytes]:
        return [body async for body in read_messages(readline, read)]

    return asyncio.run(collect())


def _body(i: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": "m", "params": {"i": i}}).encode()


HEADERS = [
    b"Content-Length: %d\r\n\r\n",
    b"content-length: %d\r\n\r\n",
    b"Content-Length: %d\n\n",
    b"Content-Length:  %d\r\n\r\n",
    b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
]


@given(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
def test_every_header_variant_is_read(headers: list[bytes]) -> None:
    stream = b"".join(h % len(_body(i)) + _body(i) for i, h in enumerate(headers))
    assert _read_all(stream) == [_body(i) for i in range(len(headers))]


@pytest.mark.parametrize("error", [-10, 10])
def test_a_frame_with_a_wrong_length_costs_at_most_two_messages(error: int) -> None:
    bodies = [_body(i) for i in range(5)]
    frames = [b"Content-Length: %d\r\n\r\n" % len(b) + b for b in bodies]
    frames[1] = b"Content-Length: %d\r\n\r\n" % (len(bodies[1]) + error) + bodies[1]
    read = _read_all(b"".join(frames))
    assert read[0] == bodies[0] and read[-2:] == bodies[-2:]


def test_a_huge_claim_stops_loudly_instead_of_taking_the_memory() -> None:
    with pytest.raises(FramingError):
        _read_all(b"Content-Length: %d\r\n\r\n{}" % (MAX_BODY_BYTES + 1))
