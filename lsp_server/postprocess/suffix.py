"""Remove what the model repeats of the text after the cursor, and balance brackets
and quotes against what the suffix already closes."""

from __future__ import annotations

from difflib import SequenceMatcher

from lsp_server.postprocess.trim import (
    CLOSERS,
    QUOTES,
    bracket_balance,
    indentation,
    open_quote,
)

# A generated line this similar to the next line of the document (same first word,
# same indentation) is the model re-writing what follows the cursor.
SIMILAR = 0.6


def drop_repeated_rest(completion: str, line_rest: str) -> str:
    """A completion ending with the rest of the cursor line loses that ending
    (unless the ending closes a bracket the completion opened itself)."""
    rest = line_rest.strip()
    body = completion.rstrip()
    if not rest or not body.endswith(rest) or len(body) == len(rest):
        return completion
    closes = any(ch in CLOSERS for ch in rest)
    if closes and bracket_balance(body) >= 0:
        return completion
    return body[: -len(rest)]


def drop_repeated_lines(completion: str, next_lines: list[str]) -> str:
    """Cut a multi-line completion where it starts repeating the lines after the cursor
    (the same line, or a close paraphrase of it at the same indentation)."""
    if not next_lines or "\n" not in completion:
        return completion
    lines = completion.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if any(same_line(line, follow) for follow in next_lines[:2]):
            return "\n".join(lines[:index])
    return completion


def same_line(line: str, follow: str) -> bool:
    a, b = line.strip(), follow.strip()
    if not a or not b:
        return False
    if _closers_only(a):
        # `}` deeper than the document's `}` closes what the completion opened (Go:
        # `if a > b {` … `\t}` above the function's own `}`): the same line only at
        # the same indentation.
        return a == b and indentation(line) == indentation(follow)
    if a == b:
        return True
    same_start = a.split()[0] == b.split()[0] and indentation(line) == indentation(follow)
    return same_start and SequenceMatcher(None, a, b).ratio() >= SIMILAR


def _closers_only(text: str) -> bool:
    """A line of closing brackets and separators only (`}`, `});`, `],`)."""
    return all(ch in CLOSERS or ch in ",;" for ch in text) and any(ch in CLOSERS for ch in text)


def balance(completion: str, line_rest: str) -> str:
    """Drop trailing closers/quotes that the rest of the line already provides."""
    rest = line_rest.lstrip()
    leading = rest[: len(rest) - len(rest.lstrip(CLOSERS + QUOTES))]
    body = completion.rstrip()
    excess = -bracket_balance(body)
    for k in range(min(len(leading), len(body)), 0, -1):
        tail = leading[:k]
        closers = sum(ch in CLOSERS for ch in tail)
        quotes_ok = all(
            open_quote(body[: len(body) - k + i + 1]) == q
            for i, q in enumerate(tail)
            if q in QUOTES
        )
        if body.endswith(tail) and closers <= excess and quotes_ok:
            return body[:-k]
    return completion
