"""textDocument/inlineCompletion (ghost text) and textDocument/completion (a menu item
for clients without inline completion, such as Helix)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from lsp_server.completion.accepts import Offered, Refused
from lsp_server.completion.pipeline import Suggestion
from lsp_server.completion.request import CompletionRequest, build_request
from lsp_server.documents.positions import Encoding, column_to_chars, units_of
from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.features import convert, workspace
from lsp_server.methods import (
    ACCEPTED_COMMAND,
    CURSOR_METHOD,
    PARTIAL_ACCEPT_METHOD,
    STATS_METHOD,
)
from lsp_server.models.resolve import ModelError
from lsp_server.nextedit.history import brings_back
from lsp_server.server import SlmLanguageServer
from lsp_server.tuning import auto

log = logging.getLogger(__name__)
TRIGGER_CHARACTERS = [".", "(", "[", "{", ",", "=", ":", " "]
LABEL_WIDTH = 60


def _request(
    ls: SlmLanguageServer, uri: str, position: types.Position, invoked: bool
) -> CompletionRequest | None:
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        raise JsonRpcInvalidParams(f"document is not open: {uri}") from None
    if ls.documents.skipped_reason(doc) is not None:
        return None
    snap = doc.snapshot
    root = ls.workspace.root_path or ""
    return build_request(
        snap,
        convert.offset(snap, position, ls.documents.encoding),
        invoked=invoked,
        others=[(_relative(o.uri, root), o.snapshot) for o in ls.documents.others(uri)],
        path=_relative(uri, root),
        repo_name=PurePath(root).name,
        max_bytes=ls.documents.max_bytes(),
        workspace=workspace.view(ls, uri),
    )


def _relative(uri: str, root: str) -> str:
    """A document's path relative to the workspace root (its URI path otherwise)."""
    path = unquote(urlparse(uri).path)
    if root and path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) + 1 :]
    return path.lstrip("/")


async def _suggest(
    ls: SlmLanguageServer, outage: _Outage, uri: str, position: types.Position, invoked: bool
) -> tuple[CompletionRequest, Suggestion] | None:
    request = _request(ls, uri, position, invoked)
    if request is None:
        return None
    try:
        suggestion = await ls.service.suggest(uri, request)
    except (ModelError, EngineError) as exc:  # EngineUnavailable too: a server that is down
        outage.report(ls, str(exc))  # told once, not once per keystroke
        return None
    except Exception:  # an engine bug must not take the server down
        log.exception("completion failed")
        return None
    outage.recovered(ls)
    if not suggestion.text or _brings_back_a_renamed_name(ls, uri, suggestion.text):
        return None
    return request, suggestion


def _brings_back_a_renamed_name(ls: SlmLanguageServer, uri: str, text: str) -> bool:
    last = ls.next_edit.history.last(uri)
    if last is None or not brings_back(*last, text):
        return False
    log.debug("completion dropped: it names what the last edit renamed")
    return True


class _Outage:
    """An engine that fails (a remote one that does not answer, a model that cannot
    be used) is told once, not once per keystroke, and its return once; the log has
    one line per failed attempt (a remote engine backs off)."""

    def __init__(self) -> None:
        self.down = False

    def report(self, ls: SlmLanguageServer, reason: str) -> None:
        if not self.down:
            self.down = True
            ls.tell(types.MessageType.Warning, f"slm-ls: no completions: {reason}")

    def recovered(self, ls: SlmLanguageServer) -> None:
        if self.down:
            self.down = False
            ls.window_show_message(
                types.ShowMessageParams(types.MessageType.Info, "slm-ls: the engine answers again")
            )


def _range(ls: SlmLanguageServer, request: CompletionRequest, s: Suggestion) -> types.Range:
    return convert.lsp_range(request.document, s.start, s.end, ls.documents.encoding)


def _word_before(text: str, offset: int) -> str:
    """The identifier characters just before `offset`."""
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:offset]


def _preview(ls: SlmLanguageServer, text: str, language: str) -> types.MarkupContent | str:
    """The whole suggestion for the menu's documentation: a Markdown code block when
    the client renders Markdown there, else a plain string (always allowed)."""
    caps = ls.client_capabilities.text_document
    item = caps.completion.completion_item if caps and caps.completion else None
    if item and types.MarkupKind.Markdown in (item.documentation_format or []):
        return types.MarkupContent(types.MarkupKind.Markdown, _fenced(text, language))
    return text


def _fenced(text: str, language: str) -> str:
    """The whole suggestion as a Markdown code block (the menu's preview)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _texts(suggestion: Suggestion) -> tuple[str, ...]:
    """The suggestions to show: the candidates of an invoked request, else the one."""
    return suggestion.candidates or (suggestion.text,)


def _offer(
    ls: SlmLanguageServer, uri: str, request: CompletionRequest, s: Suggestion, rank: int, text: str
) -> types.Command:
    """Remember a suggestion as shown; the command that reports its whole accept."""
    before, after = request.text[: s.start], request.text[s.end :]
    item_id = ls.accepts.offer(Offered(uri, before, after, text, s.multiline, rank))
    return types.Command("slm-ls: suggestion accepted", ACCEPTED_COMMAND, arguments=[item_id])


def _document_text(ls: SlmLanguageServer, uri: str) -> str | None:
    try:
        return ls.documents.get(uri).snapshot.text
    except DocumentNotOpen:
        return None


def _item_id(params: Any) -> str:
    """The id in a partial accept's item (its command's first argument)."""
    item = getattr(params, "item", None)
    command = getattr(item, "command", None)
    arguments = getattr(command, "arguments", None)
    if not isinstance(arguments, list) or not arguments or not isinstance(arguments[0], str):
        raise ValueError("the item carries no slm-ls command")
    return arguments[0]


def _accepted_length(params: Any) -> int:
    length = getattr(params, "acceptedLength", None)
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValueError(f"acceptedLength must be a whole number >= 0, got {length!r}")
    return length


def _partial_accept(ls: SlmLanguageServer, params: Any) -> None:
    """Count a partial accept, and keep its suggestion for typing-through (the rest
    answered from the cache while the person's keys match it)."""
    try:
        item_id, units = _item_id(params), _accepted_length(params)
    except ValueError as exc:
        log.info("%s ignored: %s", PARTIAL_ACCEPT_METHOD, exc)
        return
    known = ls.accepts.offered(item_id)
    # acceptedLength counts UTF-16 code units of the insert text (VS Code's, Copilot's)
    chars = units
    if known is not None:
        within = units <= units_of(known.text, Encoding.UTF16)
        chars = column_to_chars(known.text, units, Encoding.UTF16) if within else units
    document = _document_text(ls, known.key) if known is not None else None
    found = ls.accepts.partial(item_id, chars, document)
    if isinstance(found, Refused):
        log.info("%s ignored: suggestion %s is %s", PARTIAL_ACCEPT_METHOD, item_id, found.value)
        return
    if found.clamped:
        log.info(
            "%s: acceptedLength %d is past the suggestion's end: counted as all of it",
            PARTIAL_ACCEPT_METHOD,
            units,
        )
    shown = found.offered
    ls.service.keep(shown.key, shown.before, shown.after, shown.text, shown.multiline)


def register(server: SlmLanguageServer) -> None:
    outage = _Outage()  # the feature's state: kept by its handlers, one per server

    @server.feature(STATS_METHOD)
    def stats(ls: SlmLanguageServer, params: Any) -> dict[str, Any]:
        """Per-request records (latency, cache hits, tokens processed) for benchmarks,
        and each open document's version and the sha256 of its text (never the text:
        tests check synchronisation with it)."""
        return {
            "records": ls.service.stats.as_json(),
            "openDocuments": len(ls.documents),
            "documents": ls.documents.fingerprints(),
            "workspaceIndex": ls.index.status(),
            "warmed": ls.service.idle.warmed,  # places prepared on slm-ls/didChangeCursor
            # suggestions shown and accepted (whole, in part, another candidate): counts
            "accepts": ls.accepts.as_json(),
            # model "auto": the measured speeds, the configuration chosen and why
            "auto": auto.report(
                ls.runtime.decision, ls.runtime.profile, ls.tuner.done, ls.tuner.interrupted
            ),
        }

    @server.feature(CURSOR_METHOD)
    def cursor(ls: SlmLanguageServer, params: Any) -> None:
        """Where the person is before they type: the suggestion there is prepared in
        the idle time (never before a keystroke's own request). Unreadable params or a
        document that is not open: ignored with one log line (a notification has no
        answer to carry an error)."""
        try:
            uri = params.textDocument.uri
            at = types.Position(int(params.position.line), int(params.position.character))
            request = _request(ls, uri, at, invoked=False)
        except (AttributeError, TypeError, ValueError, JsonRpcInvalidParams) as exc:
            log.info("%s ignored: %s", CURSOR_METHOD, exc)
            return
        if request is not None:
            ls.service.warm(uri, request)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: SlmLanguageServer,
        params: types.InlineCompletionParams,
    ) -> types.InlineCompletionList:
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        found = await _suggest(ls, outage, params.text_document.uri, params.position, invoked)
        if found is None:
            return types.InlineCompletionList(items=[])
        request, suggestion = found
        uri, where = params.text_document.uri, _range(ls, request, suggestion)
        items = [
            types.InlineCompletionItem(
                insert_text=text,
                range=where,
                command=_offer(ls, uri, request, suggestion, rank, text),
            )
            for rank, text in enumerate(_texts(suggestion))
        ]
        return types.InlineCompletionList(items=items)

    @server.feature(PARTIAL_ACCEPT_METHOD)
    def partially_accepted(ls: SlmLanguageServer, params: Any) -> None:
        """Copilot's notification: the person took the start of a suggestion (a word,
        a line); bad params are ignored with one log line (no answer to carry one)."""
        _partial_accept(ls, params)

    @server.command(ACCEPTED_COMMAND)
    def accepted(ls: SlmLanguageServer, *args: Any) -> None:
        """The item's command: the person took the whole suggestion."""
        item_id = args[0] if args and isinstance(args[0], str) else ""
        known = ls.accepts.offered(item_id)
        found = ls.accepts.whole(item_id, _document_text(ls, known.key) if known else None)
        if isinstance(found, Refused):
            why = found.value
            log.info("%s ignored: suggestion %s is %s", ACCEPTED_COMMAND, item_id or "?", why)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS),
    )
    async def completion(
        ls: SlmLanguageServer,
        params: types.CompletionParams,
    ) -> types.CompletionList:
        context = params.context
        invoked = context is None or context.trigger_kind == types.CompletionTriggerKind.Invoked
        found = await _suggest(ls, outage, params.text_document.uri, params.position, invoked)
        if found is None:
            return types.CompletionList(is_incomplete=True, items=[])
        request, suggestion = found
        uri = params.text_document.uri
        items = [
            _menu_item(ls, uri, request, suggestion, rank, text)
            for rank, text in enumerate(_texts(suggestion))
        ]
        return types.CompletionList(is_incomplete=True, items=items)


def _menu_item(
    ls: SlmLanguageServer,
    uri: str,
    request: CompletionRequest,
    suggestion: Suggestion,
    rank: int,
    suggested: str,
) -> types.CompletionItem:
    """One suggestion as a menu item, in its rank's place (the best preselected). The
    item replaces the word typed before the cursor with that word plus the
    suggestion: menus (Helix, omnifunc, nvim-cmp) filter items by the word at the
    cursor, so the label and filter text must start with it."""
    word = _word_before(request.text, suggestion.start)
    start = suggestion.start - len(word)
    text = word + suggested
    first = text.strip().split("\n", 1)[0]
    edit_range = _range(ls, request, replace(suggestion, start=start))
    return types.CompletionItem(
        label=first[:LABEL_WIDTH] or text[:LABEL_WIDTH],
        filter_text=first or text,
        kind=types.CompletionItemKind.Snippet
        if suggestion.multiline
        else types.CompletionItemKind.Text,
        detail="slm-ls" if rank == 0 else f"slm-ls ({rank + 1})",
        documentation=_preview(ls, text, request.language),
        text_edit=types.TextEdit(edit_range, text),
        insert_text_format=types.InsertTextFormat.PlainText,
        sort_text=str(rank),
        preselect=rank == 0,
        command=_offer(ls, uri, request, suggestion, rank, suggested),
    )
