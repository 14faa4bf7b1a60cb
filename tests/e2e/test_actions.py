""" "Add docstring", "Explain this" and cancelling an action, through real LSP clients,
the real server and the real default model."""

from __future__ import annotations

import ast
import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient as PlainClient
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import SERVE

# A hang (seen once in teardown, not understood) fails the test instead of stalling CI.
pytestmark = pytest.mark.timeout(180)

URI = "file:///tmp/slm-ls-actions/shapes.py"
CODE = """import math


def circle_area(radius):
    if radius < 0:
        raise ValueError("negative radius")
    return math.pi * radius * radius


def square_area(side):
    \"\"\"The area of a square.\"\"\"
    return side * side
"""
INSIDE = types.Position(6, 11)  # in circle_area's return line


def _open(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, CODE))
    )


def _params(start: types.Position, end: types.Position | None = None) -> types.CodeActionParams:
    return types.CodeActionParams(
        types.TextDocumentIdentifier(URI),
        types.Range(start, end or start),
        types.CodeActionContext([]),
    )


def _titled(actions: list[types.Command | types.CodeAction] | None, title: str) -> types.CodeAction:
    found = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == title]
    assert len(found) == 1, actions
    return found[0]


def _command(
    actions: list[types.Command | types.CodeAction] | None, title: str
) -> types.ExecuteCommandParams:
    """The command of the action titled `title`. The test client's converter reads a
    `CodeAction` carrying a command as a `Command` whose `command` is the action's repr."""
    for action in actions or []:
        if isinstance(action, types.CodeAction) and action.title == title:
            assert action.command is not None and action.edit is None
            return types.ExecuteCommandParams(action.command.command, action.command.arguments)
        if isinstance(action, types.Command) and action.title == title:
            nested = ast.literal_eval(action.command)
            return types.ExecuteCommandParams(nested["command"], nested["arguments"])
    raise AssertionError(f"no {title!r} in {actions}")


def _apply(text: str, edit: types.WorkspaceEdit) -> str:
    assert edit.document_changes is not None
    change = edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 1
    lines = text.splitlines(keepends=True)
    for e in sorted(change.edits, key=lambda e: e.range.start.line, reverse=True):
        assert isinstance(e, types.TextEdit)
        lines[e.range.start.line : e.range.end.line] = [e.new_text]
    return "".join(lines)


async def test_add_docstring_through_resolve(client: LanguageClient) -> None:
    _open(client)
    actions = await client.text_document_code_action_async(_params(INSIDE))
    action = _titled(actions, "Add docstring (slm-ls)")
    assert action.kind == types.CodeActionKind.RefactorRewrite and action.edit is None
    # square_area has a docstring: no offer there.
    inside_square = await client.text_document_code_action_async(_params(types.Position(11, 8)))
    assert not any(a.title.startswith("Add docstring") for a in inside_square or [])
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None
    documented = _apply(CODE, resolved.edit)
    tree = ast.parse(documented)
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert (ast.get_docstring(functions["circle_area"]) or "").strip()
    # Only an insertion: every line of the old code is still there, in order.
    assert [ln for ln in documented.split("\n") if ln in CODE.split("\n")] == CODE.split("\n")


async def test_explain_this_returns_markdown_and_tells_a_client_that_does_not_show_it(
    client: LanguageClient,
) -> None:
    _open(client)
    actions = await client.text_document_code_action_async(_params(INSIDE))
    result = await client.workspace_execute_command_async(
        _command(actions, "Explain this (slm-ls)")
    )
    assert isinstance(result, str) and result.startswith("**`circle_area`** (slm-ls)")
    assert len(result.split("\n\n", 1)[1].split()) >= 5  # an explanation, not a stub
    await asyncio.sleep(0.2)
    assert any(m.message == result for m in client.messages)  # shown as a message


async def test_a_client_that_shows_explanations_gets_no_message(
    bare_client: LanguageClient,
) -> None:
    caps = client_capabilities("visual-studio-code")
    caps.experimental = {"slmLsShowsExplanations": True}
    await bare_client.initialize_session(types.InitializeParams(capabilities=caps))
    _open(bare_client)
    start, end = types.Position(4, 4), types.Position(5, 44)  # the `if` and its raise
    actions = await bare_client.text_document_code_action_async(_params(start, end))
    result = await bare_client.workspace_execute_command_async(
        _command(actions, "Explain this (slm-ls)")
    )
    assert isinstance(result, str) and result.startswith("**lines 5–6** (slm-ls)")
    await asyncio.sleep(0.2)
    assert not any(m.message == result for m in bare_client.messages)


async def test_cancelling_the_progress_stops_the_action() -> None:
    """window/workDoneProgress/cancel stops the model and applies nothing. (It used to
    hang now and then: answers written while the model loaded were lost, see
    server.claim_stdio.)"""
    client = PlainClient("slm-ls-test", "0")
    reports: dict[object, list[Any]] = {}

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: types.WorkDoneProgressCreateParams) -> None:
        reports.setdefault(params.token, [])

    @client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        reports.setdefault(params.token, []).append(params.value)

    await client.start_io(*SERVE)
    try:
        caps = client_capabilities("visual-studio-code")
        await client.initialize_async(types.InitializeParams(capabilities=caps))
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, CODE))
        )
        actions = await client.text_document_code_action_async(_params(INSIDE))
        action = _titled(actions, "Add docstring (slm-ls)")
        resolving = asyncio.ensure_future(client.code_action_resolve_async(action))
        token = None
        for _ in range(400):
            await asyncio.sleep(0.05)
            begun = [t for t in reports if str(t).startswith("slm-ls/action/") and reports[t]]
            if begun:
                token = begun[0]
                break
        assert token is not None, reports
        assert reports[token][0]["kind"] == "begin" and reports[token][0]["cancellable"]
        client.protocol.notify(
            types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token)
        )
        resolved = await asyncio.wait_for(resolving, 30)
        assert resolved.edit is None
        assert reports[token][-1] == {"kind": "end", "message": "cancelled"}
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
