"""`slm-ls tune [PATH]`: the person's own code decides the configuration.

The files changed in PATH's recent git history (else a sample of its source files) are
re-typed through the real server — `bench replay`'s engine: bodies typed as people
type, human pauses, a patience of 1 s — once per configuration this machine can run
(each model on disk, the workspace context on and off, the fast/slow pairing), within
a time budget. The table says what each gives; the winner can be written to the user
settings file the server reads (docs/tuning.md)."""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lsp_server.bench.repo_holes import (
    EXTENSIONS,
    MAX_FILE_BYTES,
    SKIP_DIRS,
    SKIP_NAMES,
    replay_holes,
)
from lsp_server.client.replay import HUMAN_PAUSES, ReplayPlan, replay
from lsp_server.config.user import user_settings_file
from lsp_server.tuning.auto import candidates
from lsp_server.workspace import git

STEP_S = 0.8  # a keystroke's request and the pause after it, in the replay (estimate)
LOAD_S = 8.0  # a server's start and its model's load
HISTORY = 200  # commits of PATH's history that name the files
MOST_FILES = 12
STEPS_PER_BODY = 20  # keystroke requests a function body takes to re-type, about
NOISE = 0.05  # a configuration must beat the default by this share to be written


@dataclass(frozen=True)
class Config:
    label: str
    model: str
    settings: dict[str, Any] = field(default_factory=dict)
    workspace: bool = False


@dataclass(frozen=True)
class Plan:
    files: list[Path]
    configs: list[Config]
    steps: int  # completion requests per configuration
    expected_s: float
    source: str  # where the files came from


class TuneError(Exception):
    """Nothing to tune on; the message says why."""


def configurations() -> list[Config]:
    """Each FIM model on disk alone; each larger one also with the workspace context
    and paired with the smallest as its fast model; and the default (auto)."""
    on_disk = sorted((c for c in candidates() if c.on_disk and c.fim), key=lambda c: c.size_bytes)
    if not on_disk:
        raise TuneError("no model on disk: run `slm-ls models pull qwen2.5-coder-0.5b` first")
    configs = [Config("default (auto)", "auto")]
    smallest = on_disk[0]
    for model in on_disk:
        configs.append(Config(model.name, model.name))
        if model is not smallest:
            on = {"context": {"workspace": True}}
            configs.append(Config(f"{model.name} + workspace", model.name, on, workspace=True))
            pair = {"fastModel": smallest.name}
            configs.append(Config(f"{model.name} + fast {smallest.name}", model.name, pair))
    return configs


def source_files(root: Path, seed: int) -> tuple[list[Path], str]:
    """The files changed in `root`'s recent history, else a sample of its sources."""
    if not root.is_dir():
        raise TuneError(f"{root} is not a folder")
    try:
        log = git.text(root, "log", f"-n{HISTORY}", "--name-only", "--format=")
        changed = [root / name for name in dict.fromkeys(log.splitlines()) if name.strip()]
        found = [p for p in changed if _usable(p, root)]
        if found:
            return found[:MOST_FILES], "files changed in the recent git history"
    except git.GitError:
        pass
    every = sorted(p for p in root.rglob("*") if _usable(p, root))
    random.Random(seed).shuffle(every)
    if not every:
        raise TuneError(f"no source file with a grammar under {root}")
    return every[:MOST_FILES], "a sample of the source files (not a git repository)"


def _usable(path: Path, root: Path) -> bool:
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
    if not relative or path.suffix.lower() not in EXTENSIONS or path.is_symlink():
        return False
    if SKIP_DIRS.search(relative) or SKIP_NAMES.search(path.name) or "/." in f"/{relative}":
        return False
    return path.is_file() and 0 < path.stat().st_size <= MAX_FILE_BYTES


def plan(root: Path, budget_s: float, seed: int = 0) -> Plan:
    """The files, the configurations and the keystrokes each gets within `budget_s`:
    as many files as those keystrokes can re-type (a body each)."""
    files, source = source_files(root, seed)
    configs = configurations()
    per_config = budget_s / len(configs) - LOAD_S
    steps = max(10, int(per_config / STEP_S))
    files = files[: max(1, steps // STEPS_PER_BODY)]
    return Plan(files, configs, steps, len(configs) * (LOAD_S + steps * STEP_S), source)


def describe(chosen: Plan) -> str:
    lines = [f"files ({chosen.source}):"] + [f"  {p}" for p in chosen.files]
    lines.append(f"configurations ({len(chosen.configs)}), {chosen.steps} keystrokes each:")
    lines += [f"  {c.label}" for c in chosen.configs]
    lines.append(f"expected time: {chosen.expected_s / 60:.1f} min")
    return "\n".join(lines)


def run(root: Path, chosen: Plan, seed: int = 0) -> list[dict[str, Any]]:
    """Each configuration through the real server; one summary per configuration."""
    from lsp_server.bench.replay_report import summarise

    documents = [(p, replay_holes(p, 1, seed)) for p in chosen.files]
    documents = [(p, spans) for p, spans in documents if spans]
    if not documents:
        raise TuneError("no function body to re-type in the chosen files")
    base = ReplayPlan(documents, None, chosen.steps, 3600.0, 0, HUMAN_PAUSES, patience=1.0)
    rows = []
    for index, config in enumerate(chosen.configs, 1):
        started = time.monotonic()
        _progress(index, len(chosen.configs), config.label, "…")
        where = root.resolve() if config.workspace else None
        mode = "full@workspace" if config.workspace else "full"
        one = replay(
            [mode], replace(base, model=config.model, settings=config.settings, workspace=where)
        )[0]
        steps = [vars(step) for step in one.steps]
        summary = summarise(config.label, steps, one.server, one.hole_chars, one.rss_mb, 0)
        rows.append({"config": config, **summary})
        _progress(index, len(chosen.configs), config.label, f"{time.monotonic() - started:.0f} s")
    return rows


def _progress(index: int, count: int, label: str, note: str) -> None:
    filled = int(20 * (index - (note == "…")) / count)
    print(
        f"\r[{'#' * filled}{'.' * (20 - filled)}] {index}/{count} {label} {note}   ",
        file=sys.stderr,
    )


def winner(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The configuration with the most text accepted in time — the default unless
    another beats it by NOISE: a 10-minute replay re-types a few bodies, and a lead
    smaller than that is chance (docs/tuning.md: a winner by 0.1 point re-measured at
    0.83x the default on other files of the same repository)."""
    best = max(rows, key=lambda r: (r["accepted_in_time_share"], -(r["latency_p50_ms"] or 0)))
    default = next((r for r in rows if r["config"].model == "auto"), None)
    if default is None:
        return best
    if best["accepted_in_time_share"] < default["accepted_in_time_share"] * (1 + NOISE):
        return default
    return best


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| configuration | accepted in time | p50 ms | p95 ms | no answer in time | RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['config'].label} | {r['accepted_in_time_share'] * 100:.1f} % | "
            f"{r['latency_p50_ms'] or 0:.0f} | {r['latency_p95_ms'] or 0:.0f} | "
            f"{r['late_share'] * 100:.1f} % | {r['rss_mb'] or 0:.0f} |"
        )
    return "\n".join(lines)


def settings_of(config: Config) -> dict[str, Any]:
    """What writing `config` puts in the user settings file (the default: "auto", and
    what an earlier tune wrote removed — see `write`)."""
    if config.model == "auto":
        return {"model": "auto"}
    chosen: dict[str, Any] = {"model": config.model, **config.settings}
    chosen.setdefault("fastModel", None)
    chosen.setdefault("context", {}).setdefault("workspace", config.workspace)
    return chosen


def write(config: Config, where: Path | None = None) -> Path:
    """Merge `config`'s settings into the user settings file (the rest is kept)."""
    where = where or user_settings_file()
    try:
        current = json.loads(where.read_text(encoding="utf-8")) if where.is_file() else {}
    except (OSError, ValueError):
        current = {}
    current = current if isinstance(current, dict) else {}
    if config.model == "auto":  # what an earlier tune chose goes: auto chooses it again
        current.pop("fastModel", None)
        if isinstance(current.get("context"), dict):
            current["context"].pop("workspace", None)
    for key, value in settings_of(config).items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            current[key] = {**current[key], **value}
        else:
            current[key] = value
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return where
