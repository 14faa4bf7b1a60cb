""" "Fix this" through real LSP clients, the real server and the real default model, on
a planted bug given as a diagnostic: through codeAction/resolve, and through the
command and workspace/applyEdit for a client without resolve support; a document
changed since the listing is refused."""

from __future__ import annotations

import ast
import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

URI = "file:///tmp/slm-ls-fix/total.py"
BUGGY = """def total(xs):
    result = 0
    for i in range(len(xs) + 1):
        result += xs[i]
    return result
"""
BUG_LINE = 3  # result += xs[i]: where the IndexError is raised
FOR_LINE = 2


def _open(client: LanguageClient, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", version, BUGGY))
    )


def _params() -> types.CodeActionParams:
    where = types.Range(types.Position(BUG_LINE, 8), types.Position(BUG_LINE, 23))
    diagnostic = types.Diagnostic(where, "IndexError: list index out of range", source="pytest")
    return types.CodeActionParams(
        types.TextDocumentIdentifier(URI), where, types.CodeActionContext([diagnostic])
    )


def _fix_action(actions: list[types.Command | types.CodeAction]) -> types.CodeAction:
    fixes = [a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Fix")]
    assert len(fixes) == 1, actions
    return fixes[0]


def _apply(text: str, edit: types.WorkspaceEdit) -> str:
    assert edit.document_changes is not None and len(edit.document_changes) == 1
    change = edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == URI and change.text_document.version == 1
    lines = text.splitlines(keepends=True)
    for e in sorted(change.edits, key=lambda e: e.range.start.line, reverse=True):
        assert isinstance(e, types.TextEdit)
        assert e.range.start.character == 0 and e.range.end.character == 0  # whole lines
        lines[e.range.start.line : e.range.end.line] = [e.new_text]
    return "".join(lines)


def _check_fixed(fixed: str) -> None:
    ast.parse(fixed)
    before, after = BUGGY.split("\n"), fixed.split("\n")
    assert after[FOR_LINE] != before[FOR_LINE], fixed  # the line with the bug changed
    assert after[0] == before[0], fixed  # the rest is kept


async def test_fix_through_code_action_resolve(client: LanguageClient) -> None:
    _open(client)
    actions = await client.text_document_code_action_async(_params())
    assert actions is not None
    action = _fix_action(actions)
    assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred
    assert action.edit is None and action.command is None  # listed without a model call
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None
    _check_fixed(_apply(BUGGY, resolved.edit))


async def test_a_changed_document_is_refused(client: LanguageClient) -> None:
    _open(client)
    actions = await client.text_document_code_action_async(_params())
    assert actions is not None
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [types.TextDocumentContentChangeWholeDocument(BUGGY + "\n")],
        )
    )
    action = actions[0]
    assert isinstance(action, types.CodeAction)
    with pytest.raises(JsonRpcException, match="changed"):
        await client.code_action_resolve_async(action)


async def test_fix_through_the_command_for_clients_without_resolve(
    bare_client: LanguageClient,
) -> None:
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.text_document.code_action is not None
    caps.text_document.code_action.resolve_support = None
    applied: list[types.WorkspaceEdit] = []

    @bare_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    await bare_client.initialize_session(types.InitializeParams(capabilities=caps))
    _open(bare_client)
    actions = await bare_client.text_document_code_action_async(_params())
    assert actions is not None
    action = actions[0]
    # The server sends a CodeAction with a `command`; the test client's converter reads
    # `Command | CodeAction` as a Command whose `command` is the nested object's repr.
    if isinstance(action, types.Command):
        nested = ast.literal_eval(action.command)
        command, arguments = nested["command"], nested["arguments"]
    else:
        assert action.command is not None
        command, arguments = action.command.command, action.command.arguments
    assert command == "slm-ls.fix"
    params = types.ExecuteCommandParams(command, arguments)
    await bare_client.workspace_execute_command_async(params)
    assert len(applied) == 1
    _check_fixed(_apply(BUGGY, applied[0]))


async def test_a_completion_is_answered_while_a_fix_runs(client: LanguageClient) -> None:
    """Typing comes first: a keystroke's completion pre-empts the fix between tokens."""
    _open(client)
    other = "file:///tmp/slm-ls-fix/other.py"
    text = "def square(x):\n    return \n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(other, "python", 1, text))
    )
    actions = await client.text_document_code_action_async(_params())
    assert actions is not None and isinstance(actions[0], types.CodeAction)
    fix = asyncio.ensure_future(client.code_action_resolve_async(actions[0]))
    await asyncio.sleep(0.5)  # the fix is generating
    completion = asyncio.ensure_future(
        client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Invoked
                ),
                text_document=types.TextDocumentIdentifier(other),
                position=types.Position(1, 11),
            )
        )
    )
    done, _ = await asyncio.wait({fix, completion}, return_when=asyncio.FIRST_COMPLETED)
    assert completion in done and fix not in done
    answer = completion.result()
    assert answer is not None
    items = answer.items if isinstance(answer, types.InlineCompletionList) else answer
    assert items and str(items[0].insert_text).strip()
    resolved = await fix  # and the fix still finishes, restarted after the completion
    assert resolved.edit is not None
    _check_fixed(_apply(BUGGY, resolved.edit))
