"""Prompt-lookup drafting for speculative decoding: code completions often copy what
the prompt already holds (a name, an argument list, the rest of a line seen above or
in the suffix), so the tokens that followed the latest earlier occurrence of the
last few tokens are a cheap guess at what comes next. The model checks the guess in
one batch (engines/llama_cpp.py) and keeps the tokens it agrees with. A wrong guess
costs time: on a CPU a batch of 9 tokens costs about five one-token steps
(docs/decisions.md), so this pays only where most guesses are right."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_NGRAM = 3  # the longest tail searched for
MIN_NGRAM = 2  # a single token repeats too often to be a good guess
DRAFT_TOKENS = 8  # the most tokens guessed at once


def prompt_lookup(
    history: Sequence[int] | np.ndarray,
    count: int = DRAFT_TOKENS,
    max_ngram: int = MAX_NGRAM,
    min_ngram: int = MIN_NGRAM,
) -> list[int]:
    """Up to `count` tokens that followed the latest earlier occurrence of the last
    n tokens of `history` (the longest n from `max_ngram` down to `min_ngram` that
    occurs); [] when none does."""
    ids = np.asarray(history)
    size = len(ids)
    for n in range(max_ngram, min_ngram - 1, -1):
        if size <= n:
            continue
        tail = ids[size - n :]
        # windows[i] = ids[i : i + n], for the starts whose match is followed by a token
        windows = np.lib.stride_tricks.sliding_window_view(ids[: size - 1], n)
        hits = np.nonzero((windows == tail).all(axis=1))[0]
        if hits.size:
            start = int(hits[-1]) + n
            return [int(t) for t in ids[start : start + count]]
    return []
