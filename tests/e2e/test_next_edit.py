"""Issue 14: next edit over LSP with the real server and the default model —
`textDocument/copilotInlineEdit` after a renamed parameter gives the edit of its next
use, after a changed signature the edit of a call, after an unrelated edit nothing."""

from __future__ import annotations

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
