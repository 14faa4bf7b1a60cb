"""Build FIM prompts as token-id lists.

User text is tokenized with special tokens disabled before it reaches this
module, so code that contains "<|fim_middle|>" can never act as a control token:
control tokens enter the prompt only here, by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsp_server.prompt.fim_formats import MID, PRE, PREFIX, SUF, SUFFIX


@dataclass(frozen=True)
class FimTokens:
    """Token ids of a model's FIM control tokens (None where the model lacks one)."""

    pre: int | None
    suf: int | None
    mid: int | None
    pad: int | None = None
    rep: int | None = None
    sep: int | None = None

    @property
    def complete(self) -> bool:
        """True when prefix, suffix and middle tokens all exist (FIM is possible)."""
        return None not in (self.pre, self.suf, self.mid)

    def stop_ids(self) -> frozenset[int]:
        """Tokens that end a middle: pad, file separator, repository name."""
        return frozenset(t for t in (self.pad, self.sep, self.rep) if t is not None)


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
