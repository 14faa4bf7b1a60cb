"""`slm-ls bench load`: many notifications and superseded requests against the real
server; memory must stay flat, and a keystroke cheap in large documents."""

from __future__ import annotations

import argparse
from typing import Any

from lsp_server.bench.commands import common

# Fails above this: a leak of a Future per message was 2 KB.
FLAT_KB_PER_MESSAGE = 0.5

NAMES = ("load",)


def add(sources: Any) -> None:
    common.subcommand(sources, "load", "memory per message, keystroke cost at size", run)


def run(args: argparse.Namespace) -> int:
    from lsp_server.client.load import load

    notifications = args.limit or 50_000
    result = load((args.model or [None])[0], notifications, max(notifications // 50, 10))
    growth = result.growth_kb_per_message
    flat = growth is not None and growth <= FLAT_KB_PER_MESSAGE
    summary = {**vars(result), "growth_kb_per_message": growth, "flat": flat}
    print(common.one_row(summary))
    if args.out is not None:
        common.write_json(args.out, "load.json", summary)
    return 0 if flat else 1
