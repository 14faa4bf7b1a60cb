"""`slm-ls bench load`: many notifications and superseded requests sent to the real
server; its memory before and after. Memory must stay flat: a leak per message shows
here long before a person notices it."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lsp_server.client.replay import server_rss_mb

TEXT = "def area(width, height):\n    return \n"
# The large document: about 5.9 MB of Python, edited one character at a time near
# its end (every position lookup has to find a line 100,000 lines down).
LARGE_LINE = "    value = compute(alpha, beta) + 42  # a comment of some length\n"
LARGE_LINES = 5_900_000 // len(LARGE_LINE)
LARGE_CHANGES = 200


@dataclass(frozen=True)
class LoadResult:
    notifications: int
    requests: int
    answered: int
    rss_before_mb: float | None
    rss_after_mb: float | None
    seconds: float
    large_document_mb: float
    large_ms_per_change: float

    @property
    def growth_kb_per_message(self) -> float | None:
        if self.rss_before_mb is None or self.rss_after_mb is None:
            return None
        messages = self.notifications + self.requests
        return (self.rss_after_mb - self.rss_before_mb) * 1024 / max(messages, 1)


async def _run(model: str | None, notifications: int, requests: int) -> LoadResult:
    command = [sys.executable, "-m", "lsp_server", "serve"] + (["--model", model] if model else [])
    client = LanguageClient("slm-ls-load", "0")
    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    uri = "file:///tmp/slm-ls-load.py"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, TEXT))
    )
    await _complete(client, uri)  # the model is loaded before memory is measured
    before, started = server_rss_mb(client), time.monotonic()
    version = 1
    for index in range(notifications):
        version += 1
        char = "x" if index % 2 == 0 else ""
        start, end = types.Position(1, 11), types.Position(1, 11 if char else 12)
        change = types.TextDocumentContentChangePartial(types.Range(start, end), char)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
            )
        )
        if index % 1000 == 0:
            await asyncio.sleep(0)  # let the writes drain
    answered = 0
    for _ in range(requests // 10):  # ten at a time: each supersedes the one before
        results = await asyncio.gather(*(_complete(client, uri) for _ in range(10)))
        answered += sum(r is not None for r in results)
    await _complete(client, uri)
    after = server_rss_mb(client)
    elapsed = time.monotonic() - started
    large_mb, per_change = await _large_document(client)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return LoadResult(
        notifications, requests, answered, before, after, elapsed, large_mb, per_change
    )


async def _large_document(client: LanguageClient) -> tuple[float, float]:
    """Milliseconds the server spends per one-character change to a 5.9 MB document:
    LARGE_CHANGES changes, then a request that is answered after all of them."""
    uri = "file:///tmp/slm-ls-large.py"
    text = LARGE_LINE * LARGE_LINES
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    await client.protocol.send_request_async("slmls/stats", {})
    line = LARGE_LINES - 10
    started = time.monotonic()
    for index in range(LARGE_CHANGES):
        column = 4 + index // 2
        char = "x" if index % 2 == 0 else ""
        end = types.Position(line, column + (0 if char else 1))
        change = types.TextDocumentContentChangePartial(
            types.Range(types.Position(line, column), end), char
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=index + 2, uri=uri), [change]
            )
        )
    await client.protocol.send_request_async("slmls/stats", {})
    per_change = (time.monotonic() - started) * 1000 / LARGE_CHANGES
    return len(text.encode()) / 1e6, per_change


async def _complete(client: LanguageClient, uri: str) -> object:
    return await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(1, 11),
        )
    )


def load(model: str | None, notifications: int, requests: int) -> LoadResult:
    return asyncio.run(_run(model, notifications, requests))
