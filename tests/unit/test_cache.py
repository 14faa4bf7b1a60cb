from __future__ import annotations

import pytest

from lsp_server.completion.cache import SuggestionCache

DOC = "def f(x):\n    return \n\nprint(f(1))\n"
CURSOR = DOC.index("return ") + len("return ")


def _typed(text: str, offset: int, chars: str) -> tuple[str, int]:
    return text[:offset] + chars + text[offset:], offset + len(chars)


@pytest.fixture
def cache() -> SuggestionCache:
    cache = SuggestionCache()
    cache.store("a", DOC, CURSOR, "x * 2 + 1", multiline=False)
    return cache


@pytest.mark.parametrize(
    ("typed", "rest"),
    [("", "x * 2 + 1"), ("x", " * 2 + 1"), ("x * ", "2 + 1"), ("x * 2 + ", "1")],
)
def test_typing_through_the_suggestion(cache: SuggestionCache, typed: str, rest: str) -> None:
    hit = cache.lookup("a", *_typed(DOC, CURSOR, typed))
    assert hit is not None and hit.suggestion == rest


@pytest.mark.parametrize("typed", ["y", "x * 3", "x * 2 + 1"])
def test_typing_something_else_or_everything_misses(cache: SuggestionCache, typed: str) -> None:
    assert cache.lookup("a", *_typed(DOC, CURSOR, typed)) is None


def test_edits_elsewhere_and_other_documents_miss(cache: SuggestionCache) -> None:
    edited = DOC.replace("print(f(1))", "print(f(2))")
    assert cache.lookup("a", edited, CURSOR) is None
    assert cache.lookup("a", "# top\n" + DOC, CURSOR + 6) is None
    assert cache.lookup("b", DOC, CURSOR) is None


def test_bounded_per_document_and_documents() -> None:
    cache = SuggestionCache(per_document=2, documents=2)
    for i in range(3):
        cache.store("a", DOC, CURSOR, f"s{i}", False)
    assert len(cache) == 2
    cache.store("b", DOC, CURSOR, "b", False)
    cache.store("c", DOC, CURSOR, "c", False)
    assert cache.lookup("a", DOC, CURSOR) is None and cache.lookup("c", DOC, CURSOR) is not None


def test_a_suggestion_taken_in_part_outranks_one_stored_later_at_its_place() -> None:
    """Issue 17: the person took a word of the second candidate; the idle time then
    finishes another suggestion for the same place. Typing on follows what was taken."""
    cache = SuggestionCache()
    cache.store("a", DOC, CURSOR, "x * 2 + 1", multiline=False)
    cache.store("a", DOC, CURSOR, "x + 3", multiline=False, taken=True)
    cache.store("a", DOC, CURSOR, "x * 4", multiline=False)  # finished later
    hit = cache.lookup("a", *_typed(DOC, CURSOR, "x"))
    assert hit is not None and hit.suggestion == " + 3"
    # Where the taken one no longer matches, the newest that does answers.
    hit = cache.lookup("a", *_typed(DOC, CURSOR, "x *"))
    assert hit is not None and hit.suggestion == " 4"
