"""What the person took of the suggestions shown: whole, in part (a word, a line), or
another candidate than the first. Counts only — never the text — for `slmls/stats`;
nothing leaves the machine.

Each suggestion the server answers gets an id (carried by the item's command); the
client tells the whole accept by running the command and a partial one with
`textDocument/didPartiallyAcceptCompletion` (Copilot's notification). The part taken
is then kept for typing-through: the rest is answered from the cache, with no model
call, while the person's keys still match it.
"""

from __future__ import annotations

import itertools
from collections import Counter, OrderedDict
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Offered:
    """A suggestion as shown: the document around its place, and its text."""

    key: str  # the document
    before: str  # the document's text before the suggestion's place
    after: str  # and after it
    text: str
    multiline: bool
    rank: int  # 0: the first suggestion; more: a candidate the person cycled to


class Refused(StrEnum):
    """Why a reported accept was not counted."""

    UNKNOWN = "unknown"  # no such suggestion (never shown, or long forgotten)
    CLOSED = "closed"  # its document is closed
    STALE = "stale"  # the document changed elsewhere since it was shown


@dataclass(frozen=True)
class Partial:
    offered: Offered
    taken: str  # the part accepted (its start)
    clamped: bool  # the client said more than the suggestion holds


class Accepts:
    def __init__(self, keep: int = 256) -> None:
        self.keep = keep
        self._offered: OrderedDict[str, Offered] = OrderedDict()
        self._ids = itertools.count(1)
        self.counts: Counter[str] = Counter()

    def offer(self, offered: Offered) -> str:
        """Remember a suggestion as shown; its id for the item's command."""
        item_id = f"s{next(self._ids)}"
        self._offered[item_id] = offered
        while len(self._offered) > self.keep:
            self._offered.popitem(last=False)
        self.counts["shown"] += 1
        if offered.rank:
            self.counts["shownOthers"] += 1
        return item_id

    def offered(self, item_id: str) -> Offered | None:
        return self._offered.get(item_id)

    def whole(self, item_id: str, document: str | None) -> Offered | Refused:
        """The suggestion `item_id` was accepted whole; `document` is its document's
        text now (None: closed)."""
        found = self._known(item_id, document)
        if isinstance(found, Refused):
            return found
        self.counts["whole"] += 1
        self.counts["wholeChars"] += len(found.text)
        if found.rank:
            self.counts["wholeOthers"] += 1
        return found

    def partial(self, item_id: str, chars: int, document: str | None) -> Partial | Refused:
        """The first `chars` characters of `item_id` were accepted (more than it holds:
        clamped to all of it). The document may already hold them or not yet (the
        client's change and its notification race): both count."""
        found = self._known(item_id, document)
        if isinstance(found, Refused):
            return found
        taken = found.text[: max(chars, 0)]
        self.counts["partial"] += 1
        self.counts["partialChars"] += len(taken)
        if found.rank:
            self.counts["partialOthers"] += 1
        return Partial(found, taken, chars > len(found.text))

    def _known(self, item_id: str, document: str | None) -> Offered | Refused:
        found = self._offered.get(item_id)
        if found is None:
            why = Refused.UNKNOWN
        elif document is None:
            why = Refused.CLOSED
        elif not _holds_place(document, found):
            why = Refused.STALE
        else:
            return found
        self.counts[f"refused{why.value.title()}"] += 1
        return why

    def forget(self, key: str) -> None:
        """A document closed: its suggestions can no longer be accepted."""
        for item_id in [i for i, o in self._offered.items() if o.key == key]:
            del self._offered[item_id]

    def as_json(self) -> dict[str, int]:
        return dict(self.counts)


def _holds_place(document: str, offered: Offered) -> bool:
    """The document is as it was when the suggestion was shown, but for some of the
    suggestion (or all of it) at its place."""
    if not (document.startswith(offered.before) and document.endswith(offered.after)):
        return False
    middle = document[len(offered.before) : len(document) - len(offered.after)]
    if len(document) < len(offered.before) + len(offered.after):
        return False
    return offered.text.startswith(middle) or middle.startswith(offered.text)
