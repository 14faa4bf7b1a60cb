"""`slm-ls bench hover`: hovers sent to the real server over LSP, as an editor sends
them: the files opened, then for each symbol a hover (cold) and the same hover again
(cached), timed at the client. Scoring is bench/hover.py's."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lsp_server.client.replay import lsp_position
from lsp_server.client.session import server_session
from lsp_server.syntax.languages import language_of_path


@dataclass(frozen=True)
class HoverAsk:
    path: Path
    offset: int  # str offset of the symbol in the file


@dataclass(frozen=True)
class HoverAnswer:
    cold_ms: float
    cached_ms: float
    markdown: str


async def _hover(client: LanguageClient, uri: str, text: str, offset: int) -> tuple[str, float]:
    started = time.perf_counter()
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), lsp_position(text, offset))
    )
    elapsed = (time.perf_counter() - started) * 1000
    contents = result.contents if result is not None else None
    return (contents.value if isinstance(contents, types.MarkupContent) else ""), elapsed


async def _ask_all(
    client: LanguageClient, asks: list[HoverAsk], warmup: HoverAsk, on_answer: Any
) -> list[HoverAnswer]:
    texts: dict[Path, str] = {}
    for path in dict.fromkeys(ask.path for ask in [*asks, warmup]):
        texts[path] = path.read_text(encoding="utf-8")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    path.resolve().as_uri(), language_of_path(path.name), 1, texts[path]
                )
            )
        )
    answers = []
    # The model loads on the first hover: a symbol of its own, not counted.
    await _hover(client, warmup.path.resolve().as_uri(), texts[warmup.path], warmup.offset)
    for ask in asks:
        uri, text = ask.path.resolve().as_uri(), texts[ask.path]
        markdown, cold = await _hover(client, uri, text, ask.offset)
        _, cached = await _hover(client, uri, text, ask.offset)
        answers.append(HoverAnswer(cold, cached, markdown))
        on_answer()
    return answers


def hover_all(
    model: str | None,
    settings: dict[str, Any],
    asks: list[HoverAsk],
    warmup: HoverAsk,
    on_answer: Any,
) -> list[HoverAnswer]:
    """One server for `model`: a warm-up hover, then every hover in `asks`, in order."""

    async def run() -> list[HoverAnswer]:
        async with server_session("slm-ls-bench-hover", model, settings) as client:
            return await _ask_all(client, asks, warmup, on_answer)

    return asyncio.run(run())
