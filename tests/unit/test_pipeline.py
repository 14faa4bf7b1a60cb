from __future__ import annotations

from dataclasses import replace

import pytest

from lsp_server.completion.pipeline import complete
from lsp_server.completion.plan import plan_for
from lsp_server.completion.request import request_for
from lsp_server.completion.steps import (
    FULL,
    NAIVE,
    Steps,
)
from lsp_server.config.settings import CompletionSettings
from lsp_server.context.windows import TokenMemo, Window
from lsp_server.engines.base import CancelToken
from lsp_server.prompt.builder import PromptCaches
from lsp_server.prompt.lead import back_off, split_lead
from tests.support.fake_engine import MID, PRE, SUF, FakeEngine

SETTINGS = CompletionSettings()
HEADER = "".join(f"# line {i}\n" for i in range(8))  # the function starts on line 8
FIB = HEADER + "def fib(n):\n    if n < 2:\n        return n\n    return \n\nprint(fib(3))\n"
CURSOR = FIB.index("return \n\n") + len("return ")


def test_psm_prompt_holds_prefix_then_suffix() -> None:
    engine = FakeEngine(" fib(n - 1) + fib(n - 2)\n\nprint(1)")
    suggestion = complete(request_for(FIB, CURSOR, "python"), engine, SETTINGS)
    assert suggestion.text == "fib(n - 1) + fib(n - 2)"
    assert not suggestion.multiline and suggestion.start == suggestion.end == CURSOR
    prompt = engine.prompts[0]
    assert prompt[0] == PRE and MID in prompt
    split, mid = prompt.index(SUF), prompt.index(MID)
    # The prefix ends at the anchor line (line 8); the lines from there to the cursor
    # follow <mid>, as if the model had written them, so typing below the anchor
    # never changes the prompt before them.
    line_start = len(HEADER)
    assert engine.detokenize(prompt[1:split]) == FIB[:line_start]
    assert engine.detokenize(prompt[split + 1 : mid]) == FIB[CURSOR:]
    # Token healing: the space typed after `return` is left to the model's " fib",
    # and the last token before it is forced on the generation instead of prompted.
    forced = engine.params[0].forced_prefix
    assert forced == "n"
    assert engine.detokenize(prompt[mid + 1 :]) + forced == FIB[line_start : CURSOR - 1]
    # Generation stopped at the first complete line instead of running on.
    assert ("n" + engine.answer).startswith(suggestion.generation.text)  # type: ignore[union-attr]
    assert suggestion.generation.stop_reason == "stop_when"  # type: ignore[union-attr]


def test_typing_on_a_line_only_appends_to_the_prompt() -> None:
    engine = FakeEngine("x\n")
    text = FIB[:CURSOR] + "fib" + FIB[CURSOR:]
    for typed in (FIB, text):
        complete(request_for(typed, CURSOR + len(typed) - len(FIB)), engine, SETTINGS)
    first, second = engine.prompts
    assert second[: len(first)] == first and engine.detokenize(second[len(first) :]) == "n fi"
    ablated = replace(FULL, lead=False)
    complete(request_for(text, CURSOR + 3), engine, SETTINGS, steps=ablated)
    assert engine.prompts[-1][-1] == MID


def test_prefix_only_model_gets_no_suffix() -> None:
    engine = FakeEngine(" n\n", fim=False)
    suggestion = complete(request_for(FIB, CURSOR, "python"), engine, SETTINGS)
    assert engine.detokenize(engine.prompts[0]) == FIB[: CURSOR - 1]
    assert suggestion.text == "n"


def test_windows_respect_budgets_and_line_boundaries() -> None:
    text = "".join(f"line_{i} = {i}\n" for i in range(200)) + "x = "
    engine = FakeEngine("1\n")
    settings = CompletionSettings(prefix_tokens=100, suffix_tokens=0)
    complete(request_for(text, len(text), "python"), engine, settings)
    prompt = engine.prompts[0]
    prefix = engine.detokenize(prompt[1 : prompt.index(SUF)])
    lead = engine.detokenize(prompt[prompt.index(MID) + 1 :])
    lead += engine.params[0].forced_prefix
    assert len(prefix) + len(lead) <= 100
    assert prefix.startswith("line_") and prefix.endswith(" = 199\n") and lead == "x ="


def test_context_length_caps_the_budgets() -> None:
    text = "a = 1\n" * 1000
    engine = FakeEngine("b\n", context_length=300)
    complete(
        request_for(text, len(text), "python"),
        engine,
        CompletionSettings(prefix_tokens=5000, suffix_tokens=5000, max_tokens=100),
    )
    assert len(engine.prompts[0]) <= 300 - 100


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        # Blank line in a body: a block, cut where the model dedents.
        (
            "def f(x):\n    \n",
            "y = x * 2\n    return y\n\nprint(f(2))\n",
            "y = x * 2\n    return y",
        ),
        # Completion repeating the closing bracket already in the suffix.
        ("print(len(|))\n", "items))", "items"),
        # A completion that closes only its own bracket keeps it.
        ("x = max(|)\n", "abs(a), b", "abs(a), b"),
        # Whitespace-only output is no suggestion.
        ("x = |\n", "   \n", ""),
        # Multi-line output that starts repeating the next line is cut there.
        ("def f():\n    |\n    return 1\n", "a = 1\n    return 1\n", "a = 1"),
    ],
)
def test_postprocessing(text: str, answer: str, expected: str) -> None:
    cursor = text.index("|") if "|" in text else text.index("    \n") + 4
    text = text.replace("|", "")
    suggestion = complete(request_for(text, cursor, "python"), FakeEngine(answer), SETTINGS)
    assert suggestion.text == expected


@pytest.mark.parametrize(
    ("line", "answer", "expected"),
    [
        ("x = ", " 1\n", "1"),  # the model re-types the healed space
        ("x =  ", "  1\n", "1"),
        ("x = ", "(1)\n", "(1)"),  # no space: inserted after the user's
        ("    ", "pass\n", "pass"),  # indentation is never healed
    ],
)
def test_trailing_whitespace_is_healed(line: str, answer: str, expected: str) -> None:
    engine = FakeEngine(answer)
    suggestion = complete(request_for(line, len(line)), engine, SETTINGS)
    assert suggestion.text == expected and suggestion.start == len(line)


def test_plan() -> None:
    assert plan_for("def f():\n    \n", 13).multiline
    assert not plan_for("x = 1", 4).multiline
    assert plan_for("x = 1", 4, multiline=True).multiline
    plan = plan_for("    foo(|)\n    bar\n".replace("|", ""), 8)
    assert plan.line_rest == ")" and plan.next_lines == ["    bar"]


def test_cancelled_generation_yields_no_text() -> None:
    token = CancelToken()
    token.cancel()
    suggestion = complete(request_for(FIB, CURSOR), FakeEngine("abc\n"), SETTINGS, token)
    assert suggestion.text == ""
    assert suggestion.generation.stop_reason == "cancelled"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("invoked", "budget_ms", "steps", "budgeted"),
    [
        (False, 700, FULL, True),  # typing: a cold prompt must not block the editor
        (True, 700, FULL, False),  # an explicit invocation waits for its answer
        (False, 0, FULL, False),  # switched off
        (False, 700, NAIVE, False),  # no KV reuse: progress would be thrown away
    ],
)
def test_prompt_budget_applies_to_automatic_requests_that_reuse_the_cache(
    invoked: bool, budget_ms: int, steps: Steps, budgeted: bool
) -> None:
    engine = FakeEngine("1\n")
    settings = replace(SETTINGS, prompt_budget_ms=budget_ms)
    complete(request_for("x = ", 4, invoked=invoked), engine, settings, steps=steps)
    params = engine.params[0]
    assert (params.prompt_deadline is not None) is budgeted
    if params.prompt_deadline is not None:
        assert params.deadline is not None and params.prompt_deadline < params.deadline


@pytest.mark.parametrize(
    ("invoked", "cold_seconds", "quick_setting", "quick"),
    [
        (False, 5.0, True, True),  # automatic, cold: the short prompt answers now
        (False, 0.1, True, False),  # warm enough for the budget: the full prompt
        (True, 5.0, True, False),  # invoked: waits for the full prompt
        (False, 5.0, False, False),  # completion.quickStart off
    ],
)
def test_quick_start_answers_a_cold_document_from_a_short_prompt(
    invoked: bool, cold_seconds: float, quick_setting: bool, quick: bool
) -> None:
    engine = FakeEngine(" fib(n - 1) + fib(n - 2)\n", cold_seconds=cold_seconds)
    settings = replace(SETTINGS, quick_start=quick_setting)
    long = "import os\n" + "".join(f"# line {i}\n" for i in range(100)) + FIB
    cursor = CURSOR + len(long) - len(FIB)
    request = replace(request_for(long, cursor, "python", invoked=invoked), session="doc")
    full_prompt = complete(replace(request, session=""), FakeEngine("x\n"), settings)
    suggestion = complete(request, engine, settings)
    assert suggestion.warming is quick
    params, prompt = engine.params[0], engine.prompts[0]
    assert (params.session == "doc#quick") is quick
    assert full_prompt.generation is not None
    if quick:
        # The lines around the cursor only, no budget cut: an answer, now.
        assert params.prompt_deadline is None
        assert len(prompt) < full_prompt.generation.prompt_tokens
        assert len(prompt) < 128 + 32 + 16  # QUICK_PREFIX/SUFFIX_TOKENS and controls
        assert "import os" not in engine.detokenize(prompt)  # no context block
        assert suggestion.text == "fib(n - 1) + fib(n - 2)"


def test_cursor_past_the_end_is_clamped() -> None:
    suggestion = complete(request_for("x = ", 999), FakeEngine("1\n"), SETTINGS)
    assert suggestion.text == "1" and suggestion.start == 4


def test_prefix_window_start_moves_in_steps_of_whole_line_blocks() -> None:
    from lsp_server.context.windows import ANCHOR_LINES, prefix_window

    def tokenize(text: str) -> list[int]:
        return [ord(ch) for ch in text]

    text = "".join(f"x{i:03} = {i:03}\n" for i in range(300))
    starts = set()
    for line in range(200, 240):
        offset = text.index(f"x{line:03}")
        window = prefix_window(text, offset, 1200, tokenize)
        start_line = text.count("\n", 0, offset - len(window.text))
        assert start_line % ANCHOR_LINES == 0 and len(window.tokens) <= 1200
        starts.add(start_line)
    assert len(starts) <= 40 // ANCHOR_LINES + 2  # not 40 different starts


@pytest.mark.parametrize(
    ("text", "prefix", "lead"),
    [
        # line 9: the anchor is line 8, so lines 8-9 up to the cursor form the lead
        ("a\n" * 8 + "def f():\n    ret", "a\n" * 8, "def f():\n    ret"),
        # line 8 is the anchor itself: the lead is the cursor line's start
        ("a\n" * 8 + "x = 1 +", "a\n" * 8, "x = 1 +"),
        # only indentation: no split (after <mid> the model re-indents it its own way)
        ("a\n" * 8 + "    ", "a\n" * 8 + "    ", ""),
        # the anchor (line 0) is the window's start: no split
        ("def f():\n    ret", "def f():\n    ret", ""),
    ],
)
def test_split_lead(text: str, prefix: str, lead: str) -> None:
    window = Window(text, [ord(ch) for ch in text])
    before, tokens = split_lead(window, text.count("\n"), lambda s: [ord(c) for c in s])
    assert before.text == prefix and "".join(chr(t) for t in tokens) == lead
    assert "".join(chr(t) for t in before.tokens) == prefix


def test_back_off_forces_the_last_token_unless_it_splits_a_character() -> None:
    engine = FakeEngine("")
    assert back_off([ord(c) for c in "ab"], engine.detokenize) == ([ord("a")], "b")
    assert back_off([], engine.detokenize) == ([], "")
    halves = {1: "\udc80", 2: ""}  # a token that is half of a character decodes to ""
    assert back_off([1, 2], lambda ids: "".join(halves[i] for i in ids)) == ([1, 2], "")


def test_token_memo_tokenizes_a_repeated_text_once() -> None:
    calls: list[str] = []

    def tokenize(text: str) -> list[int]:
        calls.append(text)
        return [ord(c) for c in text]

    memo = TokenMemo(tokenize, size=2)
    first = memo("abc")
    first.append(0)  # callers get their own list
    assert memo("abc") == [97, 98, 99] and calls == ["abc"]
    memo("d"), memo("e")  # "abc" is the oldest of three: evicted
    assert memo("abc") == [97, 98, 99] and calls == ["abc", "d", "e", "abc"]


def test_typing_below_the_anchor_tokenizes_only_the_lead_again() -> None:
    engine = FakeEngine("x\n")
    seen: list[str] = []
    tokenize = engine.tokenize

    def counting(text: str) -> list[int]:
        seen.append(text)
        return tokenize(text)

    engine.tokenize = counting  # type: ignore[method-assign]
    caches = PromptCaches(counting)  # the engine owner's memos, kept between keystrokes
    text = FIB[:CURSOR] + "fib" + FIB[CURSOR:]
    complete(request_for(FIB, CURSOR), engine, SETTINGS, caches=caches)
    seen.clear()
    complete(request_for(text, CURSOR + 3), engine, SETTINGS, caches=caches)
    # Neither the part before the lead (from the memo) nor the whole window (which
    # starts with it) was tokenized again: only the lead and the suffix.
    assert seen and not any(t.startswith(HEADER) for t in seen)


def test_a_word_completed_near_the_top_of_a_file_is_healed_too() -> None:
    """Issue 18, item 14: with no lead (the cursor in the first lines of a file) the
    prefix ends at the cursor, and its last token was prompted as it stood: the 0.5B
    went on `polyhelp.s` with `hoeel_…` for `shoelace_…`. The last token is forced on
    the generation instead, as with a lead."""
    text = "import polyhelp\n\n\ndef area(points):\n    return polyhelp.s"
    engine = FakeEngine("hoelace(points)\n")  # after the forced text
    suggestion = complete(request_for(text, len(text), "python"), engine, SETTINGS)
    prompt = engine.prompts[0]
    assert engine.params[0].forced_prefix == "s"
    assert engine.detokenize(prompt[1 : prompt.index(SUF)]) == text[:-1]
    assert suggestion.text == "hoelace(points)"
    # After whitespace nothing is healed: the indentation tells the model the line.
    blank = "def area(points):\n    "
    complete(request_for(blank, len(blank), "python"), engine, SETTINGS)
    assert engine.params[1].forced_prefix == ""
