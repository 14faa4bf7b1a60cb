"""Messages no client should send, each of which once ended the server or left a
request unanswered (issue 15, items 2, 5, 11 and 12): the server answers what can be
answered with a JSON-RPC error, logs one line without the message's content, and
serves on. Raw JSON-RPC over stdio against the real server process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_protocol_raw import DOC, RawClient

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
STATS = {"jsonrpc": "2.0", "id": 99, "method": "slmls/stats", "params": {}}


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[RawClient, Path]]:
    """A raw client after `initialize`, with the server's log in a file."""
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        client = RawClient(stderr=sink)
        client.send_body(INIT)
        assert "result" in client.answer(1)
        client.send({"method": "initialized", "params": {}})
        yield client, log
        client.close()


def _still_serving(client: RawClient) -> None:
    client.send_body(STATS)
    assert "result" in client.answer(99)
    assert client.process.poll() is None


def _errors(client: RawClient) -> list[dict[str, Any]]:
    """The error responses that arrive before the answer to STATS (sent now)."""
    client.send_body(STATS)
    found = []
    while (message := client.read()).get("id") != 99:
        if "error" in message and "method" not in message:
            found.append(message)
    return found


@pytest.mark.parametrize(
    "body",
    [
        {},
        42,
        None,
        [],
        "text",
        [{"jsonrpc": "2.0", "id": 5, "method": "slmls/stats", "params": {}}],
        {"id": 5, "method": "slmls/stats", "params": {}},
        {"jsonrpc": "1.0", "id": 5, "method": "slmls/stats", "params": {}},
        {"jsonrpc": "2.0", "id": [1], "method": "slmls/stats", "params": {}},
        {"jsonrpc": "2.0", "id": {"a": 1}, "method": "slmls/stats"},
        {"jsonrpc": "2.0", "id": True, "method": "slmls/stats"},
        {"jsonrpc": "2.0", "id": 5},
        {"jsonrpc": "2.0", "id": 5, "method": 7},
        {"jsonrpc": "2.0", "id": 5, "method": "slmls/stats", "params": 3},
    ],
)
def test_a_message_of_the_wrong_shape_gets_invalid_request(
    logged: tuple[RawClient, Path], body: Any
) -> None:
    client, _ = logged
    client.send_body(body)
    errors = _errors(client)
    assert [e["error"]["code"] for e in errors] == [-32600], errors
    request_id = body.get("id") if isinstance(body, dict) else None
    wanted = request_id if isinstance(request_id, int) and request_id is not True else None
    assert errors[0]["id"] == wanted
    _still_serving(client)


@pytest.mark.parametrize("ident", [{"a": 1}, [1], None, 1.5, "no-such-request"])
def test_a_cancel_with_a_strange_id_is_ignored(logged: tuple[RawClient, Path], ident: Any) -> None:
    client, _ = logged
    client.send({"method": "$/cancelRequest", "params": {"id": ident}})
    client.send({"method": "$/cancelRequest", "params": ident})
    _still_serving(client)


def test_notifications_with_bad_params_never_end_the_server(
    logged: tuple[RawClient, Path],
) -> None:
    client, _ = logged
    methods = [
        "$/setTrace",
        "workspace/didChangeWorkspaceFolders",
        "textDocument/didSave",
        "window/workDoneProgress/cancel",
        "notebookDocument/didClose",
        "exit/not",
    ]
    for method in methods:
        for params in ({}, [], 3, {"value": {"x": 1}}, {"token": [1]}, {"event": 5}):
            client.send({"method": method, "params": params})
    _still_serving(client)


def test_a_string_for_an_integer_is_invalid_params(logged: tuple[RawClient, Path]) -> None:
    client, _ = logged
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
    position = {"line": "0", "character": 4}
    params = {"textDocument": {"uri": DOC["uri"]}, "position": position}
    client.send({"id": 7, "method": "textDocument/inlineCompletion",
                 "params": {**params, "context": {"triggerKind": 1}}})  # fmt: skip
    assert client.answer(7)["error"]["code"] == -32602


def test_before_initialize_requests_are_refused_and_notifications_dropped() -> None:
    client = RawClient()
    try:
        client.send({"id": 2, "method": "slmls/stats", "params": {}})
        assert client.answer(2)["error"]["code"] == -32002
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
        client.send_body(INIT)
        assert "result" in client.answer(1)
        client.send_body({**INIT, "id": 3})
        assert client.answer(3)["error"]["code"] == -32600  # a second initialize
        client.send({"method": "initialized", "params": {}})
        client.send({"id": 4, "method": "slmls/stats", "params": {}})
        assert client.answer(4)["result"]["openDocuments"] == 0  # the early didOpen: dropped
    finally:
        client.close()


def test_source_text_never_reaches_the_default_log(logged: tuple[RawClient, Path]) -> None:
    client, log = logged
    secret = "SECRET_SOURCE_" + "x" * 20
    document = {**DOC, "text": f"{secret} = 1\n"}
    bad_shapes = [
        {"jsonrpc": "1.0", "method": "textDocument/didOpen", "params": {"textDocument": document}},
        {"method": "textDocument/didOpen", "params": {"textDocument": document}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 5,
                                                                         "x": secret}},
        {"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {"x": secret}},
        {"jsonrpc": "2.0", "id": 9, "result": {"x": secret}},
    ]  # fmt: skip
    for body in bad_shapes:
        client.send_body(body)
    _still_serving(client)
    client.send({"method": "exit"})
    client.process.wait(timeout=20)
    text = log.read_text(errors="replace")
    assert "refused a message" in text  # the log does say what happened...
    assert secret not in text  # ...without the code


ANSWER = "def total(values):\n    # add up the values\n    result = 0\n"


def _fake_server(answer: str) -> RawClient:
    command = [sys.executable, "-m", "tests.support.fake_server", answer]
    return RawClient(command=command)


BUGGY = (
    "def total(values):\n    # add up the values\u2028(see the notes)\n    result = 0\n"
    "    for v in values:\n        result -= v\n    return result\n\n\n"
    "print(total([1, 2, 3]))\n"
)
FIXED_BODY = BUGGY[: BUGGY.index("\n\n\n")].replace("result -= v", "result += v")


def _initialize(client: RawClient, resolve: bool) -> None:
    code_action = {"resolveSupport": {"properties": ["edit"]}} if resolve else {}
    capabilities = {"textDocument": {"codeAction": code_action},
                    "workspace": {"applyEdit": True}}  # fmt: skip
    client.send_body({**INIT, "params": {"capabilities": capabilities}})
    assert "result" in client.answer(1)
    client.send({"method": "initialized", "params": {}})
    document = {**DOC, "uri": "file:///tmp/fix.py", "text": BUGGY}
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})


def _fix_action(client: RawClient) -> dict[str, Any]:
    span = {"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": 19}}
    diagnostic = {"range": span, "message": "wrong sign"}
    client.send({"id": 10, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": "file:///tmp/fix.py"}, "range": span,
        "context": {"diagnostics": [diagnostic]}}})  # fmt: skip
    actions = client.answer(10)["result"]
    return next(a for a in actions if a["title"].startswith("Fix this"))


def test_fix_this_replaces_the_buggy_line_after_a_line_separator() -> None:
    """Issue 15, item 2, over LSP: the edit is (4,0)-(5,0), the buggy line; U+2028 in
    the comment above is not a line break for LSP (nor for the fix any more)."""
    client = _fake_server(f"```python\n{FIXED_BODY}\n```")
    try:
        _initialize(client, resolve=True)
        client.send({"id": 11, "method": "codeAction/resolve", "params": _fix_action(client)})
        edit = client.answer(11)["result"]["edit"]["documentChanges"][0]["edits"]
        assert edit == [
            {
                "range": {"start": {"line": 4, "character": 0}, "end": {"line": 5, "character": 0}},
                "newText": "        result += v\n",
            }
        ]
    finally:
        client.close()


@pytest.mark.parametrize("reply", [None, {"applied": "yes"}, [1], "ok"])
def test_a_strange_apply_edit_reply_still_answers_the_command(reply: Any) -> None:
    client = _fake_server(f"```python\n{FIXED_BODY}\n```")
    try:
        _initialize(client, resolve=False)
        command = _fix_action(client)["command"]
        client.send({"id": 12, "method": "workspace/executeCommand", "params": {
            "command": command["command"], "arguments": command["arguments"]}})  # fmt: skip
        while (message := client.read()).get("method") != "workspace/applyEdit":
            pass
        client.send_body({"jsonrpc": "2.0", "id": message["id"], "result": reply})
        answer = client.answer(12)
        assert ("result" in answer) != ("error" in answer)
        _still_serving(client)
    finally:
        client.close()


def test_fix_this_is_offered_on_a_diagnostic_or_a_selection_only() -> None:
    """Issue 15, item 16: not wherever the cursor rests (VS Code showed a light bulb
    on every line)."""
    client = _fake_server("")
    try:
        _initialize(client, resolve=True)
        titles = {}
        for request_id, end, diagnostics in [(20, 8, []), (21, 19, []), (22, 8, ["x"])]:
            span = {"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": end}}
            found = [{"range": span, "message": m} for m in diagnostics]
            client.send({"id": request_id, "method": "textDocument/codeAction", "params": {
                "textDocument": {"uri": "file:///tmp/fix.py"}, "range": span,
                "context": {"diagnostics": found}}})  # fmt: skip
            actions = client.answer(request_id)["result"] or []
            titles[request_id] = {a["title"] for a in actions}
        assert "Fix this (slm-ls)" not in titles[20]  # a cursor, no diagnostic
        assert "Fix this (slm-ls)" in titles[21]  # a selection
        assert "Fix this (slm-ls)" in titles[22]  # a diagnostic
    finally:
        client.close()
