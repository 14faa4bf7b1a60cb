"""`slm-ls bench fix`: "Fix this" on mutated HumanEval solutions, scored by their tests,
through the code action's own entry."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tqdm import tqdm

from lsp_server.bench.commands import common
from lsp_server.bench.sandbox import SandboxUnavailable, bubblewrap
from lsp_server.config.settings import EngineSettings, Settings, parse_settings
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve

NAMES = ("fix",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "fix", '"Fix this" on mutated HumanEval code', run)
    common.add_modes(parser)


def run(args: argparse.Namespace) -> int:
    from lsp_server.bench import fix

    try:
        chosen = common.modes(args, ("full", "naive"))
        bubblewrap()  # fixed = the tests pass: the sandbox runs them
    except (ValueError, SandboxUnavailable) as exc:
        return common.fail(f"fix: {exc}")
    models = args.model or [common.DEFAULT_MODEL]
    base = Settings(engine=EngineSettings(threads=args.threads))
    engine_settings = parse_settings(common.overrides(args.set), base)[
        0
    ].engine  # e.g. a remote engine
    bar = tqdm(unit="fix", file=sys.stderr)
    rows, found = fix.run_fix_bench(
        models,
        chosen,
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
        config = {"command": common.command_line(), "bugs": len(found)}
        common.write_results(
            args.out, config, {"summary": summary, "rows": fix.as_json(rows)}, table
        )
    return 0
