"""`slm-ls bench fix`: bugs made from HumanEval's canonical solutions by simple
mutations, each given to "Fix this" with the failing test's error as the diagnostic
on the mutated line; fixed = the tests pass after the edit.

`full` runs what the server runs when the user picks the action (explain/fix.py: the
smallest enclosing definition, the same chat messages and template, the same
extraction, re-indent, parse check and line edits; only the scheduling behind
completions is left out, as nothing is typed). `naive` asks the same model to
rewrite the whole file from its raw text and takes the answer's code as it is."""

from __future__ import annotations

import asyncio
import difflib
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from lsp_server.bench.humaneval import load_problems
from lsp_server.bench.metrics import percentile
from lsp_server.bench.sandbox import run_program
from lsp_server.config.settings import Settings
from lsp_server.documents.edits import apply_edits
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import Engine
from lsp_server.explain.ask import Ask
from lsp_server.explain.fix import FIX_SECONDS, FIX_TOKENS, SYSTEM, extract, fix
from lsp_server.prompt.chat import Message
from lsp_server.runtime.chat import ChatRunner
from lsp_server.runtime.runtime import Runtime

# (kind, pattern, replacement): applied to the first match in one solution line.
MUTATIONS: list[tuple[str, str, str]] = [
    ("comparison", r"(?<![<>=!-])(<=|>=|==|!=|<|>)(?![<>=])", "flip"),
    ("off_by_one", r"\brange\(", "plus_one"),
    ("arithmetic", r" ([+\-*]) ", "swap"),
    ("boolean", r" (and|or) ", "swap"),
    ("missing_return", r"^(\s*)return (.+)$", r"\1\2"),
    # a two-argument call with its arguments swapped: f(a, b) → f(b, a)
    ("swapped_arguments", r"\b[A-Za-z_][\w.]*\(([^(),\[\]]+), ([^(),\[\]]+)\)", "swap_args"),
    # a local name (a parameter or an assigned name) replaced by another one
    ("wrong_variable", r"(?<![\w.])([A-Za-z_]\w*)(?![\w(])", "other_name"),
]
KINDS = [kind for kind, _, _ in MUTATIONS]
FLIP = {"<=": ">", ">=": "<", "==": "!=", "!=": "==", "<": ">=", ">": "<="}
SWAP = {"+": "-", "-": "+", "*": "+", "and": "or", "or": "and"}


@dataclass(frozen=True)
class Bug:
    bug_id: str
    kind: str
    text: str  # the whole buggy program (prompt + mutated solution)
    line: int  # 0-based line of the mutation in `text`
    error: str  # the failing test's error (the diagnostic's message)
    test: str
    entry_point: str


def _mutate(
    line: str, kind: str, pattern: str, replacement: str, names: list[str] | None = None
) -> str | None:
    if line.lstrip().startswith("#"):
        return None
    if replacement == "other_name":
        return _other_name(line, pattern, names or [])
    match = re.search(pattern, line)
    if match is None:
        return None
    if replacement == "swap_args":
        a, b = match.span(1), match.span(2)
        swapped = line[: a[0]] + match.group(2) + ", " + match.group(1) + line[b[1] :]
        return swapped
    if replacement == "plus_one":
        return _plus_one(line, match.end())
    if replacement == "flip":
        new = FLIP[match.group(1)]
    elif replacement == "swap":
        new = match.group(0).replace(match.group(1), SWAP[match.group(1)])
    else:
        new = match.expand(replacement)
    return line[: match.start()] + new + line[match.end() :]


def _other_name(line: str, pattern: str, names: list[str]) -> str | None:
    """The first use of a local name in `line` replaced by another local name."""
    for match in re.finditer(pattern, line):
        name = match.group(1)
        if name in names and len(names) > 1:
            other = next(n for n in names if n != name)
            return line[: match.start(1)] + other + line[match.end(1) :]
    return None


def local_names(prompt: str, solution: str, entry_point: str) -> list[str]:
    """The function's parameters and the names its solution assigns, in order."""
    names: list[str] = []
    signature = re.search(rf"def {re.escape(entry_point)}\(([^)]*)\)", prompt)
    if signature:
        for part in signature.group(1).split(","):
            name = part.split(":")[0].split("=")[0].strip().lstrip("*")
            if name.isidentifier():
                names.append(name)
    for match in re.finditer(r"^\s*(?:for\s+)?([A-Za-z_]\w*)\s*(?:=[^=]|in\b)", solution, re.M):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def _plus_one(line: str, start: int) -> str | None:
    """`range(x)` → `range(x + 1)`: the call's (last) argument one larger."""
    depth = 1
    for index in range(start, len(line)):
        depth += {"(": 1, ")": -1}.get(line[index], 0)
        if depth == 0:
            return f"{line[:index]} + 1{line[index:]}"
    return None


def _error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.strip().split("\n") if ln.strip()]
    return lines[-1][:200] if lines else "the tests fail"


def bugs(limit: int) -> Iterator[Bug]:
    """`limit` failing mutants, the kinds balanced: each kind takes at most its share
    (limit / kinds) on a first pass over the problems; a second pass fills what the
    rarer kinds left. One mutant per (problem, kind); problems in order."""
    share = -(-limit // len(MUTATIONS))
    taken: dict[str, int] = dict.fromkeys(KINDS, 0)
    seen: set[str] = set()
    for quota in (share, limit):
        for bug in _candidates(taken, quota, seen):
            yield bug
            if sum(taken.values()) >= limit:
                return


def _candidates(taken: dict[str, int], quota: int, seen: set[str]) -> Iterator[Bug]:
    for problem in load_problems():
        solution = problem["canonical_solution"]
        names = local_names(problem["prompt"], solution, problem["entry_point"])
        for kind, pattern, replacement in MUTATIONS:
            key = f"{problem['task_id']}/{kind}"
            if taken[kind] >= quota or key in seen:
                continue
            seen.add(key)
            bug = _first_failing(problem, kind, pattern, replacement, names)
            if bug is not None:
                taken[kind] += 1
                yield bug


def _first_failing(
    problem: dict[str, str], kind: str, pattern: str, replacement: str, names: list[str]
) -> Bug | None:
    """The first line's mutant of this kind that fails the tests, or None."""
    solution = problem["canonical_solution"].split("\n")
    base = problem["prompt"].count("\n")
    for index, line in enumerate(solution):
        mutated = _mutate(line, kind, pattern, replacement, names)
        if mutated is None or mutated == line:
            continue
        text = problem["prompt"] + "\n".join([*solution[:index], mutated, *solution[index + 1 :]])
        outcome = run_program(f"{text}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n")
        if outcome.passed:
            continue  # an equivalent mutant
        return Bug(
            f"{problem['task_id']}/{kind}/{index}",
            kind,
            text,
            base + index,
            _error(outcome.detail),
            problem["test"],
            problem["entry_point"],
        )
    return None


@dataclass
class FixRow:
    model: str
    mode: str
    bug_id: str
    kind: str
    fixed: bool
    syntax_valid: bool
    unchanged: bool
    lines_touched: int
    latency_ms: float
    reason: str = ""


def bug_span(bug: Bug) -> tuple[int, int]:
    """str offsets of the buggy line's code (what an editor's diagnostic covers)."""
    lines = bug.text.split("\n")
    start = (
        sum(len(ln) + 1 for ln in lines[: bug.line])
        + len(lines[bug.line])
        - len(lines[bug.line].lstrip())
    )
    return start, start + len(lines[bug.line].strip())


async def _full(ask: Ask, bug: Bug) -> str:
    """The file after the fix "Fix this" applies — through its one entry, as the code
    action runs it; raises Refused with the reason the user is told when it applies
    none."""
    snap = Snapshot.parse(bug.text, "python")
    start, end = bug_span(bug)
    edits = await fix(snap, start, end, [bug.error], ask, f"bench/{bug.bug_id}")
    if isinstance(edits, str):
        raise Refused(edits)
    return apply_edits(bug.text, edits)


async def _naive(ask: Ask, bug: Bug) -> str:
    """The baseline: the whole file and the error, a plain request, its code taken as
    it is (the same chat runner)."""
    code = f"```python\n{bug.text}\n```"
    request = f"{code}\n\nThe tests fail with: {bug.error}\nRewrite the code with the bug fixed."
    chat = [Message("system", SYSTEM), Message("user", request)]
    reply = await ask(f"bench/{bug.bug_id}#naive", chat, FIX_TOKENS, FIX_SECONDS)
    answer = extract(reply.text)
    if not answer:
        raise Refused("no code in the answer")
    return answer


class Refused(Exception):
    """No edit: the reason (for `full`, what "Fix this" tells the user)."""


def _touched(old: str, new: str) -> int:
    a, b = old.split("\n"), new.split("\n")
    return sum(
        max(i2 - i1, j2 - j1)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes()
        if tag != "equal"
    )


async def run_one(ask: Ask, model: str, mode: str, bug: Bug) -> FixRow:
    started = time.perf_counter()
    try:
        fixed_text = await (_full if mode == "full" else _naive)(ask, bug)
        if fixed_text.strip() == bug.text.strip():
            raise Refused("the model changed nothing")
    except Refused as refused:
        latency = (time.perf_counter() - started) * 1000
        return FixRow(
            model, mode, bug.bug_id, bug.kind, False, True, True, 0, latency, str(refused)
        )
    latency = (time.perf_counter() - started) * 1000
    try:
        compile(fixed_text, "fix.py", "exec")
        valid = True
    except SyntaxError:
        valid = False
    outcome = (
        run_program(f"{fixed_text}\n\n{bug.test}\n\ncheck({bug.entry_point})\n") if valid else None
    )
    fixed = bool(outcome and outcome.passed)
    return FixRow(
        model,
        mode,
        bug.bug_id,
        bug.kind,
        fixed,
        valid,
        False,
        _touched(bug.text, fixed_text),
        latency,
    )


def summarise(rows: list[FixRow]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key in sorted({(r.model, r.mode) for r in rows}, key=lambda k: (k[0], k[1] != "naive")):
        mine = [r for r in rows if (r.model, r.mode) == key]
        n = len(mine)
        out[f"{key[0]} | {key[1]}"] = {
            "bugs": n,
            "fixed": sum(r.fixed for r in mine) / n,
            "syntax_valid": sum(r.syntax_valid for r in mine) / n,
            "unchanged": sum(r.unchanged for r in mine) / n,
            "lines_touched_p50": statistics.median(
                [r.lines_touched for r in mine if not r.unchanged] or [0]
            ),
            "p50_ms": percentile([r.latency_ms for r in mine], 50),
            "p95_ms": percentile([r.latency_ms for r in mine], 95),
        }
    return out


def by_kind(rows: list[FixRow]) -> dict[str, dict[str, float]]:
    """Fixed share per (model | mode) and mutation kind."""
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        out.setdefault(f"{row.model} | {row.mode}", {})
    for key, shares in out.items():
        for kind in KINDS:
            mine = [r for r in rows if f"{r.model} | {r.mode}" == key and r.kind == kind]
            if mine:
                shares[kind] = sum(r.fixed for r in mine) / len(mine)
    return out


def kind_markdown(rows: list[FixRow]) -> str:
    kinds = [k for k in KINDS if any(r.kind == k for r in rows)]
    counts = {k: len({r.bug_id for r in rows if r.kind == k}) for k in kinds}
    head = " | ".join(f"{k} ({counts[k]})" for k in kinds)
    lines = [f"| model | mode | {head} |", "|---|---|" + "---|" * len(kinds)]
    for key, shares in by_kind(rows).items():
        cells = " | ".join(f"{shares.get(k, 0):.0%}" for k in kinds)
        lines.append(f"| {key} | {cells} |")
    return "\n".join(lines)


def reason_markdown(rows: list[FixRow]) -> str:
    """Why bugs stayed unchanged, per (model | mode): shares of all its bugs."""
    reasons = sorted({r.reason for r in rows if r.unchanged})
    if not reasons:
        return "(no bug was left unchanged)"
    lines = [f"| model | mode | {' | '.join(reasons)} |", "|---|---|" + "---|" * len(reasons)]
    for key in dict.fromkeys(f"{r.model} | {r.mode}" for r in rows):
        mine = [r for r in rows if f"{r.model} | {r.mode}" == key]
        cells = " | ".join(
            f"{sum(r.unchanged and r.reason == why for r in mine) / len(mine):.0%}"
            for why in reasons
        )
        lines.append(f"| {key} | {cells} |")
    return "\n".join(lines)


def markdown(summary: dict[str, dict[str, float]]) -> str:
    lines = [
        "| model | mode | bugs | fixed | syntax ok | unchanged | lines touched p50 "
        "| p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, s in summary.items():
        lines.append(
            f"| {key} | {s['bugs']:.0f} | {s['fixed']:.1%} | {s['syntax_valid']:.1%} | "
            f"{s['unchanged']:.1%} | {s['lines_touched_p50']:.0f} | {s['p50_ms']:.0f} | "
            f"{s['p95_ms']:.0f} |"
        )
    return "\n".join(lines)


def run_fix_bench(
    models: list[str],
    modes: list[str],
    limit: int,
    load: Callable[[str], Engine],
    on_row: Callable[[], None],
) -> tuple[list[FixRow], list[Bug]]:
    found = list(bugs(limit))
    rows = []
    for model in models:
        engine = load(model)
        try:
            rows += asyncio.run(_model_rows(engine, model, modes, found, on_row))
        finally:
            engine.close()
    return rows, found


async def _model_rows(
    engine: Engine, model: str, modes: list[str], found: list[Bug], on_row: Callable[[], None]
) -> list[FixRow]:
    """Every bug in every mode, asked through the runtime the server uses (the chat
    runner over the engine worker) with `engine` as its model."""
    runtime = Runtime(Settings(model=model), factory=lambda spec, settings: engine)
    chat = ChatRunner(runtime)
    rows = []
    try:
        for bug in found:
            for mode in modes:
                rows.append(await run_one(chat.answer, model, mode, bug))
                on_row()
    finally:
        runtime.worker.close()  # the engine is the caller's to close
        runtime.worker.join(60)
    return rows


def as_json(rows: list[FixRow]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
