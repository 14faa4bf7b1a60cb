"""What the bench subcommands share: the model/output/settings arguments, `--set`
parsing, the command line recorded with results, and the writers."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def add_common(parser: argparse.ArgumentParser, model_help: str = "") -> None:
    """--model, --limit, --seed, --out, --set, --threads, --log-level."""
    parser.add_argument(
        "--model",
        action="append",
        help=model_help
        or "catalog name or .gguf (repeatable); NAME+KEY=VALUE: with settings of its own",
    )
    parser.add_argument("--limit", type=int, help="at most N tasks (sampled with --seed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the results there")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting, e.g. completion.fimOrder=spm (repeatable)",
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--log-level", default="warning", choices=("debug", "info", "warning", "error")
    )


def subcommand(sources: Any, name: str, summary: str, run: Callable[..., int]) -> Any:
    """A `slm-ls bench NAME` parser with the common arguments, running `run`."""
    parser = sources.add_parser(name, help=summary)
    add_common(parser)
    parser.set_defaults(run=run)
    return parser


def add_modes(parser: argparse.ArgumentParser, default: str = "full") -> None:
    parser.add_argument("--mode", default=default, help="comma-separated: full, naive")


def modes(args: argparse.Namespace, allowed: tuple[str, ...] | None = None) -> list[str]:
    """The --mode list; ValueError for one not in `allowed`."""
    found = [m.strip() for m in args.mode.split(",") if m.strip()]
    bad = [m for m in found if allowed is not None and m not in allowed]
    if bad:
        raise ValueError(f"--mode among {', '.join(allowed or ())}, not {', '.join(bad)}")
    return found


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


def variant(spec: str, pairs: list[str]) -> tuple[str, dict[str, Any]]:
    """A `--model` as the model's name and the settings it runs with: the `--set`
    pairs, then its own after `+` (`qwen2.5-coder-1.5b+engine.speculative=off`), so
    that one run compares settings side by side as it compares models."""
    name, *own = spec.split("+")
    return name, overrides(pairs + own)


def command_line() -> str:
    """The command as typed, for the results."""
    return "slm-ls bench " + shlex.join(sys.argv[2:])


def fail(message: str) -> int:
    print(f"slm-ls bench: {message}", file=sys.stderr)
    return 2


def write_results(out: Path, config: dict[str, Any], result: dict[str, Any], table: str) -> None:
    """results.json (the config with the result) and results.md (the command, the table)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"config": config, **result}, indent=1))
    (out / "results.md").write_text(f"Command: `{config['command']}`\n\n{table}\n")
    print(f"\nwrote {out}/results.json, results.md")


def one_row(summary: dict[str, Any]) -> str:
    """A summary as a one-row Markdown table."""
    cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in summary.values()]
    return "\n".join(
        [
            "| " + " | ".join(summary) + " |",
            "|" + "---|" * len(summary),
            "| " + " | ".join(cells) + " |",
        ]
    )


def write_json(out: Path, name: str, summary: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps({"command": command_line(), "summary": summary}, indent=1))
