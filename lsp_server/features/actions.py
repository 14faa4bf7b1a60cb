""" "Fix this" code actions: listed at once (no model call in textDocument/codeAction),
computed when picked — on codeAction/resolve for clients that resolve `edit`, else
through the `slm-ls.fix` command and workspace/applyEdit. The edit is versioned:
a document changed since the listing is refused."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified

from lsp_server.documents.positions import Encoding, offset_to_position, position_to_offset
from lsp_server.documents.store import DocumentNotOpen
from lsp_server.engines.base import EngineError
from lsp_server.explain.fix import (
    FIX_SECONDS,
    FIX_TOKENS,
    LineEdit,
    fix_edits,
    messages,
    target,
)
from lsp_server.models.resolve import ModelError
from lsp_server.prompt.chat import ChatTemplateError

if TYPE_CHECKING:
    from lsp_server.server import SlmLanguageServer

log = logging.getLogger(__name__)
FIX_COMMAND = "slm-ls.fix"
FIX_TITLE = "Fix this (slm-ls)"


def _resolves_edits(ls: SlmLanguageServer) -> bool:
    caps = ls.client_capabilities.text_document
    action = caps.code_action if caps else None
    support = action.resolve_support if action else None
    return bool(support and "edit" in support.properties)


def _offer(ls: SlmLanguageServer, params: types.CodeActionParams) -> types.CodeAction | None:
    uri = params.text_document.uri
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        return None
    diagnostics = list(params.context.diagnostics)
    span = diagnostics[0].range if diagnostics else params.range
    data = {
        "uri": uri,
        "version": doc.version,
        "range": [span.start.line, span.start.character, span.end.line, span.end.character],
        "problems": [d.message for d in diagnostics],
    }
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


async def _fix(ls: SlmLanguageServer, data: dict[str, Any]) -> types.WorkspaceEdit | str:
    """The versioned edit for the fix `data` describes, or why there is none."""
    uri = data["uri"]
    try:
        doc = ls.documents.get(uri)
    except DocumentNotOpen:
        return "the document is closed"
    if doc.version != data["version"]:
        raise JsonRpcContentModified("the document changed since the fix was offered")
    snap, encoding = doc.snapshot, ls.documents.encoding
    line, char, end_line, end_char = data["range"]
    start = position_to_offset(snap.text, line, char, encoding, snap.lines)
    end = position_to_offset(snap.text, end_line, end_char, encoding, snap.lines)
    found = target(snap, start, end, list(data.get("problems", [])))
    answer = await ls.service.explainer.answer(
        f"{uri}#fix", messages(found, snap.language), FIX_TOKENS, FIX_SECONDS
    )
    if not answer.done:
        return "the model did not finish in time"
    edits = fix_edits(snap, found, answer.text)
    if isinstance(edits, str):
        return edits
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                _text_edits(snap.text, edits, encoding),
            )
        ]
    )


def _text_edits(text: str, edits: list[LineEdit], encoding: Encoding) -> list[types.TextEdit]:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(text)

    found = []
    for edit in edits:
        a = offset_to_position(text, offset(edit.first), encoding)
        b = offset_to_position(text, offset(edit.last), encoding)
        found.append(types.TextEdit(types.Range(types.Position(*a), types.Position(*b)), edit.text))
    return found


async def _with_progress(ls: SlmLanguageServer, data: dict[str, Any]) -> types.WorkspaceEdit | str:
    """`_fix`, with $/progress while the model works (when the client shows it)."""
    caps = ls.client_capabilities.window
    token = f"slm-ls/fix/{uuid.uuid4()}"
    progress = bool(caps and caps.work_done_progress)
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(
                token, types.WorkDoneProgressBegin(title="slm-ls", message="fixing…")
            )
        except Exception as exc:  # the client refused: go on without progress
            log.warning("no progress for this fix: %s", exc)
            progress = False
    result: types.WorkspaceEdit | str = "no fix found"
    try:
        result = await _fix(ls, data)
    except (ChatTemplateError, ModelError, EngineError) as exc:
        result = str(exc)
    finally:
        if progress:
            message = "done" if isinstance(result, types.WorkspaceEdit) else "no fix found"
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
    if isinstance(result, str):
        ls.tell(types.MessageType.Info, f"slm-ls: no fix found: {result}")
    return result


def register(server: SlmLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=True
        ),
    )
    def code_action(
        ls: SlmLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        action = _offer(ls, params)
        return [action] if action is not None else None

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: SlmLanguageServer, action: types.CodeAction) -> types.CodeAction:
        if not isinstance(action.data, dict) or action.title != FIX_TITLE:
            return action
        result = await _with_progress(ls, action.data)
        if isinstance(result, types.WorkspaceEdit):
            action.edit = result
        return action

    # pygls reads a command's type hints at run time: `ls` is typed as Any here because
    # SlmLanguageServer is only imported for type checking.
    @server.command(FIX_COMMAND)
    async def fix_command(ls: Any, *args: Any) -> None:
        data = args[0] if args and isinstance(args[0], dict) else None
        if data is None:
            return
        result = await _with_progress(ls, data)
        if isinstance(result, types.WorkspaceEdit):
            await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=result))
