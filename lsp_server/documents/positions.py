"""The one place that converts positions.

LSP positions are (line, character) in a negotiated encoding (UTF-16 by default,
UTF-8 or UTF-32 when the client offers them); Python works in str offsets (code
points); tree-sitter works in UTF-8 bytes and (row, byte-column) points.
Lines are separated by "\\n"; a "\\r" before it belongs to the line's text.
"""

from __future__ import annotations

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


def line_start(text: str, line: int) -> int:
    """Offset where `line` starts; len(text) when the text has fewer lines."""
    start = 0
    for _ in range(line):
        nl = text.find("\n", start)
        if nl < 0:
            return len(text)
        start = nl + 1
    return start


def column_to_chars(line_text: str, column: int, encoding: Encoding) -> int:
    """Code points in `line_text` covered by `column` units; clamped to the line."""
    if encoding is Encoding.UTF32:
        return min(column, len(line_text))
    units = 0
    for index, ch in enumerate(line_text):
        if units >= column:
            return index
        units += _units(ch, encoding)
    return len(line_text)


def position_to_offset(text: str, line: int, column: int, encoding: Encoding) -> int:
    """str offset of an LSP position; positions past a line or the text are clamped."""
    line = max(line, 0)
    start = line_start(text, line)
    if start >= len(text) and line > text.count("\n"):
        return len(text)
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return start + column_to_chars(text[start:end], max(column, 0), encoding)


def offset_to_position(text: str, offset: int, encoding: Encoding) -> tuple[int, int]:
    """LSP (line, column) of a str offset (clamped to the text)."""
    offset = min(max(offset, 0), len(text))
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    column = sum(_units(ch, encoding) for ch in text[start:offset])
    return line, column


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
