"""`slm-ls bench SOURCE`: one subcommand per task source, each owning its arguments
(common.py holds what they share)."""

from __future__ import annotations

import argparse
import sys

from lsp_server.bench.commands import (
    completion,
    fix,
    hover,
    index,
    load,
    next_edit,
    overhead,
    replay,
    rest,
)

SUBCOMMANDS = (completion, replay, rest, fix, hover, next_edit, overhead, load, index)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sources = parser.add_subparsers(dest="source", metavar="SOURCE")
    for module in SUBCOMMANDS:
        module.add(sources)


def run(args: argparse.Namespace) -> int:
    if args.source is None:
        names = ", ".join(name for module in SUBCOMMANDS for name in module.NAMES)
        print(f"slm-ls bench: give a source ({names})", file=sys.stderr)
        return 2
    result: int = args.run(args)
    return result
