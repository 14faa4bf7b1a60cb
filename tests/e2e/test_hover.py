"""Hover through a real LSP client, the real server and the real default model: an
explanation of the name under the cursor, grounded in its definition."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import ROOT

URI = "file:///tmp/slm-ls-hover/fibonacci.py"


async def test_hover_over_a_function_name_explains_it(client: LanguageClient) -> None:
    text = (ROOT / "examples/fibonacci.py").read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, text))
    )
    line = text.split("\n").index("        print(i, fibonacci(i))")
    column = text.split("\n")[line].index("fibonacci") + 3
    params = types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(line, column))
    hover = await client.text_document_hover_async(params)
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    value = hover.contents.value
    # The signature from the tree, then the model's explanation, which names it.
    assert value.startswith("```python\ndef fibonacci(n: int) -> int:"), value
    explanation = value.split("```", 2)[2].strip()
    assert explanation and "fibonacci" in explanation.lower(), value
    assert hover.range == types.Range(
        types.Position(line, column - 3), types.Position(line, column - 3 + len("fibonacci"))
    )
    # Asked again: the same answer, from the cache.
    again = await client.text_document_hover_async(params)
    assert again is not None and again.contents == hover.contents
