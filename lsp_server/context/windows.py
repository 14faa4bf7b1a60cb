"""Prefix and suffix windows, measured in tokens and cut at line boundaries."""

from __future__ import annotations

from collections import OrderedDict
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


class LineCounter:
    """Token counts of single lines, remembered: requests after each keystroke
    measure the same lines again, and only the edited one is new."""

    def __init__(self, tokenize: Tokenize, size: int = 50_000) -> None:
        self.tokenize = tokenize
        self.size = size
        self._counts: OrderedDict[str, int] = OrderedDict()

    def __call__(self, line: str) -> int:
        count = self._counts.get(line)
        if count is None:
            count = len(self.tokenize(line))
            self._counts[line] = count
            if len(self._counts) > self.size:
                self._counts.popitem(last=False)
        return count


class TokenMemo:
    """Token ids of whole texts, the last few remembered: between keystrokes the
    prefix window's text, and its part before the lead, mostly stay the same."""

    def __init__(self, tokenize: Tokenize, size: int = 8) -> None:
        self.tokenize = tokenize
        self.size = size
        self._ids: OrderedDict[str, list[int]] = OrderedDict()

    def __call__(self, text: str) -> list[int]:
        ids = self._ids.get(text)
        if ids is None:
            ids = self._ids[text] = self.tokenize(text)
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)
        else:
            self._ids.move_to_end(text)
        return list(ids)


def _fit(lines: list[str], budget: int, count: Callable[[str], int]) -> list[str]:
    """The leading `lines` whose token counts fit in `budget` (at least one)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = count(line)
        if used + cost > budget and kept:
            break
        kept.append(line)
        used += cost
    return kept


def prefix_window(
    text: str,
    offset: int,
    budget: int,
    tokenize: Tokenize,
    anchor: int = ANCHOR_LINES,
    count: Callable[[str], int] | None = None,
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
    kept = _fit(lines[::-1], budget, count or (lambda line: len(tokenize(line))))
    kept.reverse()
    window_start = offset - sum(len(line) for line in kept)
    step = min(anchor, len(kept) // 4)  # never give up more than a quarter of the window
    if window_start > 0 and step > 1:
        first_line = text.count("\n", 0, window_start)
        kept = kept[-first_line % step :]
    window = "".join(kept)
    tokens = tokenize(window)
    return Window(window, tokens[-budget:] if len(tokens) > budget else tokens)


def suffix_window(
    text: str,
    offset: int,
    budget: int,
    tokenize: Tokenize,
    count: Callable[[str], int] | None = None,
) -> Window:
    """The rest of the cursor line and the whole lines after it that fit in `budget`."""
    if budget <= 0:
        return Window("", [])
    tail = text[offset : offset + budget * MAX_CHARS_PER_TOKEN]
    lines = tail.splitlines(keepends=True)
    window = "".join(_fit(lines, budget, count or (lambda line: len(tokenize(line)))))
    tokens = tokenize(window)
    return Window(window, tokens[:budget])
