"""Hover measured is hover shipped: `slm-ls bench hover` records, for ten symbols, the
text an editor's hover gets from the server for the same files (issue 11). The bench
asks the real server over LSP, whose handler calls the hover entry
(explain/hover.py: explain_name); this checks what it records is what a client sees."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.bench import hover as bench_hover
from lsp_server.client.hovering import HoverAsk, hover_all
from lsp_server.documents.positions import Encoding, offset_to_position
from tests.e2e.conftest import ROOT, init_params

MODEL = "qwen2.5-coder-0.5b"
FILES = [ROOT / "lsp_server/explain/fix.py", ROOT / "lsp_server/explain/docstring.py"]
SETTINGS = {"model": MODEL, "hover": {"deadlineMs": 60000}}


async def _over_lsp(client: LanguageClient, symbols: list[bench_hover.Symbol]) -> list[str]:
    texts: dict[Path, str] = {}
    for path in FILES:
        texts[path] = path.read_text(encoding="utf-8")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(path.resolve().as_uri(), "python", 1, texts[path])
            )
        )
    shown = []
    for symbol in symbols:
        line, character = offset_to_position(texts[symbol.path], symbol.offset, Encoding.UTF16)
        result = await client.text_document_hover_async(
            types.HoverParams(
                types.TextDocumentIdentifier(symbol.path.resolve().as_uri()),
                types.Position(line, character),
            )
        )
        contents = result.contents if result is not None else None
        shown.append(contents.value if isinstance(contents, types.MarkupContent) else "")
    return shown


async def test_bench_hover_records_what_the_editor_is_shown(bare_client: LanguageClient) -> None:
    chosen = bench_hover.symbols(FILES, 11, seed=3)
    asks = [HoverAsk(s.path, s.offset) for s in chosen]
    answers = await asyncio.to_thread(hover_all, MODEL, SETTINGS, asks[:-1], asks[-1], lambda: None)
    await bare_client.initialize_session(init_params(SETTINGS))
    await _over_lsp(bare_client, chosen[-1:])  # the same warm-up hover first
    shown = await _over_lsp(bare_client, chosen[:-1])
    assert len(shown) == 10 and sum(bool(s) for s in shown) >= 8
    assert [a.markdown for a in answers] == shown
