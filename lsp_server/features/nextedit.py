"""Next edit over LSP: `textDocument/copilotInlineEdit` with the params and result of
Copilot's language server ({textDocument: {uri, version}, position} → {edits: [{text,
textDocument, range, command}]}), `textDocument/didShowInlineEdit`, and the command a
client runs after applying an edit."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams

from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.features import convert
from lsp_server.methods import INLINE_EDIT_METHOD, NEXT_EDIT_ACCEPTED, SHOWN_INLINE_EDIT
from lsp_server.models.resolve import ModelError
from lsp_server.server import InlineEditParams, SlmLanguageServer

log = logging.getLogger(__name__)


def _unchanged(ls: SlmLanguageServer, uri: str, version: int, text: str) -> bool:
    """The document is still open with this version and exactly this text."""
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        return False
    return doc.version == version and not doc.stale and doc.snapshot.text == text


def register(server: SlmLanguageServer) -> None:
    @server.feature(INLINE_EDIT_METHOD)
    async def inline_edit(ls: SlmLanguageServer, params: InlineEditParams) -> dict[str, Any]:
        """The edit that should follow the document's last edit ({edits: []} when there
        is none, or next edit is off, or the client's version is not the server's).
        The params were checked when they were read (server.InlineEditParams)."""
        uri = params.text_document.uri
        try:
            doc = ls.documents.get(uri)
        except DocumentNotOpen:
            raise JsonRpcInvalidParams(f"document is not open: {uri}") from None
        if doc.stale or ls.documents.skipped_reason(doc) is not None:
            return {"edits": []}
        if params.text_document.version not in (None, doc.version):
            return {"edits": []}  # the client asks about a text the server no longer has
        snap, version = doc.snapshot, doc.version
        try:
            found = await ls.next_edit.suggest(uri, snap, version)
        except TimeoutError:
            log.info("next edit: no answer within nextEdit.deadlineMs")
            return {"edits": []}
        except (ModelError, EngineError) as exc:
            log.warning("next edit: %s", exc)
            return {"edits": []}
        if found is None or not _unchanged(ls, uri, version, snap.text):
            return {"edits": []}  # nothing to follow, or the text moved on (or closed)
        edit_range = convert.lsp_range(snap, found.start, found.end, ls.documents.encoding)
        return {
            "edits": [
                {
                    "text": found.text,
                    "textDocument": {"uri": uri, "version": version},
                    "range": get_converter().unstructure(edit_range),
                    "command": {
                        "title": f"slm-ls: {found.reason}",
                        "command": NEXT_EDIT_ACCEPTED,
                        "arguments": [found.reason],
                    },
                }
            ]
        }

    @server.feature(SHOWN_INLINE_EDIT)
    def shown(ls: SlmLanguageServer, params: Any) -> None:
        log.debug("next edit shown")

    @server.command(NEXT_EDIT_ACCEPTED)
    def accepted(ls: Any, *args: Any) -> None:
        log.debug("next edit accepted")
