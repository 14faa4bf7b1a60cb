"""What the person changed: per document, the edits of recent bursts of typing as the
smallest replaced spans, kept in memory only (never on disk).

A burst is the typing between two pauses of `pause_s`: the text before it is the
burst's base, and the burst's edit is the one span where the text now differs from
it (common prefix and suffix trimmed) — so renaming `value` to `amount` letter by
letter is one edit, `value` → `amount`."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

PAUSE_S = 1.0  # typing apart by more than this is two edits
KEEP = 8  # bursts remembered per document


@dataclass(frozen=True)
class Edit:
    """`old` at str offset `start` of the text before became `new` (same offset after)."""

    start: int
    old: str
    new: str

    @property
    def end_after(self) -> int:
        return self.start + len(self.new)


def diff(before: str, after: str) -> Edit | None:
    """The one span where `after` differs from `before` (None when they are equal).
    Runs on the event loop at every pause in typing: slices are compared (C speed,
    a binary search over their length), never character by character in Python."""
    if before == after:
        return None
    limit = min(len(before), len(after))
    start = _longest(lambda n: before[:n] == after[:n], limit)
    tail = _longest(lambda n: before[len(before) - n :] == after[len(after) - n :], limit - start)
    return _line_aligned(
        before, Edit(start, before[start : len(before) - tail], after[start : len(after) - tail])
    )


def _line_aligned(before: str, edit: Edit) -> Edit:
    """Lines inserted or deleted, said as whole lines where the text allows: deleting
    `found = 1\n    ` after four spaces is deleting `    found = 1\n` at the line's
    start (the same change, shifted)."""
    moved = edit.old or edit.new
    if (edit.old and edit.new) or "\n" not in moved:
        return edit
    start = edit.start
    for _ in range(len(moved)):
        if start == 0 or before[start - 1] == "\n" or before[start - 1] != moved[-1]:
            break
        start, moved = start - 1, moved[-1] + moved[:-1]
    if start != 0 and before[start - 1] != "\n":
        return edit
    return Edit(start, moved, "") if edit.old else Edit(start, "", moved)


IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def renamed(before: str, edit: Edit) -> tuple[str, str] | None:
    """(old, new) when the edit replaced one whole identifier with another (`tax` →
    `rate`), else None."""
    if not (IDENTIFIER.fullmatch(edit.old) and IDENTIFIER.fullmatch(edit.new)):
        return None
    end = edit.start + len(edit.old)
    if _word_char(before[max(edit.start - 1, 0) : edit.start]) or _word_char(before[end : end + 1]):
        return None  # part of a longer word (`tax` → `tix` is `a` → `i`)
    return edit.old, edit.new


def _word_char(text: str) -> bool:
    return bool(text) and (text.isalnum() or text == "_")


def brings_back(before: str, edit: Edit, suggestion: str) -> bool:
    """The suggestion names the identifier the edit just renamed away: right after
    renaming a parameter `tax` to `rate`, the model, seeing `tax` still used below,
    offered `, tax` (issue 18, item 15). The next edit renames those uses instead."""
    pair = renamed(before, edit)
    return (
        pair is not None and re.search(rf"(?<![\w.]){re.escape(pair[0])}\b", suggestion) is not None
    )


def _longest(same: Callable[[int], bool], limit: int) -> int:
    """The largest n <= limit with same(n), for a `same` true up to some n and false after."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low


@dataclass
class _Burst:
    base: str  # the text before the burst
    text: str  # the text now
    changed: float  # when it last changed
    done: deque[Edit] = field(default_factory=lambda: deque(maxlen=KEEP))


class EditHistory:
    def __init__(self, pause_s: float = PAUSE_S, clock: Callable[[], float] = time.monotonic):
        self.pause_s = pause_s
        self._clock = clock
        self._docs: dict[str, _Burst] = {}

    def opened(self, uri: str, text: str) -> None:
        self._docs[uri] = _Burst(text, text, self._clock())

    def changed(self, uri: str, text: str) -> None:
        """The document's text after a change (didChange)."""
        now = self._clock()
        burst = self._docs.get(uri)
        if burst is None:
            self._docs[uri] = _Burst(text, text, now)
            return
        if now - burst.changed > self.pause_s:  # a pause: the burst before it is done
            if (edit := diff(burst.base, burst.text)) is not None:
                burst.done.append(edit)
            burst.base = burst.text
        burst.text, burst.changed = text, now

    def closed(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def last(self, uri: str) -> tuple[str, Edit] | None:
        """The text before the latest edit and the edit itself: the burst in progress,
        else the last one done (whose base is gone: its edit is given against the
        text it was made on, rebuilt)."""
        burst = self._docs.get(uri)
        if burst is None:
            return None
        current = diff(burst.base, burst.text)
        if current is not None:
            return burst.base, current
        if not burst.done:
            return None
        edit = burst.done[-1]
        before = burst.base[: edit.start] + edit.old + burst.base[edit.end_after :]
        if burst.base[edit.start : edit.end_after] != edit.new:
            return None  # later edits moved it: too old to follow
        return before, edit

    def idle_for(self, uri: str) -> float:
        """Seconds since the document last changed."""
        burst = self._docs.get(uri)
        return self._clock() - burst.changed if burst is not None else float("inf")
