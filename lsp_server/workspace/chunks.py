"""Files cut into overlapping chunks of lines, each with its set of identifiers: what
the similar-code search compares the lines before the cursor with."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

CHUNK_LINES = 12
CHUNK_STEP = 6
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")

Chunk = tuple[int, frozenset[str], str]  # (first line, identifiers, text)


class ChunkMemo:
    """Identifier sets of files' chunks, for the files compared most recently."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._files: OrderedDict[tuple[str, tuple[int, int]], list[Chunk]] = OrderedDict()

    def chunks(
        self, key: str, stamp: tuple[int, int], read: Callable[[], str | None]
    ) -> list[Chunk]:
        """The chunks of the file at `key` as the index last read it (`stamp`): the
        file is read (`read`) only when that version was not cut yet, so a scope
        change costs no disk reads for the files it compared before."""
        memo_key = (key, stamp)
        found = self._files.get(memo_key)
        if found is None:
            text = read()
            found = self._files[memo_key] = _chunks(text) if text is not None else []
            if len(self._files) > self.size:
                self._files.popitem(last=False)
        else:
            self._files.move_to_end(memo_key)
        return found


def _chunks(text: str) -> list[Chunk]:
    lines = text.split("\n")
    found = []
    for start in range(0, max(len(lines) - CHUNK_STEP, 1), CHUNK_STEP):
        chunk = "\n".join(lines[start : start + CHUNK_LINES])
        words = frozenset(WORD.findall(chunk))
        if len(words) >= 3:
            found.append((start, words, chunk))
    return found
