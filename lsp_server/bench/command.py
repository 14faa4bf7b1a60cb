"""`slm-ls bench`: pick tasks, run models and modes, print and write the results."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lsp_server.bench import humaneval, report, runner
from lsp_server.bench.repo_holes import replay_holes, repo_tasks
from lsp_server.bench.sandbox import SandboxUnavailable, bubblewrap
from lsp_server.bench.tasks import LAYOUTS, Task, in_layout, load_tasks
from lsp_server.config.settings import (
    CompletionSettings,
    EngineSettings,
    Settings,
    parse_settings,
    to_wire,
)
from lsp_server.engines.base import Engine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve

# `bench load` fails above this: a leak of a Future per message was 2 KB.
FLAT_KB_PER_MESSAGE = 0.5
SOURCES = (
    "humaneval-single",
    "humaneval-multi",
    "repo",
    "replay",
    "overhead",
    "load",
    "fix",
    "hover",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", choices=SOURCES, help="task source")
    parser.add_argument(
        "path",
        nargs="*",
        type=Path,
        help="repo: the repository (default: .); replay: the files to re-type",
    )
    parser.add_argument("--tasks", type=Path, help="tasks from a .jsonl or .jsonl.gz file")
    parser.add_argument("--model", action="append", help="catalog name or .gguf (repeatable)")
    parser.add_argument("--mode", default="full", help="comma-separated: full, naive")
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
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting, e.g. completion.fimOrder=spm (repeatable)",
    )
    parser.add_argument("--holes", type=int, default=2, help="replay: holes per file")
    parser.add_argument(
        "--peer",
        choices=("llama.vim",),
        help="replay: also send, for the same typing, the requests this peer sends to "
        "the llama-server at --peer-url (default: engine.url of --set)",
    )
    parser.add_argument("--peer-url", help="replay: the peer's llama-server")
    parser.add_argument(
        "--concurrency",
        help="replay: comma-separated team sizes (1,2,4,8): that many people typing "
        "different files at once, each with their own server, on one engine",
    )
    parser.add_argument(
        "--hover-every",
        type=int,
        default=0,
        help="replay: also run each mode with a hover on the word just typed every N "
        "keystrokes, reported next to the plain run",
    )
    parser.add_argument(
        "--max-steps", type=int, default=60, help="replay: most completion requests per mode"
    )
    parser.add_argument(
        "--pauses",
        choices=("none", "human"),
        default="none",
        help="replay: 'human' waits 150 ms after a word, 400 ms after a line and 2 s "
        "after opening a document; 'none' types on as soon as the answer is in",
    )
    parser.add_argument(
        "--open-files",
        type=int,
        default=20,
        help="replay: then open N files and report the server's memory",
    )


def select_tasks(args: argparse.Namespace) -> list[Task]:
    if args.tasks is not None:
        tasks = humaneval.sample(load_tasks(args.tasks), args.limit, args.seed)
    elif args.source == "repo":
        root = args.path[0] if args.path else Path.cwd()
        return repo_tasks(root, args.limit or 100, args.seed, args.include_all)
    else:
        problems = humaneval.load_problems()
        make = (
            humaneval.single_line_tasks
            if args.source == "humaneval-single"
            else humaneval.multi_line_tasks
        )
        tasks = humaneval.sample(make(problems), args.limit, args.seed)
    return [in_layout(task, args.layout) for task in tasks]


def overrides(pairs: list[str]) -> dict[str, Any]:
    """`a.b=c` pairs as a nested settings dict (values parsed as JSON when they can be)."""
    tree: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


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
    if args.source == "replay":
        return run_replay(args)
    if args.source == "overhead":
        return run_overhead(args)
    if args.source == "load":
        return run_load(args)
    if args.source == "fix":
        return run_fix(args)
    if args.source == "hover":
        return run_hover(args)
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
    base = Settings(
        engine=EngineSettings(threads=args.threads),
        completion=replace(
            CompletionSettings(), max_tokens=args.max_tokens, deadline_ms=args.deadline_ms
        ),
    )
    settings, errors = parse_settings(overrides(args.set), base)
    if errors:
        print("slm-ls bench: " + "; ".join(errors), file=sys.stderr)
        return 2

    def load(model: str) -> Engine:
        return load_engine(resolve(model), settings.engine)

    if any(task.has_tests for task in tasks):
        try:
            bubblewrap()  # before any model runs: pass@1 needs the sandbox
        except SandboxUnavailable as exc:
            print(f"slm-ls bench: {exc}", file=sys.stderr)
            return 2
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
            "layout": None if args.source == "repo" and args.tasks is None else args.layout,
            "max_tokens": args.max_tokens,
            "deadline_ms": args.deadline_ms,
            "settings": to_wire(settings),
        }
        written = report.write_outputs(args.out, config, runner.rows_as_dicts(rows), summary)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from lsp_server.bench.replay_report import markdown, summarise, write
    from lsp_server.client.replay import (
        HUMAN_PAUSES,
        NO_PAUSES,
        ReplayPlan,
        replay,
        run_llama_vim,
        team_replay,
    )

    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    if not args.path or any(m not in ("full", "naive") for m in modes):
        print("slm-ls bench replay: give FILE... and --mode among full, naive", file=sys.stderr)
        return 2
    models = args.model or [None]
    documents = [(path, replay_holes(path, args.holes, args.seed)) for path in args.path]
    plan = ReplayPlan(
        documents,
        models[0],
        args.max_steps,
        (args.time_budget or 3600.0) / len(modes),
        args.open_files,
        HUMAN_PAUSES if args.pauses == "human" else NO_PAUSES,
        overrides(args.set),
    )
    peer_url = args.peer_url or overrides(args.set).get("engine", {}).get("url")
    if args.peer and not peer_url:
        print("slm-ls bench replay: --peer needs --peer-url (or engine.url)", file=sys.stderr)
        return 2
    if args.concurrency:
        sizes = [int(n) for n in args.concurrency.split(",") if n.strip()]
        runs = team_replay(modes[0], plan, sizes)
        if args.peer:
            runs += team_replay(modes[0], plan, sizes, peer_url)
    else:
        runs = replay(modes, plan)
        if args.peer:
            runs.append(asyncio.run(run_llama_vim(plan, peer_url)))
    if args.hover_every:  # the same typing with hovers, next to the plain runs
        runs += replay(modes, replace(plan, hover_every=args.hover_every))
    summary, raw = {}, {}
    for run in runs:
        steps, hovers = [vars(step) for step in run.steps], [vars(h) for h in run.hovers]
        summary[run.mode] = summarise(
            run.mode, steps, run.server, run.hole_chars, run.rss_mb, run.open_files, hovers
        )
        if run.wall_s:
            generated = sum(r.get("generated_tokens", 0) for r in run.server)
            summary[run.mode]["generated_tokens_per_s"] = generated / run.wall_s
        raw[run.mode] = {"steps": steps, "server": run.server, "hovers": hovers}
    print(markdown(summary))
    if args.out is not None:
        config = {
            "command": "slm-ls bench " + shlex.join(sys.argv[2:]),
            "modes": modes,
            "files": [str(p) for p in args.path],
            "model": models[0],
            "pauses": args.pauses,
            "settings": overrides(args.set),
        }
        written = write(args.out, config, summary, raw)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def run_fix(args: argparse.Namespace) -> int:
    import json

    from lsp_server.bench import fix

    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    if any(m not in ("full", "naive") for m in modes):
        print("slm-ls bench fix: --mode among full, naive", file=sys.stderr)
        return 2
    try:
        bubblewrap()  # fixed = the tests pass: the sandbox runs them
    except SandboxUnavailable as exc:
        print(f"slm-ls bench: {exc}", file=sys.stderr)
        return 2
    models = args.model or ["qwen2.5-coder-0.5b"]
    base = Settings(engine=EngineSettings(threads=args.threads))
    engine_settings = parse_settings(overrides(args.set), base)[0].engine  # e.g. a remote engine
    bar = tqdm(unit="fix", file=sys.stderr)
    rows, found = fix.run_fix_bench(
        models,
        modes,
        args.limit or 100,
        lambda model: load_engine(resolve(model), engine_settings),
        bar.update,
    )
    bar.close()
    summary = fix.summarise(rows)
    table = (
        f"{fix.markdown(summary)}\n\nFixed, by mutation kind (bugs):\n\n{fix.kind_markdown(rows)}"
        f"\n\nUnchanged, by reason (share of the bugs):\n\n{fix.reason_markdown(rows)}"
    )
    print(table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        config = {"command": "slm-ls bench " + shlex.join(sys.argv[2:]), "bugs": len(found)}
        result = {"config": config, "summary": summary, "rows": fix.as_json(rows)}
        (args.out / "results.json").write_text(json.dumps(result, indent=1))
        (args.out / "results.md").write_text(f"Command: `{config['command']}`\n\n{table}\n")
        print(f"\nwrote {args.out}/results.json, results.md")
    return 0


def run_hover(args: argparse.Namespace) -> int:
    from lsp_server.bench import hover
    from lsp_server.client.hovering import HoverAsk, hover_all

    paths = hover.languages_ok(list(args.path))
    if not paths:
        print("slm-ls bench hover: give Python FILE... (e.g. a package's modules)", file=sys.stderr)
        return 2
    limit = args.limit or 50
    chosen = hover.symbols(paths, limit + 1, args.seed)
    asks = [HoverAsk(s.path, s.offset) for s in chosen]
    known = hover.known_names([p.read_text(encoding="utf-8") for p in paths])
    summaries, rows = {}, []
    for model in args.model or [None]:
        bar = tqdm(unit="hover", file=sys.stderr, total=len(asks) - 1)
        answers = hover_all(model, overrides(args.set), asks[:-1], asks[-1], bar.update)
        bar.close()
        mine = [
            hover.row(symbol, a.cold_ms, a.cached_ms, a.markdown, known)
            for symbol, a in zip(chosen, answers, strict=False)
        ]
        summaries[model or "default"] = hover.summarise(mine)
        rows += [{"model": model or "default", **vars(r)} for r in mine]
    table = hover.markdown(summaries)
    print(table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        config = {
            "command": "slm-ls bench " + shlex.join(sys.argv[2:]),
            "files": [str(p) for p in paths],
            "settings": overrides(args.set),
        }
        result = {"config": config, "summary": summaries, "rows": rows}
        (args.out / "results.json").write_text(json.dumps(result, indent=1))
        (args.out / "results.md").write_text(f"Command: `{config['command']}`\n\n{table}\n")
        print(f"\nwrote {args.out}/results.json, results.md")
    return 0


def run_overhead(args: argparse.Namespace) -> int:
    from lsp_server.bench import overhead

    model = (args.model or ["qwen2.5-coder-0.5b"])[0]
    engine = load_engine(resolve(model), EngineSettings(threads=args.threads))
    summary = overhead.run(
        args.path[0] if args.path else None, engine, args.limit or 300, args.seed
    )
    print("| " + " | ".join(summary) + " |")
    print("|" + "---|" * len(summary))
    print(
        "| "
        + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in summary.values())
        + " |"
    )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "overhead.json").write_text(
            json.dumps(
                {"command": "slm-ls bench " + shlex.join(sys.argv[2:]), "summary": summary},
                indent=1,
            )
        )
    return 0


def run_load(args: argparse.Namespace) -> int:
    from lsp_server.client.load import load

    notifications = args.limit or 50_000
    result = load((args.model or [None])[0], notifications, max(notifications // 50, 10))
    growth = result.growth_kb_per_message
    flat = growth is not None and growth <= FLAT_KB_PER_MESSAGE
    summary = {**vars(result), "growth_kb_per_message": growth, "flat": flat}
    print("| " + " | ".join(summary) + " |")
    print("|" + "---|" * len(summary))
    print("| " + " | ".join(_cell(v) for v in summary.values()) + " |")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        command = "slm-ls bench " + shlex.join(sys.argv[2:])
        (args.out / "load.json").write_text(
            json.dumps({"command": command, "summary": summary}, indent=1)
        )
    return 0 if flat else 1


def _cell(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
