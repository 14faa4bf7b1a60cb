"""`slm-ls bench fix`: the mutations that make bugs from correct code."""

from __future__ import annotations

from collections import Counter

import pytest

from lsp_server.bench.fix import MUTATIONS, _error, _mutate, bugs, local_names

KINDS = {kind: (pattern, replacement) for kind, pattern, replacement in MUTATIONS}


@pytest.mark.parametrize(
    ("kind", "line", "mutated"),
    [
        ("comparison", "    if a <= b:", "    if a > b:"),
        ("comparison", "    return x == 0", "    return x != 0"),
        ("comparison", "def f(x) -> int:", None),  # an arrow is no comparison
        ("off_by_one", "    for i in range(len(xs)):", "    for i in range(len(xs) + 1):"),
        ("arithmetic", "    return a + b", "    return a - b"),
        ("boolean", "    return a and b", "    return a or b"),
        ("missing_return", "        return total", "        total"),
        ("arithmetic", "    # a + b", None),  # comments are left alone
        ("swapped_arguments", "    return max(a, b) + 1", "    return max(b, a) + 1"),
        ("swapped_arguments", "    return f(a, g(b))", None),  # nested calls are left alone
        ("wrong_variable", "    total += x", "    result += x"),
        ("wrong_variable", "    return self.total", None),  # an attribute is not a local
        ("wrong_variable", "    return len(x)", "    return len(total)"),
    ],
)
def test_mutations(kind: str, line: str, mutated: str | None) -> None:
    pattern, replacement = KINDS[kind]
    names = ["total", "result", "x", "xs"]
    assert _mutate(line, kind, pattern, replacement, names) == mutated


def test_local_names_are_parameters_then_assigned_names() -> None:
    prompt = "def f(xs: list[int], *, start: int = 0) -> int:\n"
    solution = "    total = start\n    for x in xs:\n        total += x\n    return total\n"
    assert local_names(prompt, solution, "f") == ["xs", "start", "total", "x"]


def test_the_bugs_are_balanced_across_kinds_and_all_fail() -> None:
    found = list(bugs(21))
    counts = Counter(bug.kind for bug in found)
    assert len(found) == 21 and set(counts) == set(KINDS) and set(counts.values()) == {3}
    assert len({bug.bug_id for bug in found}) == 21


def test_the_diagnostic_is_the_error_line() -> None:
    stderr = (
        'Traceback (most recent call last):\n  File "task.py", line 3\n'
        "IndexError: list index out of range\n"
    )
    assert _error(stderr) == "IndexError: list index out of range"
    assert _error("") == "the tests fail"


def test_unchanged_bugs_are_broken_down_by_reason() -> None:
    from lsp_server.bench.fix import FixRow, reason_markdown

    def row(mode: str, reason: str) -> FixRow:
        unchanged = bool(reason)
        return FixRow("m", mode, "b", "k", not unchanged, True, unchanged, 0, 1.0, reason)

    rows = [
        row("full", "the model changed nothing"),
        row("full", "the model's code does not parse"),
        row("full", ""),
        row("full", ""),
        row("naive", "no code in the answer"),
        row("naive", ""),
    ]
    table = reason_markdown(rows).split("\n")
    assert table[0] == (
        "| model | mode | no code in the answer | the model changed nothing "
        "| the model's code does not parse |"
    )
    assert table[2] == "| m | full | 0% | 25% | 25% |"
    assert table[3] == "| m | naive | 50% | 0% | 0% |"
    assert reason_markdown([row("full", "")]) == "(no bug was left unchanged)"
