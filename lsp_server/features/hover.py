"""textDocument/hover: an explanation of the name under the cursor from the chat model
(explain/hover.py builds the question; completion/explaining.py runs it after the
keystrokes' completions)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.explain.hover import Subject, fallback, markdown, messages, subject_at
from lsp_server.features import convert
from lsp_server.models.resolve import ModelError
from lsp_server.prompt.chat import ChatTemplateError

if TYPE_CHECKING:
    from lsp_server.server import SlmLanguageServer

log = logging.getLogger(__name__)


def register(server: SlmLanguageServer) -> None:
    told: set[str] = set()  # models whose missing chat template was reported

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: SlmLanguageServer, params: types.HoverParams) -> types.Hover | None:
        settings = ls.settings.hover
        if not settings.enabled:
            return None
        uri = params.text_document.uri
        try:
            doc = ls.documents.get(uri)
        except DocumentNotOpen:
            return None
        if ls.documents.skipped_reason(doc) is not None:
            return None
        snap = doc.snapshot
        encoding = ls.documents.encoding
        pos = params.position
        offset = convert.offset(snap, pos, encoding)
        others = [o.snapshot for o in ls.documents.others(uri)]
        subject = subject_at(snap, offset, others)
        if subject is None:
            return None
        text = fallback(subject)
        if ls.service.explainer.usable():  # else: the model has no chat template (told once)
            text = await _explained(ls, uri, subject, told)
        if not text:
            return None
        return types.Hover(
            contents=types.MarkupContent(types.MarkupKind.Markdown, text),
            range=convert.lsp_range(snap, subject.start, subject.end, encoding),
        )


async def _explained(ls: SlmLanguageServer, uri: str, subject: Subject, told: set[str]) -> str:
    """The hover's Markdown with the model's explanation (or the tree's, without it)."""
    settings = ls.settings.hover
    try:
        answer = await ls.service.explainer.answer(
            uri, messages(subject), settings.max_tokens, settings.deadline_ms / 1000
        )
        return markdown(subject, answer.text if answer.done else "")
    except ChatTemplateError as exc:
        model = ls.service.chat_spec() or str(ls.service.model().path)
        if model not in told:
            told.add(model)
            ls.tell(
                types.MessageType.Warning,
                f"slm-ls: no explanations or code actions: {exc} "
                "(set chatModel to an instruct model)",
            )
    except (ModelError, EngineError) as exc:  # a broken chatModel: told once, not per hover
        if str(exc) not in told:
            told.add(str(exc))
            ls.tell(types.MessageType.Warning, f"slm-ls: no explanations: {exc}")
    return fallback(subject)
