"""`slm-ls demo`: start the real server, open a sample file and print the completion
the server returns over LSP."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lsp_server.client.session import server_session
from lsp_server.models.catalog import find_entry
from lsp_server.models.pull import pull
from lsp_server.models.resolve import ModelError, choose_spec, looks_like_path

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fibonacci.py"
SAMPLE_MARK = "    return \n"


def _cursor(text: str, custom: bool) -> tuple[int, int]:
    """(line, character) of the demo's cursor: after the sample's bare `return `,
    or the end of a user-given file."""
    offset = (
        len(text)
        if custom or SAMPLE_MARK not in text
        else (text.rindex(SAMPLE_MARK) + len(SAMPLE_MARK) - 1)
    )
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _ensure_model(model: str | None) -> None:
    spec = choose_spec(None, model)
    if looks_like_path(spec):
        return
    entry = find_entry(spec)
    if entry is None:
        raise ModelError(f"unknown model '{spec}'")
    pull(entry)


async def _inline(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(line, character),
        )
    )
    items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
    insert = items[0].insert_text if items else ""
    return insert if isinstance(insert, str) else insert.value


async def _touch_end(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """An edit at the end of the file: the suffix changes, as when the user types there."""
    end = types.Position(text.count("\n"), len(text.rsplit("\n", 1)[-1]))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(types.Range(end, end), "#")],
        )
    )


async def _complete_over_lsp(path: Path, model: str | None, repeat: int) -> tuple[str, list[float]]:
    text = path.read_text(encoding="utf-8")
    line, character = _cursor(text, path != SAMPLE)
    async with server_session("slm-ls-demo", model) as client:
        return await _demo(client, path, text, line, character, repeat)


async def _demo(
    client: LanguageClient, path: Path, text: str, line: int, character: int, repeat: int
) -> tuple[str, list[float]]:
    uri = path.resolve().as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python" if path.suffix == ".py" else "", 1, text)
        )
    )
    timings: list[float] = []
    first = ""
    for index in range(1 + repeat):
        if index:
            await _touch_end(client, uri, text, index + 1)
            text += "#"
        started = time.perf_counter()
        suggestion = await _inline(client, uri, line, character)
        timings.append(time.perf_counter() - started)
        first = first or suggestion
    return first, timings


def run_demo(model: str | None, file: Path | None, repeat: int = 0) -> int:
    path = file or SAMPLE
    try:
        _ensure_model(model)
    except ModelError as exc:
        print(f"slm-ls demo: {exc}", file=sys.stderr)
        return 1
    suggestion, timings = asyncio.run(_complete_over_lsp(path, model, repeat))
    text = path.read_text(encoding="utf-8")
    line, character = _cursor(text, file is not None)
    print(
        f"{path.name}:{line + 1}:{character + 1} -> completion over LSP in {timings[0]:.2f} s "
        "(model load included):"
    )
    print(text.split("\n")[line] + suggestion if suggestion else "(no suggestion)")
    if repeat:
        warm = sorted(timings[1:])
        print(
            f"{repeat} more completions, each after an edit at the end of the file: "
            f"median {statistics.median(warm) * 1000:.0f} ms, max {warm[-1] * 1000:.0f} ms"
        )
    return 0 if suggestion else 1
