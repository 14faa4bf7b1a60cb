"""Build FIM prompts as token-id lists.

User text is tokenized with special tokens disabled before it reaches this
module, so code that contains "<|fim_middle|>" can never act as a control token:
control tokens enter the prompt only here, by id.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsp_server.models.families import MID, PRE, PREFIX, SUF, SUFFIX, FimTokens


def build_prompt(
    layout: Sequence[str],
    tokens: FimTokens | None,
    prefix: Sequence[int],
    suffix: Sequence[int],
    bos: int | None = None,
    head: Sequence[int] = (),
    lead: Sequence[int] = (),
) -> list[int]:
    """The prompt for `layout`, after BOS and `head` (repository context), followed by
    `lead` (the start of the middle, as if the model had written it); prefix-only
    (BOS + head + prefix + lead) when the model has no FIM."""
    start = [bos] if bos is not None else []
    start.extend(head)
    if tokens is None or not tokens.complete:
        return [*start, *prefix, *lead]
    roles = {PRE: tokens.pre, SUF: tokens.suf, MID: tokens.mid}
    texts = {PREFIX: prefix, SUFFIX: suffix}
    out = start
    for part in layout:
        if part in texts:
            out.extend(texts[part])
        else:
            token = roles[part]
            assert token is not None  # guaranteed by tokens.complete
            out.append(token)
    out.extend(lead)
    return out
