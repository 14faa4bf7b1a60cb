"""Issue 17 through the real server and the real 0.5B: several candidates on an invoked
request, one on an automatic one; partial and whole accepts counted in `slmls/stats`
and the rest of a partly taken suggestion answered without a model call; bad accepts
and bad `completion.candidates` values."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.methods import ACCEPTED_COMMAND, PARTIAL_ACCEPT_METHOD, STATS_METHOD
from tests.e2e.conftest import init_params

URI = "file:///tmp/cand/shapes.py"
TEXT = (
    "import math\n\n\n"
    "class Circle:\n"
    "    def __init__(self, radius):\n"
    "        self.radius = radius\n\n"
    "    def area(self):\n"
    "        return \n\n\n"
    "print(Circle(2).area())\n"
)
LINE, COLUMN = 8, len("        return ")
AUTOMATIC = types.InlineCompletionTriggerKind.Automatic
INVOKED = types.InlineCompletionTriggerKind.Invoked


def _open(client: LanguageClient, text: str = TEXT, uri: str = URI) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )


async def _items(
    client: LanguageClient, trigger: types.InlineCompletionTriggerKind, column: int = COLUMN
) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger),
            text_document=types.TextDocumentIdentifier(URI),
            position=types.Position(LINE, column),
        )
    )
    assert isinstance(result, types.InlineCompletionList)
    return result.items


def _id(item: types.InlineCompletionItem) -> str:
    assert item.command is not None and item.command.command == ACCEPTED_COMMAND
    assert item.command.arguments and isinstance(item.command.arguments[0], str)
    return item.command.arguments[0]


def _text(item: types.InlineCompletionItem) -> str:
    assert isinstance(item.insert_text, str)
    return item.insert_text


def _plain(value: Any) -> Any:
    """pygls answers custom requests with named tuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _stats(client: LanguageClient) -> dict[str, Any]:
    return _plain(await client.protocol.send_request_async(STATS_METHOD, {}))  # type: ignore[no-any-return]


def _partial(client: LanguageClient, item_id: object, length: object) -> None:
    client.protocol.notify(
        PARTIAL_ACCEPT_METHOD,
        {
            "item": {"command": {"title": "", "command": ACCEPTED_COMMAND, "arguments": [item_id]}},
            "acceptedLength": length,
        },
    )


def _insert(client: LanguageClient, version: int, line: int, column: int, text: str) -> None:
    at = types.Position(line, column)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=URI),
            [types.TextDocumentContentChangePartial(types.Range(at, at), text)],
        )
    )


async def test_an_invoked_request_gets_several_distinct_candidates_an_automatic_one(
    client: LanguageClient,
) -> None:
    _open(client)
    automatic = await _items(client, AUTOMATIC)
    assert len(automatic) == 1 and _text(automatic[0]).strip()
    invoked = await _items(client, INVOKED)
    texts = [_text(i) for i in invoked]
    assert 2 <= len(texts) <= 3, texts
    assert len({t.rstrip() for t in texts}) == len(texts), texts  # distinct
    for text in texts:  # each one parses where it goes
        lines = TEXT.split("\n")
        lines[LINE] += text
        compile("\n".join(lines), "shapes.py", "exec")
    assert len({_id(i) for i in invoked}) == len(invoked)
    # An automatic request at the same place now gets the candidates (a client that
    # cycles may ask again) without a model call.
    again = await _items(client, AUTOMATIC)
    assert [_text(i) for i in again] == texts
    records = (await _stats(client))["records"]
    assert records[-2]["candidates"] == len(texts) and records[-1]["cache_hit"]
    assert (await _stats(client))["accepts"]["shownOthers"] >= len(texts) - 1


async def test_a_word_taken_is_counted_and_the_rest_comes_without_a_model_call(
    client: LanguageClient,
) -> None:
    _open(client)
    first = (await _items(client, AUTOMATIC))[0]
    text = _text(first)
    word = len(text) - len(text.lstrip()) + max(1, len(text.lstrip().split(" ")[0].split("(")[0]))
    assert 0 < word < len(text), text
    _insert(client, 2, LINE, COLUMN, text[:word])
    _partial(client, _id(first), word)
    rest = await _items(client, AUTOMATIC, COLUMN + word)
    assert [_text(i) for i in rest] == [text[word:]]
    stats = await _stats(client)
    assert stats["records"][-1]["cache_hit"]  # no model call for the rest
    assert stats["accepts"]["partial"] == 1 and stats["accepts"]["partialChars"] == word
    # The whole suggestion taken: the item's command.
    _insert(client, 3, LINE, COLUMN + word, text[word:])
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(ACCEPTED_COMMAND, [_id(first)])
    )
    stats = await _stats(client)
    assert stats["accepts"]["whole"] == 1 and stats["accepts"]["wholeChars"] == len(text)


async def test_bad_accepts_are_refused_with_one_line_and_the_server_serves(
    client: LanguageClient,
) -> None:
    _open(client)
    first = (await _items(client, AUTOMATIC))[0]
    item_id, text = _id(first), _text(first)
    _partial(client, item_id, len(text) + 500)  # longer than the suggestion: all of it
    _partial(client, "s999999", 3)  # never shown
    _partial(client, item_id, -1)
    _partial(client, item_id, "3")
    _partial(client, None, 3)
    client.protocol.notify(PARTIAL_ACCEPT_METHOD, {"acceptedLength": 3})
    client.protocol.notify(PARTIAL_ACCEPT_METHOD, [1, 2])
    await client.workspace_execute_command_async(types.ExecuteCommandParams(ACCEPTED_COMMAND, []))
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(ACCEPTED_COMMAND, [{"x": 1}])
    )
    _insert(client, 2, 0, 0, "# changed elsewhere\n")  # the document moved on
    _partial(client, item_id, 2)  # stale
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(URI))
    )
    _partial(client, item_id, 2)  # closed: forgotten with its document
    accepts = (await _stats(client))["accepts"]
    assert accepts["partial"] == 1 and accepts["partialChars"] == len(text)
    assert accepts["refusedUnknown"] == 4 and accepts["refusedStale"] == 1
    _open(client)
    assert await _items(client, INVOKED)  # still serving


@pytest.mark.parametrize("value", [0, -1, 1000, "3", 2.5])
async def test_bad_candidate_counts_are_refused_and_named(
    bare_client: LanguageClient, value: object
) -> None:
    await bare_client.initialize_session(init_params({"completion": {"candidates": value}}))
    await bare_client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    assert any("completion.candidates" in m.message for m in bare_client.messages)
    _open(bare_client)
    items = await _items(bare_client, INVOKED)
    assert 1 <= len(items) <= 3  # the default kept
    await asyncio.sleep(0)


async def test_one_candidate_is_one_for_every_request(bare_client: LanguageClient) -> None:
    await bare_client.initialize_session(init_params({"completion": {"candidates": 1}}))
    _open(bare_client)
    assert len(await _items(bare_client, INVOKED)) == 1
    assert (await _stats(bare_client))["records"][-1]["candidates"] == 0
