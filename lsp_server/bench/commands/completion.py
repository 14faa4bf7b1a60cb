"""`slm-ls bench humaneval-single | humaneval-multi | repo | tasks`: fill-in-the-middle
tasks through the completion pipeline, per model and mode; pass@1, exact match, edit
similarity, syntax validity, latency, speed and memory."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lsp_server.bench import humaneval, report, runner
from lsp_server.bench.commands import common
from lsp_server.bench.repo_holes import cross_file_tasks, repo_tasks, tracked_sources
from lsp_server.bench.sandbox import SandboxUnavailable, bubblewrap
from lsp_server.bench.tasks import LAYOUTS, Task, in_layout, load_tasks
from lsp_server.config.settings import (
    CompletionSettings,
    EngineSettings,
    Settings,
    parse_settings,
    to_wire,
)
from lsp_server.context.workspace import WorkspaceView
from lsp_server.engines.base import Engine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve
from lsp_server.workspace.chunks import ChunkMemo
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.indexer import Indexer
from lsp_server.workspace.scan import Limits

NAMES = ("humaneval-single", "humaneval-multi", "repo", "tasks")


def add(sources: Any) -> None:
    for name in NAMES:
        parser = sources.add_parser(name, help=_HELP[name], description=__doc__)
        if name == "repo":
            parser.add_argument("path", nargs="?", type=Path, help="the repository (default: .)")
            parser.add_argument(
                "--include-all",
                action="store_true",
                help="keep test, vendored and generated files",
            )
            parser.add_argument(
                "--context",
                default="workspace",
                help="comma-separated, side by side: none (the windows only), open (the "
                "hole's file is the only open document), workspace (the workspace index, "
                "what the server uses; default)",
            )
            parser.add_argument(
                "--holes",
                choices=("both", "in-file", "cross-file"),
                default="both",
                help="in-file holes (lines, statements, blocks, bodies, arguments), "
                "cross-file holes (a line that uses a name defined in another file), or "
                "half of each (default)",
            )
        if name == "tasks":
            parser.add_argument("file", type=Path, help="tasks from a .jsonl or .jsonl.gz file")
        _add_run_arguments(parser)
        parser.set_defaults(run=run)


_HELP = {
    "humaneval-single": "HumanEval's single-line infilling holes",
    "humaneval-multi": "HumanEval's multi-line infilling holes",
    "repo": "holes cut from a repository with tree-sitter",
    "tasks": "your own task file",
}


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_common(parser)
    common.add_modes(parser)
    parser.add_argument(
        "--ablate",
        default="",
        help="comma-separated steps to switch off one at a time (adds modes full-no-STEP)",
    )
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="editor",
        help="line holes: 'editor' puts the cursor after the hole line's indentation with "
        "its line break kept (default); 'official' keeps human-eval-infilling's cursor "
        "(column 0 of the line after the hole)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        metavar="SEC",
        help="stop starting tasks after SEC seconds (shared by the models)",
    )
    parser.add_argument("--max-tokens", type=int, default=CompletionSettings.max_tokens)
    parser.add_argument(
        "--candidates",
        type=int,
        default=1,
        metavar="K",
        help="suggestions per task (completion.candidates, as an invoked request in the "
        "editor gets them): adds pass@k and exact@k, any of the K counting; pass@1 and "
        "exact stay the first's (default 1: one, the greedy suggestion)",
    )
    parser.add_argument(
        "--deadline-ms",
        type=int,
        default=30_000,
        help="per completion (default 30000: quality is not cut by cold caches)",
    )


def select_tasks(args: argparse.Namespace) -> list[Task]:
    if args.source == "tasks":
        tasks = humaneval.sample(load_tasks(args.file), args.limit, args.seed)
    elif args.source == "repo":
        return _repo_tasks(args)
    else:
        problems = humaneval.load_problems()
        multi = args.source == "humaneval-multi"
        make = humaneval.multi_line_tasks if multi else humaneval.single_line_tasks
        tasks = humaneval.sample(make(problems), args.limit, args.seed)
    return [in_layout(task, args.layout) for task in tasks]


def _repo_index(args: argparse.Namespace) -> WorkspaceIndex:
    """The repository's workspace index, built by the server's own indexer."""
    if getattr(args, "index", None) is None:
        index = WorkspaceIndex()
        root = (args.path or Path.cwd()).resolve()
        progress = Indexer(index, [root], Limits()).build()
        print(
            f"workspace index: {progress.files} files, {progress.definitions} definitions "
            f"in {progress.seconds:.1f} s",
            file=sys.stderr,
        )
        args.index = index
    return args.index  # type: ignore[no-any-return]


def _repo_tasks(args: argparse.Namespace) -> list[Task]:
    root = (args.path or Path.cwd()).resolve()
    limit = args.limit or 100
    cross = {"both": limit // 2, "in-file": 0, "cross-file": limit}[args.holes]
    tasks = repo_tasks(root, limit - cross, args.seed, args.include_all) if limit > cross else []
    if cross:
        files = tracked_sources(root, args.include_all)
        tasks += cross_file_tasks(root, files, _repo_index(args), cross, args.seed)
    return tasks


def _views(args: argparse.Namespace, settings: Settings) -> runner.Views | None:
    """The workspace view of each repository task (what the server would give it)."""
    if args.source != "repo":
        return None
    index, root = _repo_index(args), (args.path or Path.cwd()).resolve()
    memo = ChunkMemo()
    context = settings.context

    def view(task: Task) -> WorkspaceView:
        key = (root / task.path).as_posix()
        return WorkspaceView(
            index,
            key,
            context.workspace_tokens,
            context.max_file_bytes,
            context.similar_code,
            memo,
        )

    return view


def _modes(args: argparse.Namespace) -> list[str]:
    chosen = common.modes(args)
    chosen += [f"full-no-{s.strip()}" for s in args.ablate.split(",") if s.strip()]
    if args.source == "repo":
        contexts = [c.strip() for c in args.context.split(",") if c.strip()]
        chosen = [f"{mode}@{context}" for mode in chosen for context in contexts]
    for mode in chosen:
        runner.steps_for(mode)  # raises ValueError for an unknown mode
    return chosen


def _settings(args: argparse.Namespace, model: str) -> tuple[Settings, list[str]]:
    """The settings `model` (a name, maybe with settings of its own) runs with."""
    completion = replace(
        CompletionSettings(),
        max_tokens=args.max_tokens,
        deadline_ms=args.deadline_ms,
        candidates=args.candidates,
    )
    base = Settings(engine=EngineSettings(threads=args.threads), completion=completion)
    return parse_settings(common.variant(model, args.set)[1], base)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.candidates <= 8:
        return common.fail(f"--candidates {args.candidates}: between 1 and 8")
    try:
        chosen, tasks = _modes(args), select_tasks(args)
    except (ValueError, RuntimeError, OSError) as exc:
        return common.fail(str(exc))
    if not tasks:
        return common.fail("no tasks")
    models = args.model or [common.DEFAULT_MODEL]
    each = {model: _settings(args, model) for model in models}
    errors = [error for _, found in each.values() for error in found]
    if errors:
        return common.fail("; ".join(errors))
    settings = each[models[0]][0]
    if any(task.has_tests for task in tasks):
        try:
            bubblewrap()  # before any model runs: pass@1 needs the sandbox
        except SandboxUnavailable as exc:
            return common.fail(str(exc))

    def load(model: str) -> Engine:
        return load_engine(resolve(common.variant(model, [])[0]), each[model][0].engine)

    bar = tqdm(total=len(tasks) * len(chosen) * len(models), unit="task", file=sys.stderr)
    views = _views(args, settings) if any("@workspace" in m for m in chosen) else None
    rows, peak = runner.run_bench(
        tasks,
        models,
        chosen,
        lambda model: each[model][0],
        load,
        args.time_budget,
        on_row=lambda row: bar.update(),
        views=views,
    )
    bar.close()
    runner.score_tests(rows, {t.task_id: t for t in tasks})
    summary = runner.summarise(rows, peak)
    if args.source == "repo":
        summary = runner.summarise_groups(rows, peak)
    print(report.markdown_table(summary))
    if args.out is not None:
        config = {
            "command": common.command_line(),
            "models": models,
            "modes": chosen,
            "tasks": len(tasks),
            "seed": args.seed,
            "layout": None if args.source == "repo" else args.layout,
            "holes": args.holes if args.source == "repo" else None,
            "max_tokens": args.max_tokens,
            "deadline_ms": args.deadline_ms,
            "candidates": args.candidates,
            "settings": to_wire(settings),
        }
        written = report.write_outputs(args.out, config, runner.rows_as_dicts(rows), summary)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
