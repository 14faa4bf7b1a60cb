"""`slm-ls bench fix`: the mutations that make bugs from correct code."""

from __future__ import annotations

import pytest

from lsp_server.bench.fix import MUTATIONS, _error, _mutate

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
    ],
)
def test_mutations(kind: str, line: str, mutated: str | None) -> None:
    pattern, replacement = KINDS[kind]
    assert _mutate(line, kind, pattern, replacement) == mutated


def test_the_diagnostic_is_the_error_line() -> None:
    stderr = (
        'Traceback (most recent call last):\n  File "task.py", line 3\n'
        "IndexError: list index out of range\n"
    )
    assert _error(stderr) == "IndexError: list index out of range"
    assert _error("") == "the tests fail"
