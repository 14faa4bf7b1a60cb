"""The one place where LSP positions, ranges and edits meet the core's str offsets
(rust-analyzer's from_proto/to_proto): handlers call these, and the arithmetic itself
is documents/positions.py's."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote, urlparse

from lsprotocol import types

from lsp_server.documents.edits import Edit
from lsp_server.documents.positions import Encoding, offset_to_position, position_to_offset
from lsp_server.documents.snapshot import Snapshot


def offset(snap: Snapshot, position: types.Position, encoding: Encoding) -> int:
    """The str offset of an LSP position (clamped to the text)."""
    return position_to_offset(snap.text, position.line, position.character, encoding, snap.lines)


def span(snap: Snapshot, where: types.Range | Sequence[int], encoding: Encoding) -> tuple[int, int]:
    """str offsets of an LSP range, or of one kept in an action's data as
    [line, character, end line, end character]."""
    if isinstance(where, types.Range):
        return offset(snap, where.start, encoding), offset(snap, where.end, encoding)
    line, char, end_line, end_char = (int(n) for n in where)
    start = position_to_offset(snap.text, line, char, encoding, snap.lines)
    return start, position_to_offset(snap.text, end_line, end_char, encoding, snap.lines)


def position(snap: Snapshot, at: int, encoding: Encoding) -> types.Position:
    return types.Position(*offset_to_position(snap.text, at, encoding, snap.lines))


def lsp_range(snap: Snapshot, start: int, end: int, encoding: Encoding) -> types.Range:
    return types.Range(position(snap, start, encoding), position(snap, end, encoding))


def text_edits(snap: Snapshot, edits: list[Edit], encoding: Encoding) -> list[types.TextEdit]:
    return [types.TextEdit(lsp_range(snap, e.start, e.end, encoding), e.text) for e in edits]


def range_data(where: types.Range) -> list[int]:
    """A range as an action's data keeps it (JSON, read back by `span`)."""
    return [where.start.line, where.start.character, where.end.line, where.end.character]


def file_path(uri: str) -> str:
    """The file system path of a `file:` URI ("" for any other scheme)."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else ""
