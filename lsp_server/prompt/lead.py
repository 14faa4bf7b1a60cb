"""The start of the middle: the lines just before the cursor, placed after `<mid>`.

Under PSM the suffix follows the prefix, so a prompt whose prefix ends at the cursor
changes right before the suffix on every keystroke, and the suffix is processed
again each time. We end the prefix at an anchor line instead (a line number that is a
multiple of LEAD_LINES) and put the lines from the anchor to the cursor after `<mid>`,
as if the model had written them itself (FIM training cuts the middle anywhere, and
a middle is often several lines). The prompt before `<mid>` then changes only when
the cursor crosses an anchor line; typing costs only the typed tokens.

Measured on 200 HumanEval single-line tasks (docs/benchmarks.md): this layout also
completes better than the prefix ending at the cursor — the model sees the lines it
continues right before it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsp_server.context.windows import Tokenize, Window

LEAD_LINES = 8


def lead_start(window: str, line: int, anchor: int = LEAD_LINES) -> int:
    """Where the lead starts in `window` (a prefix window ending at the cursor, which
    is on line `line`, 0-based): the start of the anchor line at or above it; 0 for
    no split.

    No split when the anchor lies at or before the window's start, or when the lead
    holds only indentation: after `<mid>`, a lone indentation is re-indented the
    model's own way (measured: over- and under-indented lines), while in the prefix
    it tells the model which line goes there.
    """
    cut = window.rfind("\n") + 1
    for _ in range(line % anchor):
        if cut == 0:
            break
        cut = window.rfind("\n", 0, cut - 1) + 1
    if cut == 0 or not window[cut:].strip():
        return 0
    return cut


def split_lead(prefix: Window, line: int, tokenize: Tokenize) -> tuple[Window, list[int]]:
    """The prefix window up to the lead, and the lead's tokens (see `lead_start`)."""
    cut = lead_start(prefix.text, line)
    if cut == 0:
        return prefix, []
    before = prefix.text[:cut]
    return Window(before, tokenize(before)), tokenize(prefix.text[cut:])


def tokenize_in_parts(tokenize: Tokenize, line: int) -> Tokenize:
    """A tokenizer for the prefix window that tokenizes the part before the lead and
    the lead apart, as the prompt will hold them: with a memo as `tokenize`, the part
    before the lead, unchanged while the user types below the anchor, is not
    tokenized again on every keystroke."""

    def run(window: str) -> list[int]:
        cut = lead_start(window, line)
        return tokenize(window[:cut]) + tokenize(window[cut:]) if cut else tokenize(window)

    return run


def back_off(lead: list[int], detokenize: Callable[[Sequence[int]], str]) -> tuple[list[int], str]:
    """Token healing at the cursor: the lead's last token is left out of the prompt
    and its text forced on the generation instead, so that the model picks the token
    that really goes there (`    ret|` is not the token ` ret` followed by another;
    `x =|` may go on as ` ==`)."""
    if not lead:
        return lead, ""
    kept, last = lead[:-1], detokenize(lead[-1:])
    if not last or detokenize(kept) + last != detokenize(lead):
        return lead, ""  # a character split across tokens: leave it as it is
    return kept, last
