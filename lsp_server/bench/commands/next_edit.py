"""`slm-ls bench next-edit REPO`: next edit on scenarios mined from the repository's
git history (bench/edit_history.py), through the feature's one entry (`next_edit`),
beside two baselines in the same run: always quiet, and a naive rewrite (the model
asked to rewrite the 5 lines below the edit, no tree)."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lsp_server.bench import metrics
from lsp_server.bench.commands import common
from lsp_server.bench.edit_history import Hunk, Scenario, scenarios
from lsp_server.bench.report import Metric, metric_table
from lsp_server.config.settings import Settings, parse_settings
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.engines.loader import load_engine
from lsp_server.explain.fix import extract
from lsp_server.models.resolve import resolve
from lsp_server.nextedit.history import diff
from lsp_server.nextedit.predict import next_edit
from lsp_server.prompt.chat import ChatTemplate, Message

NAMES = ("next-edit",)
MODES = ("next-edit", "naive-rewrite", "always-quiet")
NAIVE_LINES = 5
DEADLINE_S = 30.0


def add(sources: Any) -> None:
    parser = common.subcommand(
        sources, "next-edit", "next edit on scenarios from a repository's history", run
    )
    parser.add_argument("path", type=Path, help="a git repository (its history is read)")


def _line_of(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


@dataclass(frozen=True)
class Shown:
    """A proposal as lines: from 0-based line `line`, `removed` lines of the edited
    text give way to `text` (a deletion: "")."""

    line: int
    removed: int
    text: str


def _located(follow: Hunk, shown: Shown) -> bool:
    """The proposal changes a line the real follow-up changes; an insertion goes where
    the follow-up's lines are (or, when the follow-up inserts, beside its place)."""
    first = follow.old_start - 1
    if not follow.old:
        return shown.line in (first, first + 1)
    if not shown.removed:  # an insertion: inside the changed lines or at their edge
        return first <= shown.line <= first + len(follow.old)
    last = shown.line + shown.removed
    return shown.line < first + len(follow.old) and first < last


def _score(scenario: Scenario, shown: Shown | None) -> dict[str, Any]:
    """Right: quiet with no follow-up, or at the place of one of the follow-ups (the
    commit does not say which came first), its text scored against that one's."""
    if not scenario.follows:
        return {"follow": False, "shown": shown is not None, "right": shown is None,
                "located": None, "chrf": None, "exact": None}  # fmt: skip
    if shown is None:
        return {"follow": True, "shown": False, "right": False, "located": False,
                "chrf": 0.0, "exact": False}  # fmt: skip
    located = [f for f in scenario.follows if _located(f, shown)]
    if not located:
        return {"follow": True, "shown": True, "right": False, "located": False,
                "chrf": 0.0, "exact": False}  # fmt: skip
    real = ["\n".join(ln.strip() for ln in f.new) for f in located]
    mine = "\n".join(ln.strip() for ln in shown.text.split("\n")) if shown.text else ""
    chrf = max(metrics.chrf(mine, r) for r in real)
    exact = any(mine == r or (mine and mine in r.split("\n")) for r in real)
    return {"follow": True, "shown": True, "right": True, "located": True,
            "chrf": chrf, "exact": exact}  # fmt: skip


def _as_lines(before: str, after: str) -> Shown | None:
    """The lines where `after` differs from `before` (common lines trimmed)."""
    old, new = before.split("\n"), after.split("\n")
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if head == len(old) == len(new):
        return None
    return Shown(head, len(old) - head - tail, "\n".join(new[head : len(new) - tail]))


def _product(scenario: Scenario, engine: Engine) -> Shown | None:
    edit = diff(scenario.before, scenario.edited)
    if edit is None:
        return None
    snapshot = Snapshot.parse(scenario.edited, scenario.language)
    found = next_edit(snapshot, scenario.before, edit, engine, CancelToken(),
                      deadline=time.monotonic() + DEADLINE_S)  # fmt: skip
    if found is None:
        return None
    text = scenario.edited
    return _as_lines(text, text[: found.start] + found.text + text[found.end :])


def _naive(scenario: Scenario, engine: Engine) -> Shown | None:
    """The baseline: the edit as a diff, the 5 lines below it rewritten by the model;
    the first line that changed is the proposal."""
    edit = diff(scenario.before, scenario.edited)
    if edit is None or engine.info.chat_template is None:
        return None
    text = scenario.edited
    last = _line_at(text, edit.end_after)
    lines = text.split("\n")
    window = lines[last + 1 : last + 1 + NAIVE_LINES]
    if not window:
        return None
    was = _line_of(scenario.before, _line_at(scenario.before, edit.start))
    changed = f"- {was}\n+ {_line_of(text, _line_at(text, edit.start))}"
    code = "\n".join(window)
    ask = (
        f"The change:\n```{scenario.language}\n{changed}\n```\nRewrite these lines so that "
        "they follow the change; lines that need no change stay as they are. Answer with the "
        f"lines only.\n```{scenario.language}\n{code}\n```"
    )
    template = ChatTemplate(engine.info.chat_template, engine.info.bos_text, engine.info.eos_text)
    ids = template.tokens(
        [Message("system", "You apply a code change to the lines below it."), Message("user", ask)],
        engine.tokenize,
        engine.tokenize_special,
    )
    params = GenerationParams(256, deadline=time.monotonic() + DEADLINE_S)
    written = extract(engine.generate(ids, params, CancelToken()).text).split("\n")
    for i, (was, now) in enumerate(zip(window, written, strict=False)):
        if was.strip() != now.strip():
            return Shown(last + 1 + i, 1, now)
    return None


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    follows = [r for r in rows if r["follow"]]
    quiets = [r for r in rows if not r["follow"]]
    scores = [(r["chrf"] if r["follow"] else float(r["right"])) for r in rows]

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    latencies = [r["ms"] for r in rows]
    return {
        "scenarios": len(rows),
        "with_follow_up": len(follows),
        "location_accuracy": mean([float(bool(r["located"])) for r in follows]),
        "chrf_on_follow_ups": mean([r["chrf"] for r in follows]),
        "exact_on_follow_ups": mean([float(bool(r["exact"])) for r in follows]),
        "shown_on_follow_ups": mean([float(r["shown"]) for r in follows]),
        "quiet_when_right": mean([float(not r["shown"]) for r in quiets]),
        # What a person sees: of the edits shown, the share at a real follow-up's place.
        "right_when_shown": mean([float(bool(r["located"])) for r in rows if r["shown"]]),
        "score": mean(scores),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
    }


def run(args: argparse.Namespace) -> int:
    repo = args.path.resolve()
    found = scenarios(repo, args.limit or 40, args.seed)
    if not found:
        return common.fail(f"next-edit: no scenarios in {repo}'s history")
    models = args.model or [common.DEFAULT_MODEL]
    summary: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for spec in models:
        name, own = common.variant(spec, args.set)
        settings, errors = parse_settings(own, Settings())
        if errors:
            return common.fail("; ".join(errors))
        engine = load_engine(resolve(name), settings.engine)
        per_mode: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for i, scenario in enumerate(found):
            print(f"\r{spec}: {i + 1}/{len(found)}", end="", file=sys.stderr)
            for mode, answer in (("next-edit", _product), ("naive-rewrite", _naive),
                                 ("always-quiet", lambda s, e: None)):  # fmt: skip
                started = time.perf_counter()
                shown = answer(scenario, engine)
                ms = (time.perf_counter() - started) * 1000
                where = asdict(shown) if shown else {"line": None, "removed": None, "text": None}
                row = {"model": spec, "mode": mode, "scenario": scenario.scenario_id,
                       "ms": ms, **where, **_score(scenario, shown)}  # fmt: skip
                per_mode[mode].append(row)
                rows.append(row)
        engine.close()
        print(file=sys.stderr)
        for mode, mode_rows in per_mode.items():
            summary[f"{spec} · {mode}"] = _summary(mode_rows)
    table = _markdown(summary)
    print(table)
    if args.out is not None:
        config = {"command": common.command_line(), "repository": repo.name,
                  "scenarios": len(found), "seed": args.seed, "models": models}  # fmt: skip
        common.write_results(args.out, config, {"summary": summary, "rows": rows}, table)
    return 0


ROWS: list[Metric] = [
    ("scenarios", "scenarios", "{:.0f}"),
    ("with a follow-up", "with_follow_up", "{:.0f}"),
    ("location accuracy (follow-ups)", "location_accuracy", "{:.1%}"),
    ("chrF at the right place (follow-ups)", "chrf_on_follow_ups", "{:.3f}"),
    ("exact (follow-ups)", "exact_on_follow_ups", "{:.1%}"),
    ("shown (follow-ups)", "shown_on_follow_ups", "{:.1%}"),
    ("quiet when it should be", "quiet_when_right", "{:.1%}"),
    ("right place when shown", "right_when_shown", "{:.1%}"),
    ("score (chrF on follow-ups, 1 for a right silence)", "score", "{:.3f}"),
    ("p50 ms", "latency_p50_ms", "{:.0f}"),
    ("p95 ms", "latency_p95_ms", "{:.0f}"),
]


def _markdown(summary: dict[str, dict[str, Any]]) -> str:
    return metric_table(ROWS, summary)
