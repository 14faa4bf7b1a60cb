"""The next edit's one entry (the server and the benchmark call `next_edit`): from
the last edit, what it changed and the candidate lines the tree names for it
(candidates.py), the surest kind first, and the new text of the first line that
needs a change.

- Where the tree decides the follow-up (a moved line's old copy deleted, a rename's
  other uses, an extracted expression's copies, a line that only assigns a removed
  name), no model call: the 0.5B, asked to apply a rename to a line, repeated the
  line unchanged or renamed attributes too (docs/decisions.md).
- Where it needs judgement (a call after a signature change: which argument? a use
  of a removed name), the model rewrites the line given the edit as a diff, through
  its chat template, and the gate keeps the answer only when it changed the line,
  still calls the function (or no longer names the removed name) and parses."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.explain.fix import extract
from lsp_server.nextedit.candidates import WORD, Candidate, Change, Kind, candidates, changes_of
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
    cancel = cancel or CancelToken()
    params = GenerationParams(MAX_TOKENS, deadline=deadline, session=session)
    for candidate in _ordered(snapshot, before, edit, max_candidates):
        if cancel.cancelled:
            return None
        written = candidate.written
        if written is None:
            written = _rewritten(snapshot, before, edit, candidate, engine, params, cancel)
        proposal = _proposal(snapshot, candidate, written)
        if proposal is not None:
            return proposal
    return None


@dataclass(frozen=True)
class TreeAnswer:
    """What the tree alone says: `decided` when `next_edit` would give `edit` (None:
    nothing to follow) without asking the model; else the model must be asked."""

    decided: bool
    edit: NextEdit | None = None


def tree_answer(
    snapshot: Snapshot, before: str, edit: Edit, max_candidates: int = MAX_CANDIDATES
) -> TreeAnswer:
    """`next_edit`'s answer where the tree decides it: the candidates in the same order,
    up to the first one the model would have to write. No engine: the server answers
    these without waiting for the engine thread, which keystrokes keep busy."""
    for candidate in _ordered(snapshot, before, edit, max_candidates):
        if candidate.written is None and not candidate.deletes:
            return TreeAnswer(False)
        proposal = _proposal(snapshot, candidate, candidate.written or "")
        if proposal is not None:
            return TreeAnswer(True, proposal)
    return TreeAnswer(True, None)


def _ordered(
    snapshot: Snapshot, before: str, edit: Edit, max_candidates: int
) -> Iterator[Candidate]:
    """The candidates, the surest kind of change first, each kind's nearest first; a
    kind is looked for only when the ones before it gave no follow-up."""
    for change in changes_of(before, edit, snapshot):
        yield from candidates(snapshot, edit, change)[:max_candidates]


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
    if candidate.doc_for:
        ask = (
            f"The change:\n```{language}\n{changed}\n```\nWrite the documentation line for "
            f"the new parameter `{candidate.doc_for}`, in the style of this line of the same "
            f"docstring:\n```\n{candidate.example}\n```\nAnswer with the line only."
        )
        return [Message("system", SYSTEM), Message("user", ask)]
    why = ""
    if candidate.change.kind == Kind.REMOVED:
        why = f" `{candidate.change.old}` no longer exists: the line must not use it."
    ask = (
        f"The change:\n```{language}\n{changed}\n```\nRewrite this line so that it follows "
        f"the change;{why} if it needs no change, repeat it unchanged. Answer with the line "
        f"only.\n```{language}\n{line}\n```"
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
    if candidate.deletes:
        if not _parses(snapshot, candidate, ""):
            return None
        return NextEdit(candidate.start, candidate.end, "", candidate.line, _reason(candidate))
    if candidate.doc_for:
        return _documented(snapshot, candidate, written)
    if candidate.written is not None:  # the tree wrote it: it only has to parse
        passed = written != original and _parses(snapshot, candidate, written)
    else:
        passed = _passes(original, written, candidate.change, snapshot, candidate)
    if not passed:
        log.debug("next edit: line %d left as it is", candidate.line + 1)
        return None
    change = diff(original, written)
    assert change is not None  # passed: they differ
    start = candidate.start + change.start
    line = text.count("\n", 0, start)
    return NextEdit(start, start + len(change.old), change.new, line, _reason(candidate))


def _documented(snapshot: Snapshot, candidate: Candidate, written: str) -> NextEdit | None:
    """The model's entry for a new parameter, kept when it is one line in the style of
    the example (the same directive, `:param` or `@param`) naming the parameter."""
    line = written.strip().lstrip("* ").strip()
    directive = candidate.example.split()[0]
    if "\n" in line or not line.startswith(directive):
        return None
    if re.search(rf"\b{re.escape(candidate.doc_for)}\b", line) is None:
        return None
    inserted = candidate.prefix + line
    if not _parses(snapshot, candidate, inserted):
        return None
    reason = f"document {candidate.doc_for}"
    return NextEdit(candidate.start, candidate.start, inserted, candidate.line + 1, reason)


def _passes(
    original: str, written: str, change: Change, snapshot: Snapshot, candidate: Candidate
) -> bool:
    """The model's line: changed, one line, still about the same name, and no new
    syntax errors."""
    if not written.strip() or written == original or "\n" in written:
        return False
    if change.kind == Kind.SIGNATURE and Counter(WORD.findall(written))[change.old] < 1:
        return False
    if change.kind == Kind.REMOVED and re.search(rf"(?<![\w.]){re.escape(change.old)}\b", written):
        return False
    return _parses(snapshot, candidate, written)


def _parses(snapshot: Snapshot, candidate: Candidate, written: str) -> bool:
    """The text with the candidate's span replaced has no more syntax errors than now."""
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
    if change.kind == Kind.REPLACED:
        return f"replace {change.old} → {change.new}"
    if change.kind == Kind.MOVED:
        return "delete the moved line's old copy"
    if change.kind == Kind.SIBLING:
        return f"{change.new} beside {change.old}"
    if change.kind == Kind.REPEATED:
        return "the same change here"
    if change.kind == Kind.EXTRACTED:
        return f"use {change.new}"
    if change.kind == Kind.REMOVED:
        return f"{change.old} was removed"
    return f"call of {change.old}"
