"""Issue 14: next edit over LSP with the real server and the default model —
`textDocument/copilotInlineEdit` after a renamed parameter gives the edit of its next
use, after a changed signature the edit of a call, after an unrelated edit nothing;
with the default settings, a moved line's old copy and a sibling field's line."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.methods import INLINE_EDIT_METHOD
from tests.e2e.conftest import ROOT, init_params
from tests.e2e.test_server import _open
from tests.e2e.test_workspace_context import _plain
from tests.support.history_repo import ROOMS

ON = {"nextEdit": {"enabled": True, "deadlineMs": 60000}}
# A real file: the edit history's diff (lsp_server/nextedit/history.py).
REAL = (ROOT / "lsp_server" / "nextedit" / "history.py").read_text()


def _change(client: LanguageClient, uri: str, version: int, line: int, old: str, new: str,
            text: str) -> str:  # fmt: skip
    """Replace `old` on `line` with `new` (one didChange); the new text."""
    lines = text.split("\n")
    column = lines[line].index(old)
    where = types.Range(types.Position(line, column), types.Position(line, column + len(old)))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(where, new)],
        )
    )
    lines[line] = lines[line][:column] + new + lines[line][column + len(old) :]
    return "\n".join(lines)


async def _next(client: LanguageClient, uri: str, version: int, line: int) -> list[dict[str, Any]]:
    params = {"textDocument": {"uri": uri, "version": version},
              "position": {"line": line, "character": 0}}  # fmt: skip
    result = _plain(await client.protocol.send_request_async(INLINE_EDIT_METHOD, params))
    return list(result["edits"])


async def test_a_renamed_parameter_is_followed_at_its_next_use(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    await bare_client.initialize_session(init_params(ON))
    uri = (tmp_path / "history.py").as_uri()
    _open(bare_client, uri, "python", REAL)
    line = next(i for i, t in enumerate(REAL.split("\n")) if t.startswith("def diff("))
    text = _change(bare_client, uri, 2, line, "before: str", "old: str", REAL)
    (edit,) = await _next(bare_client, uri, 2, line)
    # The next line of code that uses it (the docstring's mention is prose, not a use).
    code = [t if not t.strip().startswith('"""') else "" for t in text.split("\n")]
    uses = [i for i, t in enumerate(code) if i > line and "before" in t]
    assert edit["range"]["start"]["line"] == uses[0], (edit, uses)
    assert edit["text"] == "old" and edit["textDocument"] == {"uri": uri, "version": 2}
    start, end = edit["range"]["start"]["character"], edit["range"]["end"]["character"]
    assert text.split("\n")[uses[0]][start:end] == "before"


async def test_a_changed_signature_is_followed_at_a_call_and_an_unrelated_edit_is_not(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    await bare_client.initialize_session(init_params(ON))
    uri = (tmp_path / "rooms.py").as_uri()
    _open(bare_client, uri, "python", ROOMS)
    text = _change(bare_client, uri, 2, 0, "width)", "width, height)", ROOMS)
    edits = await _next(bare_client, uri, 2, 0)
    assert len(edits) == 1 and edits[0]["range"]["start"]["line"] == 7, edits  # area(room)
    assert "area(" in text.split("\n")[7]
    # An edit that renames nothing and changes no parameters: nothing to follow.
    other = (tmp_path / "other.py").as_uri()
    _open(bare_client, other, "python", ROOMS)
    _change(bare_client, other, 2, 5, "total = 0", "total = 1", ROOMS)
    assert await _next(bare_client, other, 2, 5) == []


def _insert(client: LanguageClient, uri: str, version: int, line: int, new: str, text: str) -> str:
    """Insert whole lines `new` before `line` (one didChange); the new text."""
    at = types.Position(line, 0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(types.Range(at, at), new)],
        )
    )
    lines = text.split("\n")
    return "\n".join(lines[:line] + new.rstrip("\n").split("\n") + lines[line:])


BOX = """class Box:
    def __init__(self, size):
        self.width = size
        self.scale = compute_scale(size)

    def reset(self):
        self.width = 0
"""


async def test_on_by_default_a_moved_line_and_a_sibling_are_followed(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    """With the default settings: a line moved up has its old copy deleted; a field
    added beside another is added where the other is set again."""
    await bare_client.initialize_session(init_params())
    moved = (tmp_path / "moved.py").as_uri()
    _open(bare_client, moved, "python", BOX)
    text = _insert(bare_client, moved, 2, 2, "        self.scale = compute_scale(size)\n", BOX)
    (edit,) = await _next(bare_client, moved, 2, 2)
    assert edit["text"] == "" and edit["range"]["start"] == {"line": 4, "character": 0}
    assert edit["range"]["end"] == {"line": 5, "character": 0}
    assert text.split("\n")[4].strip() == "self.scale = compute_scale(size)"
    sibling = (tmp_path / "sibling.py").as_uri()
    _open(bare_client, sibling, "python", BOX)
    text = _insert(bare_client, sibling, 2, 3, "        self.height = size\n", BOX)
    (edit,) = await _next(bare_client, sibling, 2, 3)
    reset_width = text.split("\n").index("        self.width = 0")
    assert edit["text"] == "\n        self.height = 0"
    assert edit["range"]["start"] == {
        "line": reset_width,
        "character": len("        self.width = 0"),
    }


async def _type(
    client: LanguageClient, uri: str, version: int, line: int, column: int, typed: str
) -> tuple[int, set[asyncio.Future[Any]]]:
    """Type `typed` at (line, column) key by key, as a person does in an editor that asks
    for an inline completion at each key and cancels the one before; the last version,
    and the completion requests (the last one may still be running)."""
    asked: str | None = None
    pending: set[asyncio.Future[Any]] = set()
    for key in typed:
        version += 1
        at = types.Position(line, column)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangePartial(types.Range(at, at), key)],
            )
        )
        line, column = (line + 1, 0) if key == "\n" else (line, column + 1)
        if asked is not None:
            client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=asked))
        asked = f"typing-{uri}-{version}"
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(line, column),
        )
        sent = client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=asked
        )
        pending.add(asyncio.ensure_future(sent))
        await asyncio.sleep(0.08)
    await asyncio.sleep(0.6)  # the plugins ask for the next edit after a pause
    return version, pending


async def test_next_edits_come_while_completions_are_asked_per_key(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    """Issue 18, item 9, with the default settings (nextEdit.deadlineMs 4 s): a sibling
    field typed key by key, then a parameter added key by key, each keystroke with its
    inline completion request as editors send them."""
    await bare_client.initialize_session(init_params())
    sibling = (tmp_path / "sibling.py").as_uri()
    _open(bare_client, sibling, "python", BOX)
    version, typing = await _type(bare_client, sibling, 1, 3, 0, "        self.height = size\n")
    (edit,) = await _next(bare_client, sibling, version, 3)
    assert edit["text"] == "\n        self.height = 0"
    await asyncio.gather(*typing, return_exceptions=True)  # the cancelled ones: errors
    rooms = (tmp_path / "rooms.py").as_uri()
    _open(bare_client, rooms, "python", ROOMS)
    version, typing = await _type(bare_client, rooms, 1, 0, len("def area(width"), ", height")
    edits = await _next(bare_client, rooms, version, 0)
    assert len(edits) == 1 and edits[0]["range"]["start"]["line"] == 7, edits  # area(room)
    await asyncio.gather(*typing, return_exceptions=True)
