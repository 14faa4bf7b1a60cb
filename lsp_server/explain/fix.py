""" "Fix this": what to rewrite, how to ask, and how to turn the answer into the
smallest edit — or into nothing when the answer is not a fix. Pure.

The target is the smallest enclosing definition (a function, a method) around the
problem, or the problem's lines at the top level; the model rewrites that code, and
the edit keeps only the lines that changed. An answer that does not parse (more
ERROR/MISSING nodes than before), changes nothing, or loses the indentation is
refused."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from lsp_server.context.symbols import definitions_around, str_offset
from lsp_server.documents.edits import Edit
from lsp_server.documents.positions import split_lines
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.ask import Ask
from lsp_server.postprocess.parse_check import count_errors
from lsp_server.prompt.chat import Message

SYSTEM = (
    "You fix bugs in code. Reply with the corrected code only, complete, in one fenced "
    "code block, keeping everything that is not part of the bug as it is."
)
# The answer's budget, shared by the server's action and `bench fix`.
FIX_TOKENS = 512
FIX_SECONDS = 120.0
FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.S)


async def fix(
    snapshot: Snapshot, start: int, end: int, problems: list[str], ask: Ask, key: str
) -> list[Edit] | str:
    """ "Fix this" for the problem at [start, end) (str offsets): the edits, or why
    there are none. The one entry the code action and `bench fix` call."""
    found = target(snapshot, start, end, problems)
    answer = await ask(f"{key}#fix", messages(found, snapshot.language), FIX_TOKENS, FIX_SECONDS)
    if not answer.done:
        return "the model did not finish in time"
    return fix_edits(snapshot, found, answer.text)


@dataclass(frozen=True)
class Target:
    start: int  # str offsets of whole lines
    end: int
    code: str
    problem: str  # the diagnostics, or where to look
    line: str  # the line the problem is on, stripped


def target(snapshot: Snapshot, start: int, end: int, problems: list[str]) -> Target:
    """The code to rewrite for a problem at [start, end) (str offsets)."""
    text = snapshot.text
    first, last = start, max(start, end)
    nodes = definitions_around(snapshot, start)
    if nodes:
        first = str_offset(snapshot, nodes[-1].start_byte)
        last = max(last, str_offset(snapshot, nodes[-1].end_byte))
    # Whole lines as LSP counts them: the edits go back to the editor in its lines.
    lines = snapshot.lines
    line_start, line_end = lines.line_span(text, first)[0], lines.line_span(text, last)[1]
    where, after = lines.line_span(text, start)
    line = text[where:after].strip()
    problem = "; ".join(problems) if problems else "it does not work as intended"
    return Target(line_start, line_end, text[line_start:line_end], problem, line)


def messages(found: Target, language: str) -> list[Message]:
    # The code first, then the failing line and the message: measured on the 0.5B
    # model, asking "fix this code, the problem: …" before the code got it back
    # unchanged; this order got the fix.
    code = f"```{language}\n{found.code.rstrip()}\n```"
    ask = f"The line `{found.line}` raises: {found.problem}" if found.line else found.problem
    return [Message("system", SYSTEM), Message("user", f"{code}\n\n{ask}\nFix the bug.")]


def extract(answer: str) -> str:
    """The code in the model's answer: its first fenced block (language tag and prose
    around it dropped), or the whole answer when it has no fence."""
    match = FENCE.search(answer)
    code = match.group(1) if match else answer
    return code.strip("\n")


def reindent(code: str, old: str) -> str:
    """`code` at the old code's indentation (models often answer dedented)."""
    want = _indent(old)
    have = _indent(code)
    if len(have) >= len(want):
        return code
    add = want[len(have) :]
    return "\n".join(add + line if line.strip() else line for line in code.split("\n"))


def _indent(code: str) -> str:
    for line in code.split("\n"):
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def fix_edits(snapshot: Snapshot, found: Target, answer: str) -> list[Edit] | str:
    """The smallest edits of whole lines that apply the model's fix, or why there is
    none."""
    new = reindent(extract(answer), found.code)
    if found.code.endswith("\n") and not new.endswith("\n"):
        new += "\n"
    if not new.strip() or new.strip() == found.code.strip():
        return "the model changed nothing"
    old_lines, new_lines = found.code.count("\n") + 1, new.count("\n") + 1
    if old_lines > 2 and new_lines * 2 < old_lines:
        return "the model did not return the whole code"
    new = restore_odd_breaks(found.code, new)
    text = snapshot.text
    fixed = text[: found.start] + new + text[found.end :]
    if _errors(snapshot.language, fixed) > _errors_now(snapshot):
        return "the model's code does not parse"
    return _line_edits(found.code, new, found.start)


# Characters str.splitlines breaks at and LSP does not. A model asked to repeat a line
# holding one rarely does: the 0.5B answered `# add up the values\f(see the notes)` as
# `# add up the values`, and the fix's edit deleted the rest of the comment.
ODD_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
ODD = re.compile(f"[{ODD_BREAKS}]")


def restore_odd_breaks(old: str, new: str) -> str:
    """`new` with each line of `old` that holds an odd line break put back where the
    model repeated it without that break: cut at it, split there into lines, or the
    break written as a space or left out. A line the model changed otherwise stays
    changed: only a change the model did not make on purpose is undone."""
    lines = new.split("\n")
    at = 0
    for line in old.split("\n"):
        if not ODD.search(line):
            continue
        found = _repeated(line, lines, at)
        if found is not None:
            start, count = found
            lines[start : start + count] = [line]
            at = start + 1
    return "\n".join(lines)


def _repeated(line: str, lines: list[str], at: int) -> tuple[int, int] | None:
    """Where (first line, count) `lines` from `at` repeat `line` without its odd
    breaks, or None."""
    pieces = [p.strip() for p in ODD.split(line)]
    flat = {ODD.sub("", line).rstrip(), ODD.sub(" ", line).rstrip()}
    head = ODD.split(line)[0].rstrip()
    for i in range(at, len(lines)):
        if lines[i] == line:
            return i, 1
        if lines[i].rstrip() in flat:
            return i, 1
        run = [ln.strip() for ln in lines[i : i + len(pieces)]]
        if len(pieces) > 1 and run == pieces and pieces[0]:
            return i, len(pieces)
        if head.strip() and lines[i].rstrip() == head:
            return i, 1
    return None


def _errors_now(snapshot: Snapshot) -> int:
    """The document's errors, from the tree it already has."""
    return count_errors(snapshot.tree.root_node) if snapshot.tree is not None else 0


def _errors(language: str, text: str) -> int:
    parsed = Snapshot.parse(text, language)
    return count_errors(parsed.tree.root_node) if parsed.tree is not None else 0


def _line_edits(old: str, new: str, at: int) -> list[Edit]:
    """The changed lines of `old` (which starts at offset `at`) as edits."""
    a, b = split_lines(old), split_lines(new)
    offsets = [at]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(offsets[i1], offsets[i2], "".join(b[j1:j2])))
    return edits
