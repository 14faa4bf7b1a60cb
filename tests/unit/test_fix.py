""" "Fix this" (explain/fix.py): the code to rewrite, the code in the model's answer, and
the smallest edit — or the reason there is none."""

from __future__ import annotations

import pytest

from lsp_server.documents.edits import Edit, apply_edits
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.fix import (
    Target,
    extract,
    fix_edits,
    messages,
    reindent,
    target,
)

CODE = """import os


def total(xs):
    result = 0
    for i in range(len(xs) + 1):
        result += xs[i]
    return result
"""
FIXED = """def total(xs):
    result = 0
    for i in range(len(xs)):
        result += xs[i]
    return result"""


def _target() -> tuple[Snapshot, Target]:
    snap = Snapshot.parse(CODE, "python")
    at = CODE.index("xs[i]")
    return snap, target(snap, at, at + 5, ["IndexError: list index out of range"])


def test_the_target_is_the_enclosing_function_in_whole_lines() -> None:
    _, found = _target()
    assert found.code == CODE[CODE.index("def total") :]
    assert found.problem == "IndexError: list index out of range"


def test_at_the_top_level_the_target_is_the_problem_lines() -> None:
    snap = Snapshot.parse("x = 1\ny = x +\nz = 3\n", "python")
    found = target(snap, 6, 9, [])
    assert found.code == "y = x +\n" and found.line == "y = x +"


def test_the_question_holds_the_problem_and_the_code() -> None:
    _, found = _target()
    _, user = messages(found, "python")
    assert user.content.startswith("```python\ndef total(xs):")
    assert "The line `result += xs[i]` raises: IndexError" in user.content


def test_extraction_copes_with_fences_tags_and_prose() -> None:
    answer = f"Here is the fix:\n\n```python\n{FIXED}\n```\n\nThe range was one too long."
    assert extract(answer) == FIXED
    assert extract(f"```\n{FIXED}\n```") == FIXED
    assert extract(FIXED) == FIXED
    assert extract(f"```py\n{FIXED}") == FIXED  # cut before the closing fence


def test_reindent_restores_the_old_indentation() -> None:
    assert reindent("return 1\nx = 2", "    return 0\n") == "    return 1\n    x = 2"
    assert reindent("    a", "    b") == "    a"


def test_the_edit_is_the_changed_line_only() -> None:
    snap, found = _target()
    edits = fix_edits(snap, found, f"```python\n{FIXED}\n```")
    start = CODE.index("    for i in range(len(xs) + 1):")
    end = CODE.index("\n", start) + 1
    assert edits == [Edit(start, end, "    for i in range(len(xs)):\n")]


def test_answers_that_are_no_fix_are_refused() -> None:
    snap, found = _target()
    same = CODE[CODE.index("def total") :]
    assert fix_edits(snap, found, same) == "the model changed nothing"
    broken = FIXED.replace("range(len(xs))", "range(len(xs)")
    assert fix_edits(snap, found, broken) == "the model's code does not parse"
    one_line = "    for i in range(len(xs)):"
    assert fix_edits(snap, found, one_line) == "the model did not return the whole code"


BUGGY = (
    "def total(values):\n    # add up the values{sep}(see the notes)\n    result = 0\n"
    "    for v in values:\n        result -= v\n    return result\n\n\n"
    "print(total([1, 2, 3]))\n"
)


@pytest.mark.parametrize("sep", [" ", "\u2028", "\f", "\x1c", "\x85", "\v"])
def test_the_fix_replaces_the_buggy_line_whatever_breaks_a_comment(sep: str) -> None:
    """Characters that str.splitlines breaks at, and LSP does not, inside the code
    (issue 15, item 2: the edit replaced the line after the bug)."""
    text = BUGGY.format(sep=sep)
    snap = Snapshot.parse(text, "python")
    at = text.index("result -= v")
    found = target(snap, at, at + len("result -= v"), ["wrong sign"])
    answer = text[: text.index("\n\n\n")].replace("result -= v", "result += v")
    edits = fix_edits(snap, found, f"```python\n{answer}\n```")
    assert isinstance(edits, list)
    assert apply_edits(text, edits) == text.replace("result -= v", "result += v")


COMMENTED = """def total(values):
    # add up the values{sep}(see the notes)
    result = 0
    for v in values:
        result -= v
    return result
"""
# How a model repeats the comment line without its odd break (the 0.5B: "cut").
REPEATS = {
    "cut": "    # add up the values",
    "split": "    # add up the values\n    (see the notes)",
    "space": "    # add up the values (see the notes)",
    "dropped": "    # add up the values(see the notes)",
}


@pytest.mark.parametrize("sep", list("\v\f\x1c\x1d\x1e\x85\u2028\u2029"))
@pytest.mark.parametrize("how", list(REPEATS))
def test_a_line_the_model_repeated_without_its_odd_break_is_kept(sep: str, how: str) -> None:
    """Issue 18, item 7: every character str.splitlines breaks at and LSP does not;
    the fix's edit touches the buggy line only, and the note after the break stays."""
    text = COMMENTED.format(sep=sep)
    snap = Snapshot.parse(text, "python")
    at = text.index("result -= v")
    found = target(snap, at, at + len("result -= v"), ["wrong sign"])
    comment = text.split("\n")[1]
    answer = text.replace(comment, REPEATS[how]).replace("result -= v", "result += v")
    edits = fix_edits(snap, found, f"```python\n{answer.rstrip()}\n```")
    assert isinstance(edits, list) and len(edits) == 1
    assert apply_edits(text, edits) == text.replace("result -= v", "result += v")


def test_a_comment_the_model_changed_on_purpose_is_changed() -> None:
    text = COMMENTED.format(sep="\f")
    snap = Snapshot.parse(text, "python")
    at = text.index("result -= v")
    found = target(snap, at, at + len("result -= v"), ["wrong sign"])
    answer = text.replace("add up the values", "sum the values").replace("-= v", "+= v")
    edits = fix_edits(snap, found, f"```python\n{answer.rstrip()}\n```")
    assert isinstance(edits, list) and len(edits) == 2
