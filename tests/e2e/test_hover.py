"""Hover through a real LSP client, the real server and the real default model: an
explanation of the name under the cursor, grounded in its definition; and `chatModel`,
another model for hover and actions."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import ROOT, init_params

URI = "file:///tmp/slm-ls-hover/fibonacci.py"


async def _hover_at_fibonacci(
    client: LanguageClient,
) -> tuple[types.Hover | None, types.HoverParams, int, int]:
    """Open examples/fibonacci.py and hover inside `fibonacci` in its last line."""
    text = (ROOT / "examples/fibonacci.py").read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, text))
    )
    line = text.split("\n").index("        print(i, fibonacci(i))")
    column = text.split("\n")[line].index("fibonacci") + 3
    params = types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(line, column))
    return await client.text_document_hover_async(params), params, line, column


async def _hover_fibonacci(client: LanguageClient) -> str:
    hover, *_ = await _hover_at_fibonacci(client)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_hover_over_a_function_name_explains_it(client: LanguageClient) -> None:
    hover, params, line, column = await _hover_at_fibonacci(client)
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


async def test_a_chat_model_beside_the_completion_model_explains(
    bare_client: LanguageClient,
) -> None:
    """`chatModel` names another model (SmolLM2-135M-Instruct, beside the default
    Qwen): the hover's explanation comes from it, and completions still work."""
    await bare_client.initialize_session(init_params({"chatModel": "smollm2-135m"}))
    value = await _hover_fibonacci(bare_client)
    explanation = value.split("```", 2)[2].strip()
    assert explanation, value
    completion = await bare_client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(URI),
            position=types.Position(4, 11),
        )
    )
    assert completion is not None


async def test_hover_and_actions_go_to_the_chat_model_named(bare_client: LanguageClient) -> None:
    """A `chatModel` that cannot load: the hover shows the tree's signature only, and
    the action says the named model is missing — the chat work went to that model."""
    missing = "/nonexistent/slm-ls-test/chat.gguf"
    await bare_client.initialize_session(init_params({"chatModel": missing}))
    value = await _hover_fibonacci(bare_client)
    assert value.strip().startswith("```python") and value.strip().endswith("```"), value
    await asyncio.sleep(0.2)
    # The hover alone says why there is no explanation (issue 15, item 10), once.
    told = [m.message for m in bare_client.messages if missing in m.message]
    assert len(told) == 1 and "no explanations" in told[0], bare_client.messages
    await _hover_fibonacci(bare_client)
    await asyncio.sleep(0.2)
    assert len([m for m in bare_client.messages if missing in m.message]) == 1
    where = types.Range(types.Position(4, 4), types.Position(4, 6))  # a selection
    actions = await bare_client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), where, types.CodeActionContext([])
        )
    )
    fix = next(
        a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Fix")
    )
    await bare_client.code_action_resolve_async(fix)
    await asyncio.sleep(0.2)
    assert any(missing in m.message for m in bare_client.messages), bare_client.messages
