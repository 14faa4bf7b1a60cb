"""`slm-ls bench hover FILE...`: hover explanations of symbols, asked of the real server
over LSP: latency cold and cached, and grounding in the code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lsp_server.bench.commands import common

NAMES = ("hover",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "hover", "hover explanations of a package's symbols", run)
    parser.add_argument("path", nargs="+", type=Path, help="Python files (a package's modules)")


def run(args: argparse.Namespace) -> int:
    from lsp_server.bench import hover
    from lsp_server.client.hovering import HoverAsk, hover_all

    paths = hover.languages_ok(list(args.path))
    if not paths:
        return common.fail("hover: give Python FILE... (e.g. a package's modules)")
    limit = args.limit or 50
    chosen = hover.symbols(paths, limit + 1, args.seed)
    asks = [HoverAsk(s.path, s.offset) for s in chosen]
    known = hover.known_names([p.read_text(encoding="utf-8") for p in paths])
    summaries, rows = {}, []
    for model in args.model or [None]:
        bar = tqdm(unit="hover", file=sys.stderr, total=len(asks) - 1)
        answers = hover_all(model, common.overrides(args.set), asks[:-1], asks[-1], bar.update)
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
        config = {
            "command": common.command_line(),
            "files": [str(p) for p in paths],
            "settings": common.overrides(args.set),
        }
        common.write_results(args.out, config, {"summary": summaries, "rows": rows}, table)
    return 0
