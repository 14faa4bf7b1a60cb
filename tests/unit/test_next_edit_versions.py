"""Issue 18, items 3 and 6: a next edit is offered only on the text it was computed on
(a version number can come back with another text: sent again, a second didOpen,
versions that go back), and `textDocument/copilotInlineEdit` reads its params as any
LSP request does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.fake_engine import FakeEngine
from tests.support.in_process import TEMPLATE, InProcess
from tests.unit.test_nextedit import BEFORE

URI = "file:///tmp/versions.py"
SETTINGS = {"nextEdit": {"enabled": True, "debounceMs": 0}, "completion": {"warm": False}}
RENAME = {"start": {"line": 0, "character": 18}, "end": {"line": 0, "character": 23}}
TOP = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}


@pytest.fixture
async def server() -> AsyncIterator[InProcess]:
    lsp = InProcess(FakeEngine("", chat_template=TEMPLATE), SETTINGS)
    await lsp.initialize()
    lsp.open(URI, BEFORE)
    yield lsp
    lsp.close()


def _change(server: InProcess, version: int, span: dict[str, Any], text: str) -> None:
    change = {"range": span, "text": text}
    params = {"textDocument": {"uri": URI, "version": version}, "contentChanges": [change]}
    server.notify("textDocument/didChange", params)


async def _renamed(server: InProcess, version: int = 2) -> None:
    """`scale` renamed `factor` in the signature; the next edit (its next use) kept."""
    _change(server, version, RENAME, "factor")
    for _ in range(300):
        if URI in server.server.next_edit.ready:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no next edit was computed")


def _text(server: InProcess) -> str:
    return server.server.documents.get(URI).text


def _offset(text: str, position: dict[str, int]) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position["line"]]) + position["character"]


async def _offered(server: InProcess, version: int) -> list[tuple[str, str]]:
    """What the edits offered now (request and code action) replace, and with what."""
    text = _text(server)
    params = {"textDocument": {"uri": URI, "version": version}, "position": TOP["start"]}
    answer = await server.request("textDocument/copilotInlineEdit", params)
    spans = [(e["range"], e["text"]) for e in answer["result"]["edits"]]
    actions = await server.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": URI}, "range": TOP, "context": {"diagnostics": []}},
    )
    for action in actions["result"]:
        if action["title"].startswith("Apply next edit"):
            spans += [(c["range"], c["newText"]) for c in action["edit"]["changes"][URI]]
    return [(text[_offset(text, r["start"]) : _offset(text, r["end"])], new) for r, new in spans]


async def test_the_edit_is_offered_on_its_own_text(server: InProcess) -> None:
    await _renamed(server)
    assert await _offered(server, 2) == [("scale", "factor")] * 2


async def test_the_same_version_sent_again_with_other_text(server: InProcess) -> None:
    await _renamed(server)
    _change(server, 2, TOP, "import os\nimport re\n")  # version 2 again, two lines more
    assert all(old == "scale" for old, _ in await _offered(server, 2))


async def test_a_second_did_open_without_a_close(server: InProcess) -> None:
    await _renamed(server)
    renamed = BEFORE.replace("(values, scale)", "(values, factor)")
    server.open(URI, "import os\nimport re\n" + renamed)
    assert all(old == "scale" for old, _ in await _offered(server, 1))
    assert URI not in server.server.next_edit.ready


async def test_versions_that_go_back(server: InProcess) -> None:
    await _renamed(server, 5)
    _change(server, 3, TOP, "import os\n")
    _change(server, 5, TOP, "import re\n")
    assert all(old == "scale" for old, _ in await _offered(server, 5))


@pytest.mark.parametrize(
    "position",
    [{"line": "1", "character": 0}, {"line": -1, "character": 0}, {"line": 1e30, "character": 0},
     {"line": float("nan"), "character": 0}, {"line": 0, "character": 2**40}, None, "here"],
)  # fmt: skip
async def test_copilot_inline_edit_params_are_checked(
    server: InProcess, position: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await _renamed(server)
    caplog.clear()
    params = {"textDocument": {"uri": URI, "version": 2}, "position": position}
    with caplog.at_level(logging.INFO):
        answer = await server.request("textDocument/copilotInlineEdit", params)
    assert answer["error"]["code"] == -32602
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and problems[0].exc_info is None
    assert "Traceback" not in caplog.text
    good = {"textDocument": {"uri": URI, "version": 2}, "position": {"line": 0, "character": 0}}
    assert (await server.request("textDocument/copilotInlineEdit", good))["result"]["edits"]


async def test_a_version_the_server_does_not_hold_gets_no_edit(server: InProcess) -> None:
    await _renamed(server)
    params = {"textDocument": {"uri": URI, "version": 1}, "position": TOP["start"]}
    answer = await server.request("textDocument/copilotInlineEdit", params)
    assert answer["result"] == {"edits": []}


async def test_a_follow_up_the_tree_writes_does_not_wait_for_the_engine() -> None:
    """Issue 18, item 9: typing with a completion request per key keeps the engine busy;
    a sibling field's line needs no model and is answered at once."""
    from lsp_server.documents.snapshot import Snapshot
    from lsp_server.nextedit.history import diff
    from lsp_server.nextedit.predict import tree_answer
    from tests.unit.test_nextedit import BOX

    engine = FakeEngine(" x" * 400 + "\n", seconds_per_token=0.05, chat_template=TEMPLATE)
    lsp = InProcess(engine, SETTINGS)
    await lsp.initialize()
    lsp.open(URI, BOX)
    try:
        at = {"line": 3, "character": 0}
        params = {"textDocument": {"uri": URI}, "position": at, "context": {"triggerKind": 2}}
        busy = lsp.start("textDocument/inlineCompletion", params)  # 20 s of generation
        await asyncio.sleep(0.2)
        _change(lsp, 2, {"start": at, "end": at}, "        self.height = 0\n")
        ask = {"textDocument": {"uri": URI, "version": 2}, "position": at}
        answer = await lsp.request("textDocument/copilotInlineEdit", ask)
        (edit,) = answer["result"]["edits"]
        assert edit["text"] == "\n        self.height = 0"
        assert not any(m.get("id") == busy for m in lsp.writer.messages)  # still generating
        after = _text(lsp)
        assert tree_answer(Snapshot.parse(after, "python"), BOX, diff(BOX, after)).decided
    finally:
        lsp.close()


async def test_a_signature_change_still_asks_the_model() -> None:
    from lsp_server.documents.snapshot import Snapshot
    from lsp_server.nextedit.history import diff
    from lsp_server.nextedit.predict import tree_answer
    from tests.support.history_repo import ROOMS

    after = ROOMS.replace("def area(width)", "def area(width, height)")
    edit = diff(ROOMS, after)
    assert edit is not None
    assert not tree_answer(Snapshot.parse(after, "python"), ROOMS, edit).decided


@pytest.mark.parametrize(
    ("before", "after", "pair"),
    [
        ("def f(price, tax):", "def f(price, rate):", ("tax", "rate")),
        ("def f(price, tax):", "def f(price, tix):", None),  # `a` → `i`: inside a word
        ("x = total", "x = subtotal", None),  # grown, not replaced
        ("x = 1", "x = 2", None),  # not names
    ],
)
def test_a_rename_is_a_whole_identifier_replaced(
    before: str, after: str, pair: tuple[str, str] | None
) -> None:
    from lsp_server.nextedit.history import diff, renamed

    edit = diff(before, after)
    assert edit is not None and renamed(before, edit) == pair


async def test_the_old_name_does_not_come_back_right_after_a_rename() -> None:
    """Issue 18, item 15: after `tax` → `rate` in the signature, with `tax` still used
    below, the model offered `, tax` at the cursor; a suggestion naming the name just
    renamed away is not shown (the next edit renames the uses)."""
    text = "def total(price, tax):\n    return price * tax\n"
    engine = FakeEngine(", tax):", chat_template=TEMPLATE)
    lsp = InProcess(engine, {"completion": {"warm": False}})
    await lsp.initialize()
    lsp.open(URI, text)
    try:
        span = {"start": {"line": 0, "character": 17}, "end": {"line": 0, "character": 20}}
        _change(lsp, 2, span, "rate")
        at = {"line": 0, "character": 21}
        params = {"textDocument": {"uri": URI}, "position": at, "context": {"triggerKind": 1}}
        answer = await lsp.request("textDocument/inlineCompletion", params)
        assert answer["result"]["items"] == []
        engine.answer = ", extra):"
        lsp.server.service.forget(URI)
        answer = await lsp.request("textDocument/inlineCompletion", params)
        assert [i["insertText"] for i in answer["result"]["items"]] == [", extra"]
    finally:
        lsp.close()
