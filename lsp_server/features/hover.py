"""textDocument/hover: an explanation of the name under the cursor from the chat model
(explain/hover.py builds the question; runtime/chat.py runs it after the
keystrokes' completions)."""

from __future__ import annotations

import logging

from lsprotocol import types

from lsp_server.documents.snapshot import Snapshot
from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.explain.hover import Hovered, explain_name
from lsp_server.features import convert
from lsp_server.models.resolve import ModelError
from lsp_server.prompt.chat import ChatTemplateError
from lsp_server.server import SlmLanguageServer

log = logging.getLogger(__name__)


def register(server: SlmLanguageServer) -> None:
    told: set[str] = set()  # why explanations are off, each told once

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: SlmLanguageServer, params: types.HoverParams) -> types.Hover | None:
        if not ls.settings.hover.enabled:
            return None
        uri = params.text_document.uri
        try:
            doc = ls.documents.get(uri)
        except DocumentNotOpen:
            return None
        if ls.documents.skipped_reason(doc) is not None:
            return None
        snap, encoding = doc.snapshot, ls.documents.encoding
        offset = convert.offset(snap, params.position, encoding)
        others = [o.snapshot for o in ls.documents.others(uri)]
        found = await _explained(ls, uri, (snap, offset, others), told)
        if found is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(types.MarkupKind.Markdown, found.markdown),
            range=convert.lsp_range(snap, found.start, found.end, encoding),
        )


async def _explained(
    ls: SlmLanguageServer,
    uri: str,
    where: tuple[Snapshot, int, list[Snapshot]],
    told: set[str],
) -> Hovered | None:
    """The hover through its entry: with the chat model when it can answer, else (and
    when it fails: told once) what the tree knows."""
    settings = ls.settings.hover
    budget = (settings.max_tokens, settings.deadline_ms / 1000)
    ask = ls.chat.answer if ls.chat.usable() else None
    try:
        return await explain_name(*where, ask, uri, budget)
    except ChatTemplateError as exc:
        model = ls.runtime.chat_spec() or str(ls.runtime.model().path)
        _tell_once(ls, told, model, f"slm-ls: no explanations or code actions: {exc} "
                   "(set chatModel to an instruct model)")  # fmt: skip
    except (ModelError, EngineError) as exc:  # a broken chatModel: told once, not per hover
        _tell_once(ls, told, str(exc), f"slm-ls: no explanations: {exc}")
    return await explain_name(*where, None, uri, budget)


def _tell_once(ls: SlmLanguageServer, told: set[str], key: str, message: str) -> None:
    if key not in told:
        told.add(key)
        ls.tell(types.MessageType.Warning, message)
