"""The real server, the real qwen2.5-coder-0.5b, a real LSP client (pytest-lsp)."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from lsp_server.syntax.languages import new_parser
from tests.e2e.conftest import MISSING_MODEL, init_params

PY = "def fib(n):\n    if n < 2:\n        return n\n    return \n\n\nprint(fib(10))\n"
JS = "function fact(n) {\n  if (n <= 1) {\n    return 1;\n  }\n  return \n}\n"


def _open(client: LanguageClient, uri: str, language: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, version, text))
    )


async def _inline(
    client: LanguageClient,
    uri: str,
    line: int,
    character: int,
    trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Invoked,
) -> list[str]:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(trigger),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(line, character),
        )
    )
    assert isinstance(result, types.InlineCompletionList)
    return [item.insert_text for item in result.items]  # type: ignore[misc]


def _has_errors(language: str, text: str) -> bool:
    parser = new_parser(language)
    assert parser is not None
    return parser.parse(text.encode()).root_node.has_error


def _insert(text: str, line: int, character: int, insert: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:character] + insert + lines[line][character:]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("uri", "language", "text", "line"),
    [("file:///tmp/fib.py", "python", PY, 3), ("file:///tmp/fact.js", "javascript", JS, 4)],
)
async def test_inline_completion_after_return(
    client: LanguageClient, uri: str, language: str, text: str, line: int
) -> None:
    character = len(text.split("\n")[line])
    _open(client, uri, language, text)
    items = await _inline(client, uri, line, character)
    assert 1 <= len(items) <= 3 and items[0].strip()
    assert len(set(items)) == len(items)  # an invoked request: distinct candidates
    for item in items:
        assert not _has_errors(language, _insert(text, line, character, item))


async def test_the_first_line_of_a_new_body_is_not_indented_twice(
    client: LanguageClient,
) -> None:
    """Issue 15, item 1: a blank indented line at the end of a fresh file, the cursor
    after its indentation: the suggestion starts with code, not more indentation."""
    text = "def greet(name):\n    "
    _open(client, "file:///tmp/greet.py", "python", text)
    for trigger in types.InlineCompletionTriggerKind:
        items = await _inline(client, "file:///tmp/greet.py", 1, 4, trigger)
        # Invoked first: up to three candidates, which the place keeps (the automatic
        # request after it gets the same ones without a model call).
        assert len(items) <= 3
        if trigger == types.InlineCompletionTriggerKind.Invoked:
            assert items and items[0].strip(), items
        for item in items:
            assert not item[:1].isspace(), item
            compile(text + item + "\n", "greet.py", "exec")


async def test_a_name_completed_from_the_middle_of_a_word_keeps_its_letters(
    client: LanguageClient,
) -> None:
    """Issue 18, item 14: a name completed from its first letter near the top of a file
    (no lead: the prefix ends at the cursor) lost letters (`polyhelp.s` went on
    `hoeel_area_of_vertices`): the model went on after the token `s`. The letters the
    person typed are now healed like any lead's."""
    text = (
        "def shoelace_area_of_vertices(vertices):\n    return 0.0\n\n\n"
        "def area(points):\n    return s"
    )
    _open(client, "file:///tmp/poly/main.py", "python", text)
    items = await _inline(client, "file:///tmp/poly/main.py", 5, len("    return s"))
    assert items and items[0].startswith("hoelace_area_of_vertices"), items


async def test_completion_item_carries_the_same_text(client: LanguageClient) -> None:
    uri = "file:///tmp/fib2.py"
    _open(client, uri, "python", PY)
    inline = await _inline(client, uri, 3, 11)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri), position=types.Position(3, 11)
        )
    )
    assert isinstance(result, types.CompletionList) and result.is_incomplete
    edit = result.items[0].text_edit
    assert isinstance(edit, types.TextEdit)
    assert edit.new_text == inline[0]
    assert edit.range == types.Range(types.Position(3, 11), types.Position(3, 11))


async def test_incremental_edits_are_seen(client: LanguageClient) -> None:
    uri = "file:///tmp/inc.py"
    _open(client, uri, "python", PY.replace("    return \n\n", "\n\n"))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(3, 0), types.Position(3, 0)), "    return "
                )
            ],
        )
    )
    items = await _inline(client, uri, 3, 11)
    assert items and not _has_errors("python", _insert(PY, 3, 11, items[0]))


async def test_closed_document_is_an_invalid_params_error(client: LanguageClient) -> None:
    uri = "file:///tmp/closed.py"
    _open(client, uri, "python", PY)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    with pytest.raises(JsonRpcException) as err:
        await _inline(client, uri, 3, 11)
    assert err.value.code == -32602
    # The server keeps serving.
    _open(client, "file:///tmp/again.py", "python", PY)
    assert await _inline(client, "file:///tmp/again.py", 3, 11)


async def test_position_past_the_end_is_clamped(client: LanguageClient) -> None:
    uri = "file:///tmp/end.py"
    text = "def double(x):\n    return x * 2\n\n\nfour = "
    _open(client, uri, "python", text)
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(99, 99),
        )
    )
    assert isinstance(result, types.InlineCompletionList) and result.items
    item = result.items[0]
    # Answered at the end of the document, where the position was clamped to.
    end = types.Position(4, len("four = "))
    assert item.range == types.Range(end, end)
    assert isinstance(item.insert_text, str) and item.insert_text.strip()


async def test_start_of_a_line_with_code_gets_a_whole_new_line(client: LanguageClient) -> None:
    uri = "file:///tmp/newline.py"
    text = "def area(width, height):\n    return result\n"
    _open(client, uri, "python", text)
    items = await _inline(client, uri, 1, 0)
    item = items[0]
    # A line of its own before `    return result`: its text, then a line break.
    assert item.endswith("\n") and item.count("\n") == 1 and item.startswith("    ")
    assert "return" not in item
    assert not _has_errors("python", _insert(text, 1, 0, item))


async def test_model_load_reports_progress(client: LanguageClient) -> None:
    _open(client, "file:///tmp/p.py", "python", PY)
    await _inline(client, "file:///tmp/p.py", 3, 11)  # returns once the model is loaded
    for _ in range(50):
        reports = [r for values in client.progress_reports.values() for r in values]
        if any(isinstance(r, types.WorkDoneProgressEnd) for r in reports):
            break
        await asyncio.sleep(0.1)
    kinds = [type(r) for values in client.progress_reports.values() for r in values]
    assert kinds[0] is types.WorkDoneProgressBegin and kinds[-1] is types.WorkDoneProgressEnd


async def test_missing_model_is_reported_and_answers_are_empty(
    client_missing_model: LanguageClient,
) -> None:
    client = client_missing_model
    await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    message = client.messages[0]
    assert message.type == types.MessageType.Error and MISSING_MODEL in message.message
    _open(client, "file:///tmp/m.py", "python", PY)
    assert await _inline(client, "file:///tmp/m.py", 3, 11) == []


async def test_invalid_setting_is_named_and_utf8_is_negotiated(bare_client: LanguageClient) -> None:
    result = await bare_client.initialize_session(
        init_params({"completion": {"maxTokens": "lots"}}, encodings=["utf-8", "utf-16"])
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert result.capabilities.inline_completion_provider
    await bare_client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    assert any("completion.maxTokens" in m.message for m in bare_client.messages)
    # UTF-8 columns: the emoji counts 4, and completion still works after it.
    text = 's = "😋"\ndef fib(n):\n    if n < 2:\n        return n\n    return \n'
    _open(bare_client, "file:///tmp/u8.py", "python", text)
    assert await _inline(bare_client, "file:///tmp/u8.py", 4, 11)


UTIL = (
    "import zlib\n\n\n"
    "def frobnicate_payload_checksum(payload: bytes, seed: int = 7) -> int:\n"
    '    """Checksum of a payload, mixed with a seed."""\n'
    "    return zlib.crc32(payload) ^ seed\n"
)


async def test_definitions_from_other_open_files(client: LanguageClient) -> None:
    _open(client, "file:///tmp/proj/util.py", "python", UTIL)
    text = "def verify(packet):\n    expected = packet.checksum\n    actual = frobnicate_"
    _open(client, "file:///tmp/proj/main.py", "python", text)
    items = await _inline(client, "file:///tmp/proj/main.py", 2, len("    actual = frobnicate_"))
    assert items and items[0].startswith("payload_checksum")


async def _automatic(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    return await _inline(client, uri, line, character, types.InlineCompletionTriggerKind.Automatic)


async def test_block_after_an_opener_and_prose_in_comments_and_docstrings(
    client: LanguageClient,
) -> None:
    uri = "file:///tmp/pal.py"
    text = "def is_palindrome(word: str) -> bool:\n"
    _open(client, uri, "python", text)
    items = await _inline(client, uri, 0, len(text) - 1)
    assert items and "\n" in items[0] and "return" in items[0]
    assert not _has_errors("python", text[:-1] + items[0] + "\n")
    # Typing a docstring gets one line of prose, as typing code gets code.
    doc = 'def mean(values: list[float]) -> float:\n    """Return the '
    _open(client, "file:///tmp/doc.py", "python", doc + "\n    return sum(values) / len(values)\n")
    (line,) = await _automatic(client, "file:///tmp/doc.py", 1, len('    """Return the '))
    assert line.strip() and "\n" not in line
    # A string literal in code gets no automatic suggestion.
    literal = 'label = "total: '
    _open(client, "file:///tmp/s.py", "python", literal + '"\n')
    assert await _automatic(client, "file:///tmp/s.py", 0, len(literal)) == []


async def test_typing_through_a_suggestion_is_served_from_the_cache(
    client: LanguageClient,
) -> None:
    uri = "file:///tmp/through.py"
    _open(client, uri, "python", PY)
    first = (await _inline(client, uri, 3, 11))[0]
    assert len(first) >= 2
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(3, 11), types.Position(3, 11)), first[0]
                )
            ],
        )
    )
    # The keystroke's automatic request (an invoked one asks for new candidates).
    (rest,) = await _automatic(client, uri, 3, 12)
    assert rest == first[1:]
    stats = await client.protocol.send_request_async("slmls/stats", {})
    records = stats["records"] if isinstance(stats, dict) else stats.records
    last = records[-1]
    assert (last["cache_hit"] if isinstance(last, dict) else last.cache_hit) is True


async def test_a_keystroke_below_the_anchor_costs_only_its_tokens(client: LanguageClient) -> None:
    uri = "file:///tmp/lead.py"
    # Imports and a definition far above: context before the prefix window, chosen
    # once for the scope and kept while the person types in it.
    far = "import math\n\n\ndef fibonacci_reference(n):\n    return n\n\n\n"
    far += "".join(f"VALUE_{i} = {i}\n" for i in range(150))
    header = far + "".join(f"# note {i}\n" for i in range(5))  # fib starts on line 160
    # A cold prompt of over a thousand tokens: more than the default 4 s on 2 cores.
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"completion": {"deadlineMs": 30000}})
    )
    text = header + "def fib(n):\n    if n < 2:\n        return n\n    ret\n\n\nprint(fib(10))\n"
    _open(client, uri, "python", text)
    line = text.split("\n").index("    ret")
    first = (await _inline(client, uri, line, 7))[0]
    assert first.startswith("urn"), first  # token healing: ` ret` is not a finished word
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(line, 7), types.Position(line, 7)), "urn fibonacci_"
                )
            ],
        )
    )
    await _inline(client, uri, line, 21)
    stats = await client.protocol.send_request_async("slmls/stats", {})
    records = stats["records"] if isinstance(stats, dict) else stats.records
    last = records[-1]

    def field(name: str) -> int:
        return int(last[name] if isinstance(last, dict) else getattr(last, name))

    assert not field("cache_hit") and field("prompt_tokens") > 40
    # The prompt up to <mid> is unchanged — the context too, though `fibonacci_` now
    # names a definition: only the lead's new tokens (about 5) are evaluated.
    assert field("evaluated_tokens") <= 8, last


async def test_a_cold_document_answers_the_first_keystroke_from_the_quick_start(
    client: LanguageClient,
) -> None:
    """Issue 14: the first keystrokes in a freshly opened document answered nothing
    while its prompt was processed over several keystrokes."""
    uri = "file:///tmp/cold.py"
    far = "import math\n\n\n" + "".join(f"VALUE_{i} = {i} * math.pi\n" for i in range(200))
    text = far + "\n\ndef area(width, height):\n    return \n"
    _open(client, uri, "python", text)
    line = text.split("\n").index("    return ")
    items = await _automatic(client, uri, line, len("    return "))
    stats = await client.protocol.send_request_async("slmls/stats", {})
    records = stats["records"] if isinstance(stats, dict) else stats.records
    last = records[-1]

    def field(name: str) -> object:
        return last[name] if isinstance(last, dict) else getattr(last, name)

    # A prompt of about 200 tokens (the full one is over 1,300: seconds on a CPU),
    # processed to the end, with an answer.
    assert field("stop_reason") != "prompt_budget", last
    assert int(str(field("prompt_tokens"))) < 250, last
    assert items and items[0].strip(), items


async def test_a_failed_reload_is_reported_to_a_progress_capable_client(
    client: LanguageClient,
) -> None:
    _open(client, "file:///tmp/r.py", "python", PY)
    assert await _inline(client, "file:///tmp/r.py", 3, 11)  # the first load is done
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"model": MISSING_MODEL})
    )
    await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    assert any(MISSING_MODEL in m.message for m in client.messages)

    def ends() -> list[str | None]:
        return [
            r.message
            for values in client.progress_reports.values()
            for r in values
            if isinstance(r, types.WorkDoneProgressEnd)
        ]

    for _ in range(50):  # the progress ends right after the message
        if len(ends()) == 2:
            break
        await asyncio.sleep(0.1)
    # Two loads, two progress tokens, both ended; the second says it failed.
    assert len(client.progress_reports) == 2 and "model not loaded" in ends()
    # Back to a good model: a third progress, completions again, and then the
    # fixture's shutdown is answered (it once was not, after a failed reload).
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"model": "qwen2.5-coder-0.5b"})
    )
    for _ in range(300):
        if len(ends()) == 3:
            break
        await asyncio.sleep(0.1)
    assert len(ends()) == 3 and sum(str(m).endswith(" ready") for m in ends()) == 2
    # Named as the person chose it (the GGUF calls itself "… Instruct AWQ": issue 18).
    assert ends()[-1] == "qwen2.5-coder-0.5b ready", ends()
    assert await _inline(client, "file:///tmp/r.py", 3, 11)


async def test_a_reload_while_a_request_waits_does_not_crash(client: LanguageClient) -> None:
    """Issue 9 ("9 · Hardened"), defect 1: back to back, a completion and a setting
    that reloads the engine; the request ran on the engine the reload freed."""
    uri = "file:///tmp/reload.py"
    _open(client, uri, "python", "import os\n\ndef add(a, b):\n    \n")
    pending = asyncio.ensure_future(_inline(client, uri, 3, 4))
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"engine": {"batchSize": 256}})
    )
    await pending
    assert await _inline(client, uri, 3, 4) is not None  # still serving
