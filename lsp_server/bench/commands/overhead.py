"""`slm-ls bench overhead [PATH]`: what slm-ls adds to a request before the model runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lsp_server.bench.commands import common
from lsp_server.config.settings import EngineSettings
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve

NAMES = ("overhead",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "overhead", "the pipeline's own cost per request", run)
    parser.add_argument("path", nargs="?", type=Path, help="a repository (default: HumanEval)")


def run(args: argparse.Namespace) -> int:
    from lsp_server.bench import overhead

    model = (args.model or [common.DEFAULT_MODEL])[0]
    engine = load_engine(resolve(model), EngineSettings(threads=args.threads))
    summary = overhead.run(args.path, engine, args.limit or 300, args.seed)
    print(common.one_row(summary))
    if args.out is not None:
        common.write_json(args.out, "overhead.json", summary)
    return 0
