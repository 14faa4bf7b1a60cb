"""`slm-ls bench load`: many notifications and superseded requests sent to the real
server; its memory before and after. Memory must stay flat: a leak per message shows
here long before a person notices it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lsp_server.client.replay import server_rss_mb
from lsp_server.client.session import server_session

TEXT = "def area(width, height):\n    return \n"
# The large document: about 5.9 MB of Python, edited one character at a time near
# its end (every position lookup has to find a line 100,000 lines down).
LARGE_LINE = "    value = compute(alpha, beta) + 42  # a comment of some length\n"
LARGE_LINES = 5_900_000 // len(LARGE_LINE)
LARGE_CHANGES = 200
# Notifications that pygls handles itself (each leaked a Future of about 2 KB).
OTHER_NOTIFICATIONS: list[tuple[str, object]] = [
    ("$/setTrace", {"value": "off"}),
    ("workspace/didChangeWorkspaceFolders", {"event": {"added": [], "removed": []}}),
    ("window/workDoneProgress/cancel", {"token": "slm-ls-load"}),
    ("notebookDocument/didClose",
     {"notebookDocument": {"uri": "file:///tmp/n.ipynb"}, "cellTextDocuments": []}),
]  # fmt: skip


@dataclass(frozen=True)
class LoadResult:
    notifications: int
    requests: int
    answered: int
    rss_before_mb: float | None
    rss_after_mb: float | None
    seconds: float
    # ms per one-character change: 5.9 MB file, a 1 MB line, a 50 MB file
    ms_per_change_5_9mb: float
    ms_per_change_1mb_line: float
    ms_per_change_50mb: float

    @property
    def growth_kb_per_message(self) -> float | None:
        if self.rss_before_mb is None or self.rss_after_mb is None:
            return None
        messages = self.notifications + self.requests
        return (self.rss_after_mb - self.rss_before_mb) * 1024 / max(messages, 1)


async def _run(model: str | None, notifications: int, requests: int) -> LoadResult:
    async with server_session("slm-ls-load", model) as client:
        return await _load(client, notifications, requests)


async def _load(client: LanguageClient, notifications: int, requests: int) -> LoadResult:
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
    for index in range(notifications):  # pygls's own handlers kept a Future for each
        method, params = OTHER_NOTIFICATIONS[index % len(OTHER_NOTIFICATIONS)]
        client.protocol.notify(method, params)
        if index % 1000 == 0:
            await asyncio.sleep(0)
    answered = 0
    for _ in range(requests // 10):  # ten at a time: each supersedes the one before
        results = await asyncio.gather(*(_complete(client, uri) for _ in range(10)))
        answered += sum(r is not None for r in results)
    await _complete(client, uri)
    after = server_rss_mb(client)
    elapsed = time.monotonic() - started
    large = await _large_documents(client)
    return LoadResult(2 * notifications, requests, answered, before, after, elapsed, **large)


async def _large_document(
    client: LanguageClient, name: str, text: str, line: int, column: int
) -> float:
    """Milliseconds the server spends per one-character change at (`line`, `column`)
    of `text`: LARGE_CHANGES changes, then a request answered after all of them."""
    uri = f"file:///tmp/slm-ls-{name}.py"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    await client.protocol.send_request_async("slmls/stats", {})
    started = time.monotonic()
    for index in range(LARGE_CHANGES):
        at = column + index // 2
        char = "x" if index % 2 == 0 else ""
        end = types.Position(line, at + (0 if char else 1))
        change = types.TextDocumentContentChangePartial(
            types.Range(types.Position(line, at), end), char
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=index + 2, uri=uri), [change]
            )
        )
    await client.protocol.send_request_async("slmls/stats", {})
    per_change = (time.monotonic() - started) * 1000 / LARGE_CHANGES
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    return per_change


async def _large_documents(client: LanguageClient) -> dict[str, float]:
    """ms per keystroke near the end of a 5.9 MB file, at the end of a 1 MB line, and
    near the end of a 50 MB file."""
    long_line = "x = [" + "1, " * (1_000_000 // 3) + "]\n"
    huge_lines = 50_000_000 // len(LARGE_LINE)
    return {
        "ms_per_change_5_9mb": await _large_document(
            client, "large", LARGE_LINE * LARGE_LINES, LARGE_LINES - 10, 4
        ),
        "ms_per_change_1mb_line": await _large_document(
            client, "long-line", long_line, 0, len(long_line) - 3
        ),
        "ms_per_change_50mb": await _large_document(
            client, "huge", LARGE_LINE * huge_lines, huge_lines - 10, 4
        ),
    }


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
