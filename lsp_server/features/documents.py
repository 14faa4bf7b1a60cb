"""Text synchronisation: didOpen / didChange / didClose into the document store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from lsp_server.documents.store import Change, DocumentNotOpen

if TYPE_CHECKING:
    from lsp_server.server import SlmLanguageServer

log = logging.getLogger(__name__)


def _change(event: types.TextDocumentContentChangeEvent) -> Change:
    if isinstance(event, types.TextDocumentContentChangePartial):
        r = event.range
        return Change(event.text, (r.start.line, r.start.character), (r.end.line, r.end.character))
    return Change(event.text)


def register(server: SlmLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SlmLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.documents.open(doc.uri, doc.text, doc.language_id, doc.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SlmLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        changes = [_change(event) for event in params.content_changes]
        try:
            ls.documents.change(params.text_document.uri, params.text_document.version, changes)
        except DocumentNotOpen:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SlmLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        ls.service.forget(params.text_document.uri)
