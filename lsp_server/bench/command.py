"""`slm-ls bench`: pick tasks, run models and modes, print and write the results."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from lsp_server.bench import humaneval, report, runner
from lsp_server.bench.repo_holes import repo_tasks
from lsp_server.bench.tasks import Task, load_tasks
from lsp_server.config.settings import CompletionSettings, EngineSettings, Settings
from lsp_server.engines.base import Engine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve

SOURCES = ("humaneval-single", "humaneval-multi", "repo")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", choices=SOURCES, help="task source")
    parser.add_argument("path", nargs="?", type=Path, help="repository for `repo` (default: .)")
    parser.add_argument("--tasks", type=Path, help="tasks from a .jsonl or .jsonl.gz file")
    parser.add_argument("--model", action="append", help="catalog name or .gguf (repeatable)")
    parser.add_argument("--mode", default="full", help="comma-separated: full, naive")
    parser.add_argument(
        "--ablate",
        default="",
        help="comma-separated steps to switch off one at a time (adds modes full-no-STEP)",
    )
    parser.add_argument("--limit", type=int, help="at most N tasks (sampled with --seed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--time-budget",
        type=float,
        metavar="SEC",
        help="stop starting tasks after SEC seconds (shared by the models)",
    )
    parser.add_argument("--out", type=Path, help="write results.json, results.md and charts")
    parser.add_argument("--max-tokens", type=int, default=CompletionSettings.max_tokens)
    parser.add_argument(
        "--deadline-ms",
        type=int,
        default=30_000,
        help="per completion (default 30000: quality is not cut by cold caches)",
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--include-all", action="store_true", help="repo: keep test, vendored and generated files"
    )
    parser.add_argument(
        "--log-level", default="warning", choices=("debug", "info", "warning", "error")
    )


def select_tasks(args: argparse.Namespace) -> list[Task]:
    if args.tasks is not None:
        return humaneval.sample(load_tasks(args.tasks), args.limit, args.seed)
    if args.source == "repo":
        return repo_tasks(args.path or Path.cwd(), args.limit or 100, args.seed, args.include_all)
    problems = humaneval.load_problems()
    make = (
        humaneval.single_line_tasks
        if args.source == "humaneval-single"
        else (humaneval.multi_line_tasks)
    )
    return humaneval.sample(make(problems), args.limit, args.seed)


def modes_of(args: argparse.Namespace) -> list[str]:
    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    modes += [f"full-no-{s.strip()}" for s in args.ablate.split(",") if s.strip()]
    for mode in modes:
        runner.steps_for(mode)  # raises ValueError for an unknown mode
    return modes


def run(args: argparse.Namespace) -> int:
    if args.source is None and args.tasks is None:
        print(
            "slm-ls bench: give a source (" + ", ".join(SOURCES) + ") or --tasks FILE",
            file=sys.stderr,
        )
        return 2
    try:
        modes = modes_of(args)
        tasks = select_tasks(args)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"slm-ls bench: {exc}", file=sys.stderr)
        return 2
    if not tasks:
        print("slm-ls bench: no tasks", file=sys.stderr)
        return 2
    models = args.model or ["qwen2.5-coder-0.5b"]
    settings = Settings(
        engine=EngineSettings(threads=args.threads),
        completion=replace(
            CompletionSettings(), max_tokens=args.max_tokens, deadline_ms=args.deadline_ms
        ),
    )

    def load(model: str) -> Engine:
        return load_engine(resolve(model), settings.engine)

    bar = tqdm(total=len(tasks) * len(modes) * len(models), unit="task", file=sys.stderr)
    rows, peak = runner.run_bench(
        tasks, models, modes, settings, load, args.time_budget, on_row=lambda row: bar.update()
    )
    bar.close()
    runner.score_tests(rows, {t.task_id: t for t in tasks})
    summary = runner.summarise(rows, peak)
    print(report.markdown_table(summary))
    if args.out is not None:
        config = {
            "command": "slm-ls bench " + shlex.join(sys.argv[2:]),
            "models": models,
            "modes": modes,
            "tasks": len(tasks),
            "seed": args.seed,
            "max_tokens": args.max_tokens,
            "deadline_ms": args.deadline_ms,
        }
        written = report.write_outputs(args.out, config, runner.rows_as_dicts(rows), summary)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
