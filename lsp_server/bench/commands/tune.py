"""`slm-ls tune [PATH]`: the plan, the replay of every configuration, the table, the
winner written when the person says so (bench/tune.py)."""

from __future__ import annotations

import argparse
import sys

from lsp_server.bench import tune
from lsp_server.config.settings import Settings
from lsp_server.config.user import user_settings_file
from lsp_server.runtime.runtime import Runtime
from lsp_server.tuning import auto


def run(args: argparse.Namespace) -> int:
    try:
        plan = tune.plan(args.path, args.budget, args.seed)
    except tune.TuneError as exc:
        print(f"slm-ls tune: {exc}", file=sys.stderr)
        return 2
    print(tune.describe(plan))
    if args.dry_run:
        return 0
    try:
        rows = tune.run(args.path, plan, args.seed)
    except tune.TuneError as exc:
        print(f"slm-ls tune: {exc}", file=sys.stderr)
        return 2
    print(tune.table(rows))
    best = tune.winner(rows)
    config = best["config"]
    print(f"winner: {config.label} ({best['accepted_in_time_share'] * 100:.1f} % accepted in time)")
    runtime = Runtime(Settings())
    pull = auto.to_pull(runtime.profile, runtime.settings)
    if pull:
        print("not on disk (predicted on this machine; pull one, then tune again):")
        print("\n".join(f"  {line}" for line in pull))
    where = user_settings_file()
    if args.write or _yes(f"write it to {where}?"):
        print(f"written to {tune.write(config, where)} (the editor's own settings still win)")
    return 0


def _yes(question: str) -> bool:
    if not sys.stdin.isatty():
        print("not written (pass --write to write it)")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
