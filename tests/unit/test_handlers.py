"""The LSP handlers in process, with the fake engine: completion, hover and each code
action answer what the pipeline makes of a scripted model answer, bad params get an
error, and a cancelled request stops (issue 11). Fast and deterministic; the same
features run end to end with the real model in tests/e2e/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from lsp_server.methods import CURSOR_METHOD
from tests.support.fake_engine import FakeEngine
from tests.support.in_process import TEMPLATE, InProcess

URI = "file:///tmp/handlers.py"
CODE = (
    "def total(values):\n    result = 0\n    for v in values:\n        result -= v\n"
    "    return result\n"
)
FIXED = CODE.replace("result -= v", "result += v")


@pytest.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[InProcess]:
    answer, seconds = getattr(request, "param", ("", 0.0))
    engine = FakeEngine(answer, chat_template=TEMPLATE, seconds_per_token=seconds)
    lsp = InProcess(engine, {"completion": {"promptBudgetMs": 0}})
    caps = {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}
    await lsp.initialize(caps)
    lsp.open(URI, CODE)
    yield lsp
    lsp.close()


async def _actions(server: InProcess, span: object, diagnostics: list[object]) -> list[Any]:
    params = {"textDocument": {"uri": URI}, "range": span, "context": {"diagnostics": diagnostics}}
    return list((await server.request("textDocument/codeAction", params))["result"])


def _at(line: int, character: int) -> dict[str, object]:
    return {"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}


@pytest.mark.parametrize("server", [("total", 0.0)], indirect=True)
async def test_inline_completion_answers_the_pipelines_text(server: InProcess) -> None:
    text = "x = 1\nprint(\n"
    server.open("file:///tmp/c.py", text)
    params = {"textDocument": {"uri": "file:///tmp/c.py"}, "position": {"line": 1, "character": 6},
              "context": {"triggerKind": 1}}  # fmt: skip
    answer = await server.request("textDocument/inlineCompletion", params)
    items = answer["result"]["items"]
    assert items and items[0]["insertText"] == "total"


@pytest.mark.parametrize("server", [("It adds the values up.", 0.0)], indirect=True)
async def test_hover_explains_with_the_chat_answer(server: InProcess) -> None:
    answer = await server.request("textDocument/hover", _at(0, 5))
    value = answer["result"]["contents"]["value"]
    assert "It adds the values up." in value and "total" in value


@pytest.mark.parametrize("server", [(f"```python\n{FIXED}```", 0.0)], indirect=True)
async def test_fix_this_resolves_to_the_changed_line(server: InProcess) -> None:
    span = {"start": {"line": 3, "character": 8}, "end": {"line": 3, "character": 19}}
    context = {"diagnostics": [{"range": span, "message": "wrong sign"}]}
    actions = await _actions(server, span, context["diagnostics"])
    fix = next(a for a in actions if a["title"].startswith("Fix this"))
    resolved = (await server.request("codeAction/resolve", fix))["result"]
    edits = resolved["edit"]["documentChanges"][0]["edits"]
    assert edits == [{"range": {"start": {"line": 3, "character": 0},
                                "end": {"line": 4, "character": 0}},
                      "newText": "        result += v\n"}]  # fmt: skip


@pytest.mark.parametrize("server", [('"""Adds up the values."""', 0.0)], indirect=True)
async def test_add_docstring_inserts_before_the_body(server: InProcess) -> None:
    span = {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 4}}
    actions = await _actions(server, span, [])
    doc = next(a for a in actions if a["title"].startswith("Add docstring"))
    resolved = (await server.request("codeAction/resolve", doc))["result"]
    edit = resolved["edit"]["documentChanges"][0]["edits"][0]
    assert edit["range"]["start"] == {"line": 1, "character": 0}
    assert edit["newText"] == '    """Adds up the values."""\n'


@pytest.mark.parametrize("server", [("It sums the list.", 0.0)], indirect=True)
async def test_explain_this_returns_the_markdown(server: InProcess) -> None:
    span = {"start": {"line": 2, "character": 4}, "end": {"line": 3, "character": 19}}
    actions = await _actions(server, span, [])
    explain = next(a for a in actions if a["title"].startswith("Explain this"))
    command = explain["command"]
    result = (await server.request("workspace/executeCommand", {
        "command": command["command"], "arguments": command["arguments"]}))["result"]  # fmt: skip
    assert result.startswith("**lines 3–4** (slm-ls)") and "It sums the list." in result


@pytest.mark.parametrize(
    "method",
    ["textDocument/inlineCompletion", "textDocument/hover", "textDocument/codeAction",
     "codeAction/resolve"],
)  # fmt: skip
async def test_bad_params_are_answered_with_an_error(server: InProcess, method: str) -> None:
    answer = await server.request(method, {"textDocument": {"uri": 5}, "position": "1:2"})
    assert answer["error"]["code"] == -32602


@pytest.mark.parametrize("server", [("x" * 200, 0.05)], indirect=True)
async def test_a_cancelled_hover_stops_the_model(server: InProcess) -> None:
    request_id = server.start("textDocument/hover", _at(0, 5))
    await _until(lambda: server.engine.params)  # the model is writing
    server.notify("$/cancelRequest", {"id": request_id})
    answer = await server.answer(request_id)
    assert answer.get("error", {}).get("code") == -32800 or "result" in answer
    # Stopped between tokens, long before the 10 s the whole answer would take.
    await _until(lambda: server.engine.results[-1].stop_reason == "cancelled", timeout=5)
    assert len(server.engine.results[-1].text) < 100


async def _until(condition: object, timeout: float = 10.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.01)
    assert condition(), "timed out"  # type: ignore[operator]


@pytest.mark.parametrize("server", [("total", 0.0)], indirect=True)
async def test_the_cursor_notification_prepares_the_suggestion_there(server: InProcess) -> None:
    await server.server.runtime.engine()  # loaded after `initialized`
    uri, at = "file:///tmp/c.py", {"line": 1, "character": 6}
    server.open(uri, "x = 1\nprint(\n")
    server.notify(CURSOR_METHOD, {"textDocument": {"uri": uri}, "position": at})
    for _ in range(200):  # the idle time computes it: the short prompt, then the full one
        if len(server.engine.results) == 2:
            break
        await asyncio.sleep(0.01)
    short, warm = server.engine.params
    assert short.session == uri + "#quick" and warm.session == uri
    # Unreadable params and a document that is not open: ignored, the server serves on.
    server.notify(CURSOR_METHOD, {"textDocument": {"uri": uri}})
    server.notify(CURSOR_METHOD, {"textDocument": {"uri": "file:///x.py"}, "position": at})
    server.notify(CURSOR_METHOD, None)
    params = {"textDocument": {"uri": uri}, "position": at, "context": {"triggerKind": 2}}
    answer = await server.request("textDocument/inlineCompletion", params)
    assert answer["result"]["items"][0]["insertText"] == "total"
    # Answered from what the idle time computed, not by a model call of its own.
    assert server.server.service.stats.records[-1].cache_hit
