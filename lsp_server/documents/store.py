"""Open documents kept in sync with the editor: one snapshot each, replaced on every
edit (see snapshot.py)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from lsp_server.documents.chunks import ChunkedText
from lsp_server.documents.positions import Encoding, position_to_offset
from lsp_server.documents.snapshot import DEFAULT_MAX_BYTES, Snapshot
from lsp_server.syntax.languages import detect_language

log = logging.getLogger(__name__)


class DocumentNotOpen(KeyError):
    """A request named a document the editor has not opened."""


@dataclass(frozen=True)
class Change:
    """One content change: a range in (line, column) units of the session's encoding,
    or None for a whole-document replacement."""

    text: str
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None


class Document:
    """An open buffer: where it lives, its version and its text — a Snapshot, or for a
    document over the size limit (no completions, no tree) chunks that an edit
    changes in place (chunks.py); its Snapshot is then made only when asked for."""

    def __init__(self, uri: str, snapshot: Snapshot, version: int = 0) -> None:
        self.uri = uri
        self.version = version
        self.language = snapshot.language
        # A change could not be read: the text may differ from the editor's until the
        # editor sends the whole text again (or reopens the document).
        self.stale = False
        self._snapshot: Snapshot | None = snapshot
        self.large: ChunkedText | None = None

    @classmethod
    def of_text(cls, uri: str, text: str, language: str, max_bytes: int, version: int) -> Document:
        if len(text) > max_bytes:  # at least that many bytes: never parsed
            doc = cls(uri, Snapshot(text="", language=language, data=b""), version)
            doc.make_large(text)
            return doc
        return cls(uri, Snapshot.parse(text, language, max_bytes), version)

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            assert self.large is not None
            self._snapshot = Snapshot.parse(self.large.text(), self.language, 0)
        return self._snapshot

    @snapshot.setter
    def snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot, self.large = snapshot, None

    def make_large(self, text: str) -> None:
        self.large, self._snapshot = ChunkedText(text), None

    @property
    def text(self) -> str:
        return self.large.text() if self.large is not None else self.snapshot.text


class DocumentStore:
    """All open documents, by URI. `max_bytes` is read when a document is parsed
    or asked about, so a changed setting applies to the documents already open."""

    def __init__(
        self,
        encoding: Encoding = Encoding.UTF16,
        max_bytes: Callable[[], int] = lambda: DEFAULT_MAX_BYTES,
    ) -> None:
        self.encoding = encoding
        self.max_bytes = max_bytes
        self._docs: dict[str, Document] = {}

    def open(
        self, uri: str, text: str, language_id: str | None = None, version: int = 0
    ) -> Document:
        language = detect_language(language_id, uri)
        doc = Document.of_text(uri, text, language, self.max_bytes(), version)
        self._docs[uri] = doc
        if (reason := self.skipped_reason(doc)) is not None:
            log.info("document %s gets no completions: %s", uri, reason)
        return doc

    def change(self, uri: str, version: int, changes: list[Change]) -> Document:
        doc = self.get(uri)
        limit = self.max_bytes()
        for change in changes:
            if change.start is None or change.end is None:
                replaced = Document.of_text(uri, change.text, doc.language, limit, version)
                doc.large, doc._snapshot, doc.stale = replaced.large, replaced._snapshot, False
            elif doc.large is not None:
                doc.large.edit(change.start, change.end, change.text, self.encoding)
                doc._snapshot = None
            else:
                doc.snapshot = _edited(doc.snapshot, change, self.encoding, limit)
            self._resize(doc, limit)
        doc.version = version
        return doc

    @staticmethod
    def _resize(doc: Document, limit: int) -> None:
        """Move a document between the two kinds of storage when it crosses `limit`."""
        if doc.large is not None and doc.large.length <= limit:
            doc.snapshot = Snapshot.parse(doc.large.text(), doc.language, limit)
        elif doc.large is None and len(doc.snapshot.text) > limit:
            doc.make_large(doc.snapshot.text)

    def mark_stale(self, uri: str) -> None:
        self.get(uri).stale = True

    def skipped_reason(self, doc: Document) -> str | None:
        """Why `doc` gets no completions (binary, larger than the setting, out of sync
        with the editor), or None."""
        if doc.stale:
            return "out of sync with the editor"
        if doc.large is not None:
            return f"larger than {self.max_bytes()} bytes"
        return doc.snapshot.skipped_reason(self.max_bytes())

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> Document:
        try:
            return self._docs[uri]
        except KeyError:
            raise DocumentNotOpen(uri) from None

    def others(self, uri: str) -> list[Document]:
        """Open documents other than `uri` (and not out of sync), most recently opened
        last."""
        return [
            doc
            for key, doc in self._docs.items()
            if key != uri and not doc.stale and doc.large is None
        ]

    def fingerprints(self) -> dict[str, dict[str, object]]:
        """Each document's version and the sha256 of its UTF-8 text."""
        return {
            uri: {"version": doc.version, "sha256": _sha256(doc)} for uri, doc in self._docs.items()
        }

    def __len__(self) -> int:
        return len(self._docs)


def _edited(snap: Snapshot, change: Change, encoding: Encoding, limit: int) -> Snapshot:
    assert change.start is not None and change.end is not None
    start = position_to_offset(snap.text, *change.start, encoding, snap.lines)
    end = position_to_offset(snap.text, *change.end, encoding, snap.lines)
    return snap.edited(start, end, change.text, limit)


def _sha256(doc: Document) -> str:
    if doc.large is not None:
        return doc.large.sha256()
    return hashlib.sha256(doc.snapshot.data).hexdigest()
