"""A large document's text as chunks of whole lines, so that a keystroke in it costs
the size of one chunk, not of the document.

Documents larger than `completion.maxDocumentBytes` get no completions and no syntax
tree; the store keeps them here instead of in a Snapshot (a str copied, re-encoded and
re-indexed on every edit: 76 ms a keystroke at 50 MB). Every chunk but the last ends
with a line break, so no "\\r\\n" is ever split between two chunks and each chunk's
lines can be counted on their own.
"""

from __future__ import annotations

import hashlib

from lsp_server.documents.positions import Encoding, count_breaks, position_to_offset

CHUNK_CHARS = 1 << 16  # a chunk is cut at the first "\n" after this many characters


def _split(text: str) -> list[str]:
    """`text` cut after a "\\n" roughly every CHUNK_CHARS characters."""
    pieces, start = [], 0
    while len(text) - start > CHUNK_CHARS:
        cut = text.find("\n", start + CHUNK_CHARS)
        if cut < 0:
            break
        pieces.append(text[start : cut + 1])
        start = cut + 1
    if start < len(text) or not pieces:
        pieces.append(text[start:])
    return pieces


class ChunkedText:
    """A text as whole-line chunks, edited in place at LSP positions."""

    def __init__(self, text: str) -> None:
        self.chunks = _split(text)
        self.lines = [count_breaks(chunk) for chunk in self.chunks]
        self.length = len(text)

    def text(self) -> str:
        return "".join(self.chunks)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks:
            digest.update(chunk.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def has_nul(self) -> bool:
        return any("\x00" in chunk for chunk in self.chunks)

    def locate(self, line: int, column: int, encoding: Encoding) -> tuple[int, int]:
        """(chunk index, offset in that chunk) of an LSP position, clamped to the text."""
        line, base = max(line, 0), 0
        for index, count in enumerate(self.lines):
            if line < base + count or index == len(self.chunks) - 1:
                chunk = self.chunks[index]
                return index, position_to_offset(chunk, line - base, column, encoding)
            base += count
        return 0, 0

    def edit(
        self, start: tuple[int, int], end: tuple[int, int], new_text: str, encoding: Encoding
    ) -> None:
        """Replace the text between two LSP positions (as the store's Change has them)."""
        first, at = self.locate(*start, encoding)
        last, to = self.locate(*end, encoding)
        if (last, to) < (first, at):
            (first, at), (last, to) = (last, to), (first, at)
        # Keep the invariant: a replaced run that no longer ends with a line break takes
        # in the chunk after it.
        joined = "".join(self.chunks[first : last + 1])
        offset_to = sum(len(c) for c in self.chunks[first:last]) + to
        replaced = joined[:at] + new_text + joined[offset_to:]
        while last + 1 < len(self.chunks) and not replaced.endswith("\n"):
            last += 1
            replaced += self.chunks[last]
        pieces = _split(replaced)
        self.length += len(replaced) - sum(len(c) for c in self.chunks[first : last + 1])
        self.chunks[first : last + 1] = pieces
        self.lines[first : last + 1] = [count_breaks(piece) for piece in pieces]
