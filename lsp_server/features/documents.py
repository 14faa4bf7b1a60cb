"""Text synchronisation: didOpen / didChange / didClose into the document store."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

from lsp_server.documents.snapshot import Snapshot
from lsp_server.documents.store import Change, DocumentNotOpen
from lsp_server.features.convert import file_path
from lsp_server.server import SlmLanguageServer

log = logging.getLogger(__name__)


def _change(event: types.TextDocumentContentChangeEvent) -> Change:
    if isinstance(event, types.TextDocumentContentChangePartial):
        r = event.range
        return Change(event.text, (r.start.line, r.start.character), (r.end.line, r.end.character))
    return Change(event.text)


def unreadable_change(ls: SlmLanguageServer, params: Any) -> None:
    """A didChange whose params do not fit the protocol: the changes before the first
    unreadable one are applied (LSP applies them in order), and the document is marked
    out of sync — no completions from a text that differs from the editor's — until
    the editor sends its whole text again or reopens it. Told to the user once."""
    converter = get_converter()
    try:
        uri = params["textDocument"]["uri"]
        doc = ls.documents.get(uri)
    except Exception:
        log.warning("a didChange could not be read and names no open document: ignored")
        return
    version = params["textDocument"].get("version")
    version = version if isinstance(version, int) else doc.version
    raw = params.get("contentChanges")
    changes: list[Change] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            event: types.TextDocumentContentChangeEvent = (
                converter.structure(item, types.TextDocumentContentChangePartial)
                if "range" in item
                else converter.structure(item, types.TextDocumentContentChangeWholeDocument)
            )
            changes.append(_change(event))
        except Exception:
            break
    ls.documents.change(uri, version, changes)
    if not doc.stale:
        ls.documents.mark_stale(uri)
        ls.tell(
            types.MessageType.Warning,
            f"slm-ls could not read a change to {uri}; no completions in it until it is reopened",
        )


def register(server: SlmLanguageServer) -> None:
    server.unreadable_change = lambda params: unreadable_change(server, params)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SlmLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.documents.open(doc.uri, doc.text, doc.language_id, doc.version)
        ls.next_edit.opened(doc.uri, doc.text)
        _to_index(ls, doc.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SlmLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        changes = [_change(event) for event in params.content_changes]
        try:
            ls.documents.change(params.text_document.uri, params.text_document.version, changes)
        except DocumentNotOpen:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return
        _edited(ls, params.text_document.uri)
        _to_index(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SlmLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        ls.service.forget(params.text_document.uri)
        ls.accepts.forget(params.text_document.uri)
        ls.next_edit.closed(params.text_document.uri)
        ls.index.document_text(file_path(params.text_document.uri), None)


def _edited(ls: SlmLanguageServer, uri: str) -> None:
    """The edit history (next edit) follows the text, for documents that get suggestions."""
    doc = ls.documents.get(uri)
    if not doc.stale and doc.large is None:
        ls.next_edit.history.changed(uri, doc.text)
        ls.next_edit.edited(uri, doc.version, lambda: _current(ls, uri))


def _current(ls: SlmLanguageServer, uri: str) -> tuple[int, Snapshot] | None:
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        return None
    return (doc.version, doc.snapshot) if not doc.stale else None


def _to_index(ls: SlmLanguageServer, uri: str) -> None:
    """The open document's text, for the workspace index (which reads it after a pause
    in typing): what other files' completions see of it is what the editor holds."""
    if ls.index.running and (path := file_path(uri)):
        doc = ls.documents.get(uri)
        if not doc.stale and ls.documents.skipped_reason(doc) is None:
            ls.index.document_text(path, doc.snapshot.text)
