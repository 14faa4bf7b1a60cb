"""Code actions from the chat model: "Fix this", "Add docstring" and "Explain this".

Listed at once (no model call in textDocument/codeAction) and computed when picked:
edits on codeAction/resolve for clients that resolve `edit`, else through a command and
workspace/applyEdit; explanations through the `slm-ls.explain` command, whose result is
the Markdown (our VS Code extension and Neovim plugin show it; other clients get it as
window/showMessage). Edits are versioned: a document changed since the listing is
refused. While the model works, a cancellable $/progress says so."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified

from lsp_server.documents.edits import Edit
from lsp_server.documents.snapshot import Snapshot
from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.explain import docstring, fix, passage
from lsp_server.features import convert
from lsp_server.methods import (
    ACTION_PROGRESS_PREFIX,
    DOC_COMMAND,
    EXPLAIN_COMMAND,
    FIX_COMMAND,
    SHOWS_EXPLANATIONS,
)
from lsp_server.models.resolve import ModelError
from lsp_server.prompt.chat import ChatTemplateError
from lsp_server.server import SlmLanguageServer
from lsp_server.syntax.languages import spec_for

log = logging.getLogger(__name__)
FIX_TITLE = "Fix this (slm-ls)"
EXPLAIN_TITLE = "Explain this (slm-ls)"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]


class Action(StrEnum):
    """What an offered action does (its `data["action"]`, sent back when resolved)."""

    FIX = "fix"
    DOC = "doc"
    EXPLAIN = "explain"


def _resolves_edits(ls: SlmLanguageServer) -> bool:
    caps = ls.client_capabilities.text_document
    action = caps.code_action if caps else None
    support = action.resolve_support if action else None
    return bool(support and "edit" in support.properties)


def _shows_explanations(ls: SlmLanguageServer) -> bool:
    experimental = ls.client_capabilities.experimental
    return isinstance(experimental, dict) and bool(experimental.get(SHOWS_EXPLANATIONS))


def _wanted(params: types.CodeActionParams, kind: str) -> bool:
    only = params.context.only
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _offers(ls: SlmLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        return []
    if ls.documents.skipped_reason(doc) is not None:
        return []
    following = _next_edit_offer(ls, params, uri, doc.version, doc.snapshot)
    if not ls.chat.usable():
        return following
    diagnostics = list(params.context.diagnostics)
    span = diagnostics[0].range if diagnostics else params.range
    data = {"uri": uri, "version": doc.version, "range": convert.range_data(span)}
    snap, encoding = doc.snapshot, ls.documents.encoding
    start, end = convert.span(snap, params.range, encoding)
    offers = following
    # "Fix this" where there is something to fix: a diagnostic, or code the person
    # selected (not wherever the cursor rests: VS Code would show a light bulb there).
    if _wanted(params, types.CodeActionKind.QuickFix) and (diagnostics or end > start):
        problems = [d.message for d in diagnostics]
        fix_data = {**data, "action": Action.FIX, "problems": problems}
        offers.append(_fix_offer(ls, fix_data, diagnostics))
    rewrite = _wanted(params, types.CodeActionKind.RefactorRewrite)
    if rewrite and docstring.doc_target(snap, start) is not None:
        offers.append(_doc_offer(ls, {**data, "action": Action.DOC, "at": start}, snap))
    if not params.context.only and passage.passage_at(snap, start, end) is not None:
        explain = {**data, "action": Action.EXPLAIN, "range": convert.range_data(params.range)}
        offers.append(
            types.CodeAction(
                title=EXPLAIN_TITLE,
                kind=types.CodeActionKind.Empty,
                command=types.Command(EXPLAIN_TITLE, EXPLAIN_COMMAND, arguments=[explain]),
            )
        )
    return offers


def _next_edit_offer(
    ls: SlmLanguageServer,
    params: types.CodeActionParams,
    uri: str,
    version: int,
    snap: Snapshot,
) -> list[types.CodeAction]:
    """ "Apply next edit: …" when one was computed on exactly this text of the
    document (after a pause in editing: features/documents.py), for clients without
    copilotInlineEdit (Helix)."""
    found = ls.next_edit.offer(uri, version, snap.text)
    if found is None or not _wanted(params, types.CodeActionKind.RefactorRewrite):
        return []
    where = convert.lsp_range(snap, found.start, found.end, ls.documents.encoding)
    title = f"Apply next edit: {found.reason}, line {found.line + 1} (slm-ls)"
    edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(where, found.text)]})
    return [types.CodeAction(title=title, kind=types.CodeActionKind.RefactorRewrite, edit=edit)]


def _fix_offer(
    ls: SlmLanguageServer, data: dict[str, Any], diagnostics: list[types.Diagnostic]
) -> types.CodeAction:
    action = types.CodeAction(
        title=FIX_TITLE,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        is_preferred=bool(diagnostics),
        data=data,
    )
    if not _resolves_edits(ls):
        action.command = types.Command(FIX_TITLE, FIX_COMMAND, arguments=[data])
    return action


def _doc_offer(ls: SlmLanguageServer, data: dict[str, Any], snap: Snapshot) -> types.CodeAction:
    what = "docstring" if spec_for(snap.language).docstrings else "documentation comment"
    title = f"Add {what} (slm-ls)"
    action = types.CodeAction(title=title, kind=types.CodeActionKind.RefactorRewrite, data=data)
    if not _resolves_edits(ls):
        action.command = types.Command(title, DOC_COMMAND, arguments=[data])
    return action


def _current(ls: SlmLanguageServer, data: dict[str, Any]) -> tuple[Snapshot, int] | str:
    """The document's snapshot and version, if it is the one the action was listed for."""
    try:
        doc = ls.documents.get(data["uri"])
    except DocumentNotOpen:
        return "the document is closed"
    if doc.version != data["version"]:
        raise JsonRpcContentModified("the document changed since the action was offered")
    return doc.snapshot, doc.version


async def _fix(ls: SlmLanguageServer, data: dict[str, Any]) -> list[Edit] | str:
    """The line edits for the fix `data` describes, or why there are none."""
    current = _current(ls, data)
    if isinstance(current, str):
        return current
    snap = current[0]
    start, end = convert.span(snap, data["range"], ls.documents.encoding)
    problems = list(data.get("problems", []))
    return await fix.fix(snap, start, end, problems, ls.chat.answer, data["uri"])


async def _document(ls: SlmLanguageServer, data: dict[str, Any]) -> list[Edit] | str:
    """The insertion of the documentation `data` asks for, or why there is none."""
    current = _current(ls, data)
    if isinstance(current, str):
        return current
    snap = current[0]
    return await docstring.document(snap, int(data["at"]), ls.chat.answer, data["uri"])


@dataclass(frozen=True)
class Explanation:
    markdown: str


async def _explain(ls: SlmLanguageServer, data: dict[str, Any]) -> Explanation | str:
    """The explanation, or why there is none."""
    try:
        snap = ls.documents.get(data["uri"]).snapshot
    except DocumentNotOpen:
        return "the document is closed"
    start, end = convert.span(snap, data["range"], ls.documents.encoding)
    text = await passage.explain(snap, start, end, ls.chat.answer, data["uri"])
    return Explanation(text.markdown) if isinstance(text, passage.Explained) else text


def _workspace_edit(
    ls: SlmLanguageServer, data: dict[str, Any], edits: list[Edit]
) -> types.WorkspaceEdit:
    snap = ls.documents.get(data["uri"]).snapshot
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(
                    uri=data["uri"], version=data["version"]
                ),
                convert.text_edits(snap, edits, ls.documents.encoding),
            )
        ]
    )


WORK: dict[Action, tuple[str, Callable[[Any, dict[str, Any]], Awaitable[Any]]]] = {
    Action.FIX: ("fixing…", _fix),
    Action.DOC: ("writing documentation…", _document),
    Action.EXPLAIN: ("explaining…", _explain),
}


async def _with_progress(ls: SlmLanguageServer, data: dict[str, Any]) -> Any:
    """The work `data["action"]` names, with a cancellable $/progress while the model
    works (when the client shows progress). Returns its result, or a string saying why
    there is none (also told to the user)."""
    title, work = WORK[Action(data["action"])]
    task = asyncio.ensure_future(work(ls, data))
    token = await _begin_progress(ls, title, task)
    result: Any = "no result"
    try:
        result = await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise  # the request itself was cancelled
        result = "cancelled"
    except (ChatTemplateError, ModelError, EngineError) as exc:
        result = str(exc)
    finally:
        if token is not None:
            message = result if isinstance(result, str) else "done"
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
            ls.work_done_progress.tokens.pop(token, None)
    if isinstance(result, str) and result != "cancelled":
        ls.tell(types.MessageType.Info, f"slm-ls: nothing done: {result}")
    return result


async def _begin_progress(
    ls: SlmLanguageServer, title: str, task: asyncio.Future[Any]
) -> str | None:
    caps = ls.client_capabilities.window
    if not (caps and caps.work_done_progress):
        return None
    token = f"{ACTION_PROGRESS_PREFIX}{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title="slm-ls", message=title, cancellable=True)
        )
    except Exception as exc:  # the client refused: go on without progress
        log.warning("no progress for this action: %s", exc)
        return None
    loop = asyncio.get_running_loop()
    cancelled = ls.work_done_progress.tokens[token]
    # window/workDoneProgress/cancel cancels pygls' future for the token: stop the work.
    cancelled.add_done_callback(lambda f: f.cancelled() and loop.call_soon_threadsafe(task.cancel))
    return token


def register(server: SlmLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
    )
    def code_action(
        ls: SlmLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        return _offers(ls, params) or None

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: SlmLanguageServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data
        if not isinstance(data, dict) or data.get("action") not in (Action.FIX, Action.DOC):
            return action
        result = await _with_progress(ls, data)
        if isinstance(result, list):
            action.edit = _workspace_edit(ls, data, result)
        return action

    async def edit_command(ls: Any, args: tuple[Any, ...], action: Action) -> None:
        data = args[0] if args and isinstance(args[0], dict) else None
        if data is None or data.get("action") != action:
            return
        result = await _with_progress(ls, data)
        if isinstance(result, list):
            edit = _workspace_edit(ls, data, result)
            await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit))

    # pygls reads a command's type hints at run time: `ls` is typed as Any here because
    # SlmLanguageServer is only imported for type checking.
    @server.command(FIX_COMMAND)
    async def fix_command(ls: Any, *args: Any) -> None:
        await edit_command(ls, args, Action.FIX)

    @server.command(DOC_COMMAND)
    async def doc_command(ls: Any, *args: Any) -> None:
        await edit_command(ls, args, Action.DOC)

    @server.command(EXPLAIN_COMMAND)
    async def explain_command(ls: Any, *args: Any) -> str | None:
        data = args[0] if args and isinstance(args[0], dict) else None
        if data is None or data.get("action") != Action.EXPLAIN:
            return None
        result = await _with_progress(ls, data)
        if not isinstance(result, Explanation):
            return None
        if not _shows_explanations(ls):
            ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, result.markdown))
        return result.markdown
