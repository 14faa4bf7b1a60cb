"""Open documents kept in sync with the editor: one snapshot each, replaced on every
edit (see snapshot.py)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass
class Document:
    """An open buffer: where it lives, its version and its current snapshot."""

    uri: str
    snapshot: Snapshot
    version: int = 0
    # A change could not be read: the text may differ from the editor's until the
    # editor sends the whole text again (or reopens the document).
    stale: bool = False

    @property
    def text(self) -> str:
        return self.snapshot.text

    @property
    def language(self) -> str:
        return self.snapshot.language


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
        snapshot = Snapshot.parse(text, detect_language(language_id, uri), self.max_bytes())
        doc = Document(uri, snapshot, version)
        self._docs[uri] = doc
        if (reason := self.skipped_reason(doc)) is not None:
            log.info("document %s gets no completions: %s", uri, reason)
        return doc

    def change(self, uri: str, version: int, changes: list[Change]) -> Document:
        doc = self.get(uri)
        limit = self.max_bytes()
        for change in changes:
            snap = doc.snapshot
            if change.start is None or change.end is None:
                doc.snapshot = snap.replaced(change.text, limit)
                doc.stale = False
                continue
            start = position_to_offset(snap.text, *change.start, self.encoding, snap.lines)
            end = position_to_offset(snap.text, *change.end, self.encoding, snap.lines)
            doc.snapshot = snap.edited(start, end, change.text, limit)
        doc.version = version
        return doc

    def mark_stale(self, uri: str) -> None:
        self.get(uri).stale = True

    def skipped_reason(self, doc: Document) -> str | None:
        """Why `doc` gets no completions (binary, larger than the setting, out of sync
        with the editor), or None."""
        if doc.stale:
            return "out of sync with the editor"
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
        return [doc for key, doc in self._docs.items() if key != uri and not doc.stale]

    def fingerprints(self) -> dict[str, dict[str, object]]:
        """Each document's version and the sha256 of its UTF-8 text."""
        return {
            uri: {"version": doc.version, "sha256": hashlib.sha256(doc.snapshot.data).hexdigest()}
            for uri, doc in self._docs.items()
        }

    def __len__(self) -> int:
        return len(self._docs)
