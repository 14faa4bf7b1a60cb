"""`slm-ls bench index PATH`: the workspace index the server builds for a folder —
how long the first scan takes, how much memory it holds, how fast a restart reads
it back from the disk cache. The server's own indexer, in this process."""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from lsp_server.bench.commands import common
from lsp_server.bench.runner import current_rss_mb
from lsp_server.config.settings import ContextSettings
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.indexer import Indexer
from lsp_server.workspace.scan import Limits

NAMES = ("index",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "index", "the workspace index: time and memory", run)
    parser.add_argument("path", nargs="?", type=Path, help="the folder (default: .)")


def measure(root: Path, settings: ContextSettings) -> dict[str, Any]:
    """A cold scan (no disk cache), then a restart's scan from the cache it wrote."""
    limits = Limits(settings.max_files, settings.max_file_bytes)
    before = current_rss_mb()
    with tempfile.TemporaryDirectory(prefix="slm-ls-index-") as cache:
        index = WorkspaceIndex()
        cold = Indexer(index, [root], limits, Path(cache)).build()
        held = current_rss_mb() - before
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
        started = time.perf_counter()
        warm = Indexer(WorkspaceIndex(), [root], limits, Path(cache)).build()
        warm_s = time.perf_counter() - started
        cache_mb = sum(p.stat().st_size for p in Path(cache).iterdir()) / 2**20
    return {
        "files": cold.files,
        "definitions": cold.definitions,
        "skipped": cold.skipped,
        "cold_s": cold.seconds,
        "files_per_s": cold.files / cold.seconds if cold.seconds else None,
        "held_mb": held,
        "peak_mb": peak,
        "from_cache": warm.from_cache,
        "restart_s": warm_s,
        "cache_mb": cache_mb,
    }


def run(args: argparse.Namespace) -> int:
    root = (args.path or Path.cwd()).resolve()
    if not root.is_dir():
        return common.fail(f"index: not a folder: {root}")
    summary = {"folder": root.name, **measure(root, ContextSettings())}
    print(common.one_row(summary))
    if args.out is not None:
        common.write_json(args.out, "index.json", summary)
    return 0
