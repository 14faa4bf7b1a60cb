"""The one place that converts positions.

LSP positions are (line, character) in a negotiated encoding (UTF-16 by default,
UTF-8 or UTF-32 when the client offers them); Python works in str offsets (code
points); tree-sitter works in UTF-8 bytes and (row, byte-column) points.
LSP positions count lines as LSP does ("\\r\\n", "\\r" or "\\n" end a line);
tree-sitter points count rows at "\\n", as tree-sitter does.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from enum import StrEnum


class Encoding(StrEnum):
    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"


def _units(ch: str, encoding: Encoding) -> int:
    code = ord(ch)
    if encoding is Encoding.UTF32:
        return 1
    if encoding is Encoding.UTF16:
        return 2 if code > 0xFFFF else 1
    if code < 0x80:
        return 1
    if code < 0x800:
        return 2
    return 3 if code < 0x10000 else 4


# LSP's line breaks: "\r\n", "\r" and "\n" — and nothing else (not form feed, vertical
# tab, U+0085 or U+2028, which str.splitlines also breaks at).
_BREAK = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Where each LSP line of a text starts (str offsets), for position lookups that
    cost a binary search instead of a scan from the top of the document. An edit
    derives the next index from this one (`edited`), so a keystroke in a large
    document does not rescan it."""

    __slots__ = ("starts",)

    def __init__(self, starts: Sequence[int]) -> None:
        self.starts = starts

    @classmethod
    def of(cls, text: str) -> LineIndex:
        breaks = _BREAK.finditer(text) if "\r" in text else re.finditer("\n", text)
        return cls([0, *(m.end() for m in breaks)])

    def line_start(self, text: str, line: int) -> int:
        if line <= 0:
            return 0
        return self.starts[line] if line < len(self.starts) else len(text)

    def line_of(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        return line, self.starts[line]

    def line_span(self, text: str, offset: int) -> tuple[int, int]:
        """Where the line holding `offset` starts, and where the next one starts (its
        line break included; len(text) on the last line)."""
        line, start = self.line_of(min(max(offset, 0), len(text)))
        return start, self.line_start(text, line + 1)

    def edited(self, old: str, start: int, end: int, new_text: str) -> LineIndex | None:
        """The index of `old` with old[start:end] replaced by `new_text`; None when a
        carriage return at the edges could join or split a "\\r\\n" (rebuild then)."""
        edges = old[start - 1 : start] + old[end : end + 1]
        if "\r" in new_text or "\r" in edges:
            return None
        first = bisect_right(self.starts, start)  # lines starting at or before `start`
        last = bisect_right(self.starts, end)  # lines starting at or before `end`
        delta = len(new_text) - (end - start)
        inserted = [start + m.end() for m in re.finditer("\n", new_text)]
        tail = [s + delta for s in self.starts[last:]]
        return LineIndex([*self.starts[:first], *inserted, *tail])


def count_breaks(text: str) -> int:
    """How many LSP line breaks `text` holds."""
    return len(_BREAK.findall(text)) if "\r" in text else text.count("\n")


def split_lines(text: str) -> list[str]:
    """`text` cut into LSP lines, each with its line break (str.splitlines(True), but
    breaking only where LSP does)."""
    if not text:
        return []
    ends = [m.end() for m in _BREAK.finditer(text)]
    starts = [0, *ends]
    if starts[-1] == len(text):
        starts.pop()
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def line_start(text: str, line: int) -> int:
    """Offset where `line` starts; len(text) when the text has fewer lines."""
    if line <= 0:
        return 0
    if "\r" not in text:  # the common case, without a regular expression
        start = 0
        for _ in range(line):
            nl = text.find("\n", start)
            if nl < 0:
                return len(text)
            start = nl + 1
        return start
    for count, match in enumerate(_BREAK.finditer(text), start=1):
        if count == line:
            return match.end()
    return len(text)


def _line_end(text: str, start: int) -> int:
    """Where the line that starts at `start` ends (before its line break). Two C
    searches: a regular expression scans a megabyte-long line ten times slower."""
    newline = text.find("\n", start)
    stop = len(text) if newline < 0 else newline
    carriage = text.find("\r", start, stop)
    return stop if carriage < 0 else carriage


def _line_of(text: str, offset: int) -> tuple[int, int]:
    """(line, start of that line) of a str offset. An offset inside a "\r\n" belongs
    to the line the break ends."""
    if "\r" not in text:
        return text.count("\n", 0, offset), text.rfind("\n", 0, offset) + 1
    line, start = 0, 0
    for match in _BREAK.finditer(text):
        if match.end() > offset:
            break
        line, start = line + 1, match.end()
    return line, start


_SURROGATE = re.compile("[\ud800-\udfff]")


def column_to_chars(line_text: str, column: int, encoding: Encoding) -> int:
    """Code points in `line_text` covered by `column` units; clamped to the line (a
    column inside a character counts that character). Costs a C-speed pass, not a
    Python loop, so a keystroke at the end of a megabyte-long line stays cheap."""
    if encoding is Encoding.UTF32 or line_text.isascii():
        return min(column, len(line_text))
    if _SURROGATE.search(line_text) is None:  # else lone surrogates: the exact walk below
        codec, width = ("utf-16-le", 2) if encoding is Encoding.UTF16 else ("utf-8", 1)
        cut = line_text.encode(codec)[: column * width]
        whole = cut.decode(codec, "ignore")
        return len(whole) + (len(whole.encode(codec)) < len(cut))
    units = 0
    for index, ch in enumerate(line_text):
        if units >= column:
            return index
        units += _units(ch, encoding)
    return len(line_text)


def position_to_offset(
    text: str, line: int, column: int, encoding: Encoding, index: LineIndex | None = None
) -> int:
    """str offset of an LSP position; positions past a line or the text are clamped.
    `index` (the text's LineIndex) spares scanning the text for the line."""
    line = max(line, 0)
    start = index.line_start(text, line) if index is not None else line_start(text, line)
    if start >= len(text):
        return len(text)
    end = _line_end(text, start)
    return start + column_to_chars(text[start:end], max(column, 0), encoding)


def offset_to_position(
    text: str, offset: int, encoding: Encoding, index: LineIndex | None = None
) -> tuple[int, int]:
    """LSP (line, column) of a str offset (clamped to the text)."""
    offset = min(max(offset, 0), len(text))
    line, start = index.line_of(offset) if index is not None else _line_of(text, offset)
    end = min(offset, _line_end(text, start))
    return line, units_of(text[start:end], encoding)


def units_of(text: str, encoding: Encoding) -> int:
    """How many `encoding` units `text` takes."""
    if encoding is Encoding.UTF32 or text.isascii():
        return len(text)
    if encoding is Encoding.UTF16:
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def offset_to_byte(text: str, offset: int) -> int:
    """UTF-8 byte offset of a str offset."""
    return len(text[:offset].encode("utf-8", "surrogatepass"))


def offset_to_point(text: str, offset: int) -> tuple[int, int]:
    """tree-sitter point (row, byte column) of a str offset."""
    row = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return row, len(text[start:offset].encode("utf-8", "surrogatepass"))


def byte_to_offset(data: bytes, byte: int) -> int:
    """str offset of a UTF-8 byte offset (rounded down to a whole character)."""
    return len(data[:byte].decode("utf-8", "ignore"))
