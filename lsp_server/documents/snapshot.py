"""A document at one moment: its text, language, UTF-8 bytes and syntax tree.

The one place where documents are parsed. The store keeps one snapshot per open
document and replaces it on every edit (incrementally re-parsed); the CLI and the
benchmark parse their files here too, so every caller hands the completion pipeline
the same kind of value, with the same tree, whatever it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from tree_sitter import Parser, Tree

from lsp_server.documents.positions import LineIndex, offset_to_byte, offset_to_point
from lsp_server.syntax.languages import new_parser

DEFAULT_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Snapshot:
    text: str
    language: str
    data: bytes = field(repr=False)  # `text` in UTF-8 (surrogates passed through)
    tree: Tree | None = field(default=None, repr=False, compare=False)
    parser: Parser | None = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, language: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
        """`text` parsed with `language`'s grammar (no tree without one, or for a
        binary or too large text)."""
        return _parsed(text, language, new_parser(language), None, max_bytes)

    def edited(self, start: int, end: int, new_text: str, max_bytes: int) -> Snapshot:
        """This snapshot with text[start:end] (str offsets, clamped) replaced, its tree
        updated incrementally. `self` is left as it was (its tree is not edited)."""
        size = len(self.text)
        start, end = sorted((min(max(start, 0), size), min(max(end, 0), size)))
        old_tree = self.tree.copy() if self.tree is not None else None
        if old_tree is not None:
            start_byte = offset_to_byte(self.text, start)
            start_point = offset_to_point(self.text, start)
            old_tree.edit(
                start_byte=start_byte,
                old_end_byte=offset_to_byte(self.text, end),
                new_end_byte=start_byte + len(new_text.encode("utf-8", "surrogatepass")),
                start_point=start_point,
                old_end_point=offset_to_point(self.text, end),
                new_end_point=_point_after(start_point, new_text),
            )
        text = self.text[:start] + new_text + self.text[end:]
        snapshot = _parsed(text, self.language, self.parser, old_tree, max_bytes)
        if "lines" in self.__dict__:  # derive the line index rather than rescan
            index = self.lines.edited(self.text, start, end, new_text)
            if index is not None:
                snapshot.__dict__["lines"] = index
        return snapshot

    def replaced(self, text: str, max_bytes: int) -> Snapshot:
        """A whole new text, parsed afresh."""
        return _parsed(text, self.language, self.parser, None, max_bytes)

    def skipped_reason(self, max_bytes: int) -> str | None:
        """Why this document gets no completions (binary or too large), or None.
        Asked on every keystroke, for every open document: the scan for NUL bytes
        is done once per snapshot."""
        if self.binary:
            return "binary content"
        return f"larger than {max_bytes} bytes" if len(self.data) > max_bytes else None

    @cached_property
    def binary(self) -> bool:
        return "\x00" in self.text

    @cached_property
    def lines(self) -> LineIndex:
        """Where each LSP line starts (built on first use, then kept up to date by
        `edited`)."""
        return LineIndex.of(self.text)


def _skipped(text: str, data: bytes, max_bytes: int) -> str | None:
    if "\x00" in text:
        return "binary content"
    if len(data) > max_bytes:
        return f"larger than {max_bytes} bytes"
    return None


def _parsed(
    text: str, language: str, parser: Parser | None, old_tree: Tree | None, max_bytes: int
) -> Snapshot:
    data = text.encode("utf-8", "surrogatepass")
    tree = None
    if parser is not None and _skipped(text, data, max_bytes) is None:
        tree = parser.parse(data, old_tree) if old_tree is not None else parser.parse(data)
    return Snapshot(text, language, data, tree, parser)


def _point_after(start: tuple[int, int], inserted: str) -> tuple[int, int]:
    lines = inserted.split("\n")
    if len(lines) == 1:
        return start[0], start[1] + len(inserted.encode("utf-8", "surrogatepass"))
    return start[0] + len(lines) - 1, len(lines[-1].encode("utf-8", "surrogatepass"))
