"""Prompt-lookup drafting (engines/draft.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lsp_server.engines.draft import prompt_lookup


def test_the_tokens_after_the_latest_earlier_occurrence_of_the_tail() -> None:
    #          a  b  c  d  e  |  a  b  c  x  |  a  b  c
    history = [1, 2, 3, 4, 5, 1, 2, 3, 9, 1, 2, 3]
    assert prompt_lookup(history, count=2) == [9, 1]  # the latest "1 2 3" came before 9
    assert prompt_lookup(history, count=20) == [9, 1, 2, 3]  # up to the end, not past it


def test_a_shorter_tail_when_the_longer_one_never_occurred() -> None:
    assert prompt_lookup([7, 2, 3, 4, 8, 2, 3], count=3) == [4, 8, 2]  # "2 3" matched
    assert prompt_lookup([5, 6, 7, 8, 6], count=3) == []  # one token is not enough


def test_nothing_to_draft_from_short_or_new_histories() -> None:
    assert prompt_lookup([], count=4) == []
    assert prompt_lookup([1, 2], count=4) == []
    assert prompt_lookup([1, 2, 3, 4, 5, 6], count=4) == []


@given(st.lists(st.integers(0, 5), max_size=60), st.integers(1, 10))
def test_a_draft_continues_an_earlier_occurrence_of_the_tail(
    history: list[int], count: int
) -> None:
    draft = prompt_lookup(history, count)
    assert len(draft) <= count
    if draft:  # what followed an earlier occurrence of the last 3 or 2 tokens
        assert any(
            history[i : i + n] == history[-n:] and history[i + n : i + n + len(draft)] == draft
            for n in (3, 2)
            if len(history) > n
            for i in range(len(history) - n)
        )
