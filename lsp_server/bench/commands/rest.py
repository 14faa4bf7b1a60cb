"""`slm-ls bench rest FILE:LINE:COL`: the first keystroke after a rest, with and
without the cursor reported, on an idle machine or beside busy processes (issue 18,
item 8)."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from lsp_server.bench.commands import common

NAMES = ("rest",)


def add(sources: Any) -> None:
    parser = common.subcommand(sources, "rest", "the first keystroke after a rest", run)
    parser.add_argument("where", help="FILE:LINE:COL (1-based), the cursor")
    parser.add_argument("--rest", type=float, default=20.0, help="seconds of rest")
    parser.add_argument("--busy", type=int, default=0, help="busy processes beside the server")
    parser.add_argument("--tries", type=int, default=4)
    parser.add_argument("--type", dest="typed", default=" ", help="what is typed after the rest")
    parser.add_argument(
        "--cursor", default="on,off", help="comma-separated: on (reported), off (not)"
    )


def run(args: argparse.Namespace) -> int:
    from lsp_server.client.rest import RestPlan, rest

    try:
        path, offset = _where(args.where)
    except ValueError as exc:
        return common.fail(f"rest: {exc}")
    rows = []
    for model in args.model or [None]:
        for cursor in [c.strip() for c in args.cursor.split(",") if c.strip()]:
            plan = RestPlan(
                path, offset, args.typed, args.rest, cursor == "on", args.tries, args.busy
            )
            tries = rest(model, common.overrides(args.set), plan)
            rows.append(_row(model or "default", cursor, args, tries))
    table = _markdown(rows)
    print(table)
    if args.out is not None:
        config = {"command": common.command_line(), "settings": common.overrides(args.set)}
        common.write_results(args.out, config, {"rows": rows}, table)
    return 0


def _where(spec: str) -> tuple[Path, int]:
    name, line, column = spec.rsplit(":", 2)
    path = Path(name)
    lines = path.read_text(encoding="utf-8").split("\n")
    row, col = int(line) - 1, int(column) - 1
    if not (0 <= row < len(lines) and 0 <= col <= len(lines[row])):
        raise ValueError(f"{spec} is not in the file")
    return path, sum(len(text) + 1 for text in lines[:row]) + col


def _row(model: str, cursor: str, args: argparse.Namespace, tries: list[Any]) -> dict[str, Any]:
    latencies = [t.latency_ms for t in tries]
    return {
        "model": model,
        "cursor": cursor,
        "busy": args.busy,
        "rest_s": args.rest,
        "tries": len(tries),
        "answered": sum(1 for t in tries if t.suggestion),
        "p50_ms": statistics.median(latencies) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "latencies_ms": [round(x) for x in latencies],
        "from_short_prompt": sum(1 for t in tries if t.quick),
        "from_cache": sum(1 for t in tries if t.cache_hit),
    }


def _markdown(rows: list[dict[str, Any]]) -> str:
    head = "| model | cursor reported | busy | answered | p50 ms | max ms | each (ms) |"
    lines = [head + " short prompt | cache |", "|" + "---|" * 9]
    for r in rows:
        each = ", ".join(str(x) for x in r["latencies_ms"])
        lines.append(
            f"| {r['model']} | {r['cursor']} | {r['busy']} | {r['answered']}/{r['tries']} | "
            f"{r['p50_ms']:.0f} | {r['max_ms']:.0f} | {each} | {r['from_short_prompt']} | "
            f"{r['from_cache']} |"
        )
    return "\n".join(lines)
