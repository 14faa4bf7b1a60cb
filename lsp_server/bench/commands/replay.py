"""`slm-ls bench replay FILE...`: re-type holes of real files through the real server,
as a person would (or a team, or llama.vim's requests for the same typing)."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsp_server.bench.commands import common
from lsp_server.bench.repo_holes import replay_holes
from lsp_server.syntax.languages import language_of_path

NAMES = ("replay",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "replay", "re-type files through the real server", run)
    parser.add_argument("path", nargs="+", type=Path, help="the files to re-type")
    common.add_modes(parser)
    parser.add_argument("--holes", type=int, default=2, help="holes per file")
    parser.add_argument(
        "--peer",
        choices=("llama.vim",),
        help="also send, for the same typing, the requests this peer sends to the "
        "llama-server at --peer-url (default: engine.url of --set)",
    )
    parser.add_argument("--peer-url", help="the peer's llama-server")
    parser.add_argument(
        "--concurrency",
        help="comma-separated team sizes (1,2,4,8): that many people typing different "
        "files at once, each with their own server, on one engine",
    )
    parser.add_argument(
        "--hover-every",
        type=int,
        default=0,
        help="also run each mode with a hover on the word just typed every N keystrokes, "
        "reported next to the plain run",
    )
    parser.add_argument(
        "--max-steps", type=int, default=60, help="most completion requests per mode"
    )
    parser.add_argument(
        "--pauses",
        choices=("none", "human"),
        default="human",
        help="'human' (the default) waits 150 ms after a word, 400 ms after a line and 2 s "
        "after opening a document; 'none' types on as soon as the answer is in",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds the person waits for a suggestion before typing on (the request is "
        "cancelled and its answer never shown); 0: until it comes (default 1.0)",
    )
    parser.add_argument(
        "--open-files", type=int, default=20, help="then open N files and report the memory"
    )
    parser.add_argument(
        "--time-budget", type=float, metavar="SEC", help="at most SEC seconds in all"
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        help="also run each mode as MODE@workspace: the server gets this folder as its "
        "workspace (the index, context from files that are not open), side by side",
    )
    parser.add_argument(
        "--accept",
        default="whole",
        help="comma-separated, side by side: what the person takes of a right suggestion "
        "— whole (all of it with one key, or its first line: the default), line (its "
        "right lines, a key each), word (its right word-aligned start, a key a word); "
        "the partial accepts are told to the server as editors do",
    )
    parser.add_argument(
        "--during-indexing",
        action="store_true",
        help="with --workspace: start typing at once, while the index is being built",
    )


def run(args: argparse.Namespace) -> int:
    from lsp_server.bench.replay_report import by_language, markdown, summarise, write
    from lsp_server.client.replay import (
        HUMAN_PAUSES,
        NO_PAUSES,
        AcceptPolicy,
        ReplayPlan,
        replay,
        run_llama_vim,
        team_replay,
    )

    try:
        chosen = common.modes(args, ("full", "naive"))
        policies = [AcceptPolicy(p.strip()) for p in args.accept.split(",") if p.strip()]
    except ValueError as exc:
        return common.fail(f"replay: {exc}")
    if args.workspace is not None:
        chosen = [m for mode in chosen for m in (mode, f"{mode}@workspace")]
    documents = [(path, replay_holes(path, args.holes, args.seed)) for path in args.path]
    holes = [
        (language_of_path(path.name) or path.suffix, end - start)
        for path, spans in documents
        for start, end in spans
    ]
    models: list[str | None] = list(args.model or [None])
    plan = ReplayPlan(
        documents,
        common.variant(models[0], [])[0] if models[0] else None,  # teams and peers: the first
        args.max_steps,
        (args.time_budget or 3600.0) / len(chosen),
        args.open_files,
        HUMAN_PAUSES if args.pauses == "human" else NO_PAUSES,
        common.overrides(args.set),
        patience=args.patience,
        workspace=args.workspace.resolve() if args.workspace is not None else None,
        wait_for_index=not args.during_indexing,
    )
    peer_url = args.peer_url or common.overrides(args.set).get("engine", {}).get("url")
    if args.peer and not peer_url:
        return common.fail("replay: --peer needs --peer-url (or engine.url)")
    if args.concurrency:
        sizes = [int(n) for n in args.concurrency.split(",") if n.strip()]
        runs = team_replay(chosen[0], plan, sizes)
        if args.peer:
            runs += team_replay(chosen[0], plan, sizes, peer_url)
    else:
        runs = []
        for spec in models:  # each model (with its own settings) in turn, all modes
            name, settings = common.variant(spec, args.set) if spec else (None, plan.settings)
            for policy in policies or [AcceptPolicy.WHOLE]:
                some = replay(chosen, replace(plan, model=name, settings=settings, accept=policy))
                for one in some:
                    one.mode += f" · {spec}" if len(models) > 1 else ""
                    one.mode += f" · accept {policy}" if len(policies) > 1 else ""
                runs += some
        if args.peer:
            runs.append(asyncio.run(run_llama_vim(plan, peer_url)))
    if args.hover_every:  # the same typing with hovers, next to the plain runs
        runs += replay(chosen, replace(plan, hover_every=args.hover_every))
    summary, raw, raw_messages = {}, {}, {}
    for one in runs:
        steps, hovers = [vars(step) for step in one.steps], [vars(h) for h in one.hovers]
        summary[one.mode] = summarise(
            one.mode, steps, one.server, one.hole_chars, one.rss_mb, one.open_files, hovers
        )
        summary[one.mode].update(by_language(steps, holes))
        summary[one.mode]["configuration"] = one.auto
        summary[one.mode]["messages"] = len(one.messages)
        raw_messages[one.mode] = one.messages
        if one.wall_s:
            generated = sum(r.get("generated_tokens", 0) for r in one.server)
            summary[one.mode]["generated_tokens_per_s"] = generated / one.wall_s
        raw[one.mode] = {
            "steps": steps,
            "server": one.server,
            "hovers": hovers,
            "messages": raw_messages.get(one.mode, []),
        }
    print(markdown(summary))
    if args.out is not None:
        config = {
            "command": common.command_line(),
            "modes": chosen,
            "files": [str(p) for p in args.path],
            "models": models,
            "pauses": args.pauses,
            "patience_s": args.patience,
            "settings": common.overrides(args.set),
        }
        written = write(args.out, config, summary, raw)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
