"""Open documents kept in sync with the editor, each with an incrementally updated tree."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsp_server.documents.positions import (
    Encoding,
    offset_to_byte,
    offset_to_point,
    position_to_offset,
)
from lsp_server.syntax.languages import detect_language, new_parser

if TYPE_CHECKING:
    from tree_sitter import Parser, Tree

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2_000_000


class DocumentNotOpen(KeyError):
    """A request named a document the editor has not opened."""


@dataclass(frozen=True)
class Change:
    """One content change: a range in (line, column) units of the session's encoding,
    or None for a whole-document replacement."""

    text: str
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None


@dataclass
class Document:
    """An open buffer: its text, language and (when there is a grammar) syntax tree."""

    uri: str
    text: str
    language: str
    version: int = 0
    max_bytes: int = DEFAULT_MAX_BYTES
    parser: Parser | None = field(default=None, repr=False)
    tree: Tree | None = field(default=None, repr=False)
    data: bytes = field(default=b"", repr=False)

    @property
    def skipped_reason(self) -> str | None:
        """Why this document gets no completions (binary or too large), or None."""
        if "\x00" in self.text:
            return "binary content"
        if len(self.data) > self.max_bytes:
            return f"larger than {self.max_bytes} bytes"
        return None

    def reparse(self, old_tree: Tree | None = None) -> None:
        """Re-encode the text and update the tree (incrementally when `old_tree` was edited)."""
        self.data = self.text.encode("utf-8", "surrogatepass")
        if self.parser is None or self.skipped_reason is not None:
            self.tree = None
            return
        self.tree = (
            self.parser.parse(self.data, old_tree) if old_tree else self.parser.parse(self.data)
        )

    def replace(self, start: int, end: int, new_text: str) -> None:
        """Replace text[start:end] (str offsets) and edit the tree to match."""
        start, end = sorted((min(max(start, 0), len(self.text)), min(max(end, 0), len(self.text))))
        # Edit a copy: snapshots handed to the completion worker keep their own tree.
        old_tree = self.tree.copy() if self.tree is not None else None
        if old_tree is not None:
            new_end_point = _point_after(offset_to_point(self.text, start), new_text)
            old_tree.edit(
                start_byte=offset_to_byte(self.text, start),
                old_end_byte=offset_to_byte(self.text, end),
                new_end_byte=offset_to_byte(self.text, start) + len(new_text.encode("utf-8")),
                start_point=offset_to_point(self.text, start),
                old_end_point=offset_to_point(self.text, end),
                new_end_point=new_end_point,
            )
        self.text = self.text[:start] + new_text + self.text[end:]
        self.reparse(old_tree)


def _point_after(start: tuple[int, int], inserted: str) -> tuple[int, int]:
    lines = inserted.split("\n")
    if len(lines) == 1:
        return start[0], start[1] + len(inserted.encode("utf-8"))
    return start[0] + len(lines) - 1, len(lines[-1].encode("utf-8"))


class DocumentStore:
    """All open documents, by URI."""

    def __init__(self, encoding: Encoding = Encoding.UTF16, max_bytes: int = DEFAULT_MAX_BYTES):
        self.encoding = encoding
        self.max_bytes = max_bytes
        self._docs: dict[str, Document] = {}

    def open(
        self, uri: str, text: str, language_id: str | None = None, version: int = 0
    ) -> Document:
        language = detect_language(language_id, uri)
        doc = Document(uri, text, language, version, self.max_bytes, parser=new_parser(language))
        doc.reparse()
        self._docs[uri] = doc
        if doc.skipped_reason:
            log.info("document %s gets no completions: %s", uri, doc.skipped_reason)
        return doc

    def change(self, uri: str, version: int, changes: list[Change]) -> Document:
        doc = self.get(uri)
        for change in changes:
            if change.start is None or change.end is None:
                doc.text = change.text
                doc.reparse()
                continue
            start = position_to_offset(doc.text, *change.start, self.encoding)
            end = position_to_offset(doc.text, *change.end, self.encoding)
            doc.replace(start, end, change.text)
        doc.version = version
        return doc

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Document:
        try:
            return self._docs[uri]
        except KeyError:
            raise DocumentNotOpen(uri) from None

    def others(self, uri: str) -> list[Document]:
        """Open documents other than `uri`, most recently opened last."""
        return [doc for key, doc in self._docs.items() if key != uri]

    def __len__(self) -> int:
        return len(self._docs)
