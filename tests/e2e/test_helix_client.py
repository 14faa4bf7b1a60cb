"""A client that behaves like Helix (no Helix binary can be installed here): its
client capabilities (tests/fixtures/helix/client-capabilities.json, copied from
helix-lsp's client code), UTF-8 positions (Helix's first choice), the `config` of our
languages.toml sent as initializationOptions and again through
didChangeConfiguration, and `textDocument/completion` without a context."""

from __future__ import annotations

import ast
import asyncio
import json
import tomllib

from lsprotocol import types
from lsprotocol.converters import get_converter
from pytest_lsp import LanguageClient

from tests.e2e.conftest import ROOT

FIXTURES = ROOT / "tests/fixtures/helix"


def _capabilities() -> types.ClientCapabilities:
    raw = json.loads((FIXTURES / "client-capabilities.json").read_text())
    raw.pop("_source")
    return get_converter().structure(raw, types.ClientCapabilities)


def _apply_utf8(text: str, edit: types.TextEdit) -> str:
    data = text.encode()
    lines = data.split(b"\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    start, end = offset(edit.range.start), offset(edit.range.end)
    return (data[:start] + edit.new_text.encode() + data[end:]).decode()


async def test_helix_gets_one_item_whose_text_edit_applies(bare_client: LanguageClient) -> None:
    config = tomllib.loads((ROOT / "editor-configs/helix/languages.toml").read_text())
    options = config["language-server"]["slm-ls"]["config"]
    initialized = await bare_client.initialize_session(
        types.InitializeParams(
            capabilities=_capabilities(),
            initialization_options=options,
            client_info=types.ClientInfo(name="helix", version="25.07.1"),
        )
    )
    assert initialized.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    bare_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=options)
    )
    uri = "file:///tmp/helix/area.py"
    # Non-ASCII before the cursor on its line: UTF-8 columns differ from UTF-16 ones.
    text = "def área(wïdth, height):\n    # ä rectangle\n    return wï\n"
    bare_client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    column = len("    return wï".encode())
    result = await bare_client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(2, column))
    )
    assert isinstance(result, types.CompletionList)
    # Helix asks without a context: an invoked request, several suggestions (issue 17)
    assert 1 <= len(result.items) <= 3, result
    assert [i.sort_text for i in result.items] == [str(r) for r in range(len(result.items))]
    assert [bool(i.preselect) for i in result.items] == [r == 0 for r in range(len(result.items))]
    item = result.items[0]
    edit = item.text_edit
    assert isinstance(edit, types.TextEdit)
    # The edit replaces the word typed (`wï`) with it and the suggestion, so Helix's
    # menu, which filters by the word at the cursor, keeps the item.
    assert edit.range.start == types.Position(2, len(b"    return "))
    assert edit.range.end == types.Position(2, column)
    assert edit.new_text.startswith("wï") and len(edit.new_text) > 2
    assert item.label.startswith("wï") and (item.filter_text or "").startswith("wï")
    # Helix declares no documentation format: the preview is a plain string.
    assert item.documentation == edit.new_text
    done = _apply_utf8(text, edit)
    assert done.startswith("def área(wïdth, height):\n    # ä rectangle\n    return wï")
    compile(done, "area.py", "exec")


async def test_helix_gets_the_explanation_as_a_message(bare_client: LanguageClient) -> None:
    """Helix shows no command result: "Explain this" reaches it as window/showMessage."""
    await bare_client.initialize_session(types.InitializeParams(capabilities=_capabilities()))
    uri = "file:///tmp/slm-ls-helix/area.py"
    text = "def area(w, h):\n    return w * h\n"
    bare_client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    # Helix's cursor is a one-character selection, sent as the range.
    where = types.Range(types.Position(1, 4), types.Position(1, 5))
    actions = await bare_client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), where, types.CodeActionContext([])
        )
    )
    titles = {a.title: a for a in actions or []}
    assert {"Fix this (slm-ls)", "Add docstring (slm-ls)", "Explain this (slm-ls)"} <= set(titles)
    explain = titles["Explain this (slm-ls)"]
    # pytest-lsp reads a CodeAction with a command as a Command holding its repr.
    nested = ast.literal_eval(explain.command) if isinstance(explain, types.Command) else None
    command = nested or {"command": explain.command.command, "arguments": explain.command.arguments}  # type: ignore[union-attr]
    result = await bare_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command["command"], command["arguments"])
    )
    await asyncio.sleep(0.2)
    assert isinstance(result, str) and "area" in result
    assert any(m.message == result for m in bare_client.messages)


async def test_helix_gets_the_next_edit_as_a_code_action(bare_client: LanguageClient) -> None:
    """Issue 14: Helix has no copilotInlineEdit; after a pause in editing the next edit
    is listed as "Apply next edit: …" with its edit (UTF-8 positions)."""
    options = {"nextEdit": {"enabled": True, "debounceMs": 200}}
    await bare_client.initialize_session(
        types.InitializeParams(capabilities=_capabilities(), initialization_options=options)
    )
    uri = "file:///tmp/slm-ls-helix/scale.py"
    text = "def scale(vätues, factor):\n    out = [v * factor for v in vätues]\n    return out\n"
    bare_client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    # The person renames `factor` to `ratio` in the signature.
    at = len("def scale(vätues, ".encode())
    where = types.Range(types.Position(0, at), types.Position(0, at + len("factor")))
    bare_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [types.TextDocumentContentChangePartial(where, "ratio")],
        )
    )
    renamed = text.replace("vätues, factor", "vätues, ratio", 1)
    cursor = types.Range(types.Position(0, at), types.Position(0, at + 1))
    asked = types.CodeActionParams(
        types.TextDocumentIdentifier(uri), cursor, types.CodeActionContext([])
    )
    offers: list[types.CodeAction] = []
    for _ in range(100):  # the pause, then the background computation
        await asyncio.sleep(0.1)
        actions = await bare_client.text_document_code_action_async(asked)
        offers = [a for a in actions or [] if isinstance(a, types.CodeAction)
                  and a.title.startswith("Apply next edit")]  # fmt: skip
        if offers:
            break
    (offer,) = offers
    assert offer.title == "Apply next edit: rename factor → ratio, line 2 (slm-ls)"
    assert offer.edit is not None and offer.edit.changes is not None
    (edit,) = offer.edit.changes[uri]
    done = _apply_utf8(renamed, edit)
    assert done.split("\n")[1] == "    out = [v * ratio for v in vätues]"
