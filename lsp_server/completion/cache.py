"""Per-document suggestion cache, and typing-through.

An entry remembers the document around the cursor when a suggestion was made.
A later request hits when the document is the same except for characters typed
at that cursor, and those characters are the start of the suggestion: the answer
is the rest of it, with no model call. Any other edit (elsewhere, or typing
something the suggestion did not say) misses, and the entry ages out.

Where several entries match, the one the person took a part of wins (it is the one
on their screen: a suggestion computed later for the same place, in the idle time,
must not replace it), then the newest.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    before: str  # document text before the cursor
    after: str  # document text after the cursor
    suggestion: str
    multiline: bool
    taken: bool = False  # the person took a part of it (a word, a line)


class SuggestionCache:
    def __init__(self, per_document: int = 8, documents: int = 64) -> None:
        self.per_document = per_document
        self.documents = documents
        self._entries: OrderedDict[str, list[Entry]] = OrderedDict()

    def lookup(self, key: str, text: str, offset: int) -> Entry | None:
        """The rest of a cached suggestion the user is typing through, or None."""
        entries = self._entries.get(key)
        if not entries:
            return None
        self._entries.move_to_end(key)
        after = text[offset:]
        for entry in sorted(entries, key=lambda e: not e.taken):  # stable: newest first
            start = len(entry.before)
            if start > offset or entry.after != after or not text.startswith(entry.before):
                continue
            typed = text[start:offset]
            if entry.suggestion.startswith(typed) and len(typed) < len(entry.suggestion):
                return Entry(text[:offset], after, entry.suggestion[len(typed) :], entry.multiline)
        return None

    def store(
        self,
        key: str,
        text: str,
        offset: int,
        suggestion: str,
        multiline: bool,
        taken: bool = False,
    ) -> None:
        """Remember `suggestion` at `offset` of `text` (`taken`: the person took a part
        of it, so it outranks other matches while their keys follow it)."""
        if not suggestion:
            return
        entries = self._entries.setdefault(key, [])
        self._entries.move_to_end(key)
        entries.insert(0, Entry(text[:offset], text[offset:], suggestion, multiline, taken))
        del entries[self.per_document :]
        while len(self._entries) > self.documents:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())
