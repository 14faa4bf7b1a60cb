"""Prefix and suffix windows, measured in tokens and cut at line boundaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Tokenize = Callable[[str], list[int]]

# Upper bound of characters per token used to pick a text span worth tokenizing;
# code averages 3-4 characters per token, so 8 leaves room for long identifiers.
MAX_CHARS_PER_TOKEN = 8
# The prefix window starts on a line number that is a multiple of this, so that its
# start (and the KV cache built on it) stays put while the user types below it.
ANCHOR_LINES = 16


@dataclass(frozen=True)
class Window:
    text: str
    tokens: list[int]


def prefix_window(
    text: str, offset: int, budget: int, tokenize: Tokenize, anchor: int = ANCHOR_LINES
) -> Window:
    """The last whole lines before the cursor (plus the cursor line up to it) that fit
    in `budget` tokens, starting at the document's start or on a line number that is
    a multiple of `anchor` (smaller for windows of few lines)."""
    if budget <= 0:
        return Window("", [])
    start = max(0, offset - budget * MAX_CHARS_PER_TOKEN)
    head = text[start:offset]
    lines = head.splitlines(keepends=True)
    if start > 0 and len(lines) > 1:
        lines = lines[1:]  # the first line may be cut in the middle
    kept: list[str] = []
    used = 0
    for line in reversed(lines):
        cost = len(tokenize(line))
        if used + cost > budget and kept:
            break
        kept.append(line)
        used += cost
    kept.reverse()
    window_start = offset - sum(len(line) for line in kept)
    step = min(anchor, len(kept) // 4)  # never give up more than a quarter of the window
    if window_start > 0 and step > 1:
        first_line = text.count("\n", 0, window_start)
        kept = kept[-first_line % step :]
    window = "".join(kept)
    tokens = tokenize(window)
    return Window(window, tokens[-budget:] if len(tokens) > budget else tokens)


def suffix_window(text: str, offset: int, budget: int, tokenize: Tokenize) -> Window:
    """The rest of the cursor line and the whole lines after it that fit in `budget`."""
    if budget <= 0:
        return Window("", [])
    tail = text[offset : offset + budget * MAX_CHARS_PER_TOKEN]
    lines = tail.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = len(tokenize(line))
        if used + cost > budget and kept:
            break
        kept.append(line)
        used += cost
    window = "".join(kept)
    tokens = tokenize(window)
    return Window(window, tokens[:budget])
