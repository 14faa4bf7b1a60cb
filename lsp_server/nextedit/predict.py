"""The next edit's one entry (the server, and later the benchmark, call `next_edit`):
from the last edit, the candidate lines the tree names (candidates.py), and the new
text of the first one that needs a change.

- A rename's follow-up is determined: the line with the new name at the old one's
  uses (the tree found them: bare uses in the same definition, not `obj.name`, not a
  keyword). No model call: the 0.5B, asked to apply a rename to a line, repeated the
  line unchanged or renamed attributes too (docs/decisions.md).
- A call after a signature change needs judgement (which argument?): the model
  rewrites the call's line given the edit as a diff, through its chat template, and
  the gate keeps the answer only when it changed the line, still calls the function
  and parses."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.explain.fix import extract
from lsp_server.nextedit.candidates import WORD, Candidate, Change, Kind, candidates, change_of
from lsp_server.nextedit.history import Edit, diff
from lsp_server.postprocess.parse_check import count_errors
from lsp_server.prompt.chat import ChatTemplate, ChatTemplateError, Message

log = logging.getLogger(__name__)
MAX_CANDIDATES = 3
MAX_TOKENS = 96  # one rewritten line
SYSTEM = "You apply a code change to another line of the same file."


@dataclass(frozen=True)
class NextEdit:
    """Replace str offsets [start, end) of the current text with `text`."""

    start: int
    end: int
    text: str
    line: int
    reason: str  # "rename value → amount", "call of area"


def next_edit(
    snapshot: Snapshot,
    before: str,
    edit: Edit,
    engine: Engine,
    cancel: CancelToken | None = None,
    max_candidates: int = MAX_CANDIDATES,
    session: str = "",
    deadline: float | None = None,
) -> NextEdit | None:
    """The edit that should follow `edit` (made on `before`, giving `snapshot`), or
    None: no candidate, or the model proposed no change the gate accepts."""
    change = change_of(before, edit, snapshot)
    if change is None:
        return None
    cancel = cancel or CancelToken()
    params = GenerationParams(MAX_TOKENS, deadline=deadline, session=session)
    text = snapshot.text
    for candidate in candidates(snapshot, edit, change)[:max_candidates]:
        if cancel.cancelled:
            return None
        if change.kind == Kind.RENAME:
            written = candidate.expected(text)
        else:
            written = _rewritten(snapshot, before, edit, candidate, engine, params, cancel)
        proposal = _proposal(snapshot, candidate, written)
        if proposal is not None:
            return proposal
    return None


def _rewritten(
    snapshot: Snapshot,
    before: str,
    edit: Edit,
    candidate: Candidate,
    engine: Engine,
    params: GenerationParams,
    cancel: CancelToken,
) -> str:
    """The model's version of the candidate line ("" when the model has no chat
    template or did not answer)."""
    info = engine.info
    try:
        template = ChatTemplate(info.chat_template, info.bos_text, info.eos_text)
        ids = template.tokens(
            _messages(snapshot, before, edit, candidate), engine.tokenize, engine.tokenize_special
        )
    except ChatTemplateError as exc:
        log.debug("next edit: no chat template: %s", exc)
        return ""
    generation = engine.generate(ids, params, cancel)
    if not generation.stop_reason.finished:
        return ""
    return extract(generation.text).strip()


def _messages(snapshot: Snapshot, before: str, edit: Edit, candidate: Candidate) -> list[Message]:
    """The edit as a diff of its line(s), and the line to rewrite."""
    old_lines = _lines_around(before, edit.start, edit.start + len(edit.old))
    new_lines = _lines_around(snapshot.text, edit.start, edit.end_after)
    changed = "\n".join([*("- " + ln for ln in old_lines), *("+ " + ln for ln in new_lines)])
    line = snapshot.text[candidate.start : candidate.end]
    language = snapshot.language
    ask = (
        f"The change:\n```{language}\n{changed}\n```\nRewrite this line so that it follows "
        "the change; if it needs no change, repeat it unchanged. Answer with the line only."
        f"\n```{language}\n{line}\n```"
    )
    return [Message("system", SYSTEM), Message("user", ask)]


def _lines_around(text: str, start: int, end: int) -> list[str]:
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return text[first : len(text) if last < 0 else last].split("\n")


def _proposal(snapshot: Snapshot, candidate: Candidate, written: str) -> NextEdit | None:
    """The gate, then the smallest replacement that turns the line into `written`."""
    text = snapshot.text
    original = text[candidate.start : candidate.end]
    if not _passes(original, written, candidate.change, snapshot, candidate):
        log.debug("next edit: line %d left as it is", candidate.line + 1)
        return None
    change = diff(original, written)
    assert change is not None  # _passes: they differ
    start = candidate.start + change.start
    return NextEdit(start, start + len(change.old), change.new, candidate.line, _reason(candidate))


def _passes(
    original: str, written: str, change: Change, snapshot: Snapshot, candidate: Candidate
) -> bool:
    """Changed, one line, still about the same name, and no new syntax errors."""
    if not written.strip() or written == original or "\n" in written:
        return False
    if change.kind == Kind.SIGNATURE and Counter(WORD.findall(written))[change.old] < 1:
        return False
    text = snapshot.text
    changed = text[: candidate.start] + written + text[candidate.end :]
    parsed = Snapshot.parse(changed, snapshot.language)
    if parsed.tree is None or snapshot.tree is None:
        return True
    return count_errors(parsed.tree.root_node) <= count_errors(snapshot.tree.root_node)


def _reason(candidate: Candidate) -> str:
    change = candidate.change
    if change.kind == Kind.RENAME:
        return f"rename {change.old} → {change.new}"
    return f"call of {change.old}"
