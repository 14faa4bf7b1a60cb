"""`model: "auto"` in practice: this machine's facts and profile, the catalog's models
and which are on disk, the decision (choose.py), and the settings it implies — applied
under whatever the person set (config/live.py)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_server.config.settings import EngineKind, EngineSettings, Settings
from lsp_server.engines.loader import build_id
from lsp_server.models.catalog import CATALOG, DEFAULT_MODEL
from lsp_server.models.resolve import cache_dir as models_dir
from lsp_server.tuning.choose import Budgets, Candidate, Choice, Machine, decide
from lsp_server.tuning.predict import Prediction, predict
from lsp_server.tuning.profile import MachineKey, Profile
from lsp_server.tuning.quality import quality

AUTO = "auto"
# Of the memory available when the server starts, what a model may take: the editor,
# the browser and the build keep the rest.
MEMORY_SHARE = 0.6


def machine_key(settings: Settings) -> MachineKey:
    """What changes this machine's speed, for these engine settings."""
    return _key_for(settings.engine)


@functools.lru_cache(maxsize=8)
def _key_for(engine: EngineSettings) -> MachineKey:
    """Computed once per engine settings: the profile is looked up on every model call
    (real requests' speeds are kept), and reading /proc/cpuinfo and llama.cpp's build
    flags there each time would be work on the keystroke's path for nothing."""
    cores = os.cpu_count() or 1
    threads = engine.threads or max(1, min(cores, 8))
    return MachineKey(_cpu_name(), cores, threads, build_id(engine), engine.gpu_layers)


def _cpu_name() -> str:
    try:
        for line in (
            Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
        ):
            if line.startswith(("model name", "Hardware", "cpu model")):
                return line.split(":", 1)[1].strip()[:200]
    except OSError:
        pass
    import platform

    return (platform.processor() or platform.machine() or "unknown")[:200]


def available_memory() -> int:
    """Bytes a model may take: MEMORY_SHARE of the memory available now."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                return int(MEMORY_SHARE * int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(MEMORY_SHARE * total)
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def candidates(folder: Path | None = None, unusable: set[str] | None = None) -> list[Candidate]:
    """Every catalog model, on disk or not (only those on disk are chosen; the others
    are suggested); `unusable` ones (they failed to load) count as not on disk."""
    where, unusable = folder or models_dir(), unusable or set()
    return [
        Candidate(
            entry.name,
            entry.size_bytes,
            entry.name not in unusable and (where / entry.filename).is_file(),
            entry.fim,
            quality(entry.name, entry.size_bytes),
        )
        for entry in CATALOG
        if entry.size_bytes > 0
    ]


def machine(profile: Profile, memory: int | None = None) -> Machine:
    own = {name: rates for name in profile.samples if (rates := profile.rates(name))}
    found = profile.any_rates()
    return Machine(
        found[1] if found else None, available_memory() if memory is None else memory, own
    )


@dataclass(frozen=True)
class Decision:
    choice: Choice
    overlay: dict[str, Any]  # the settings it implies, camelCase as on the wire


def choose(
    settings: Settings, profile: Profile, named: str | None = None, unusable: set[str] | None = None
) -> Decision:
    """The configuration for these settings on this machine: the model (`named` when the
    person named one: then only the report), and what follows it."""
    if settings.engine.kind != EngineKind.LOCAL:
        return Decision(_remote(settings, profile, named), {})
    found = candidates(unusable=unusable)
    choice = decide(machine(profile), found, settings.completion.patience_ms, named)
    return Decision(choice, {} if named else overlay(choice))


def _remote(settings: Settings, profile: Profile, named: str | None) -> Choice:
    """A remote engine runs the server's model: nothing to choose here; the report says
    what was measured through its API."""
    engine = settings.engine
    tokenizer = named or DEFAULT_MODEL
    found = profile.any_rates()
    speed = (
        f"measured {found[1].prompt_short:.0f} prompt / {found[1].decode:.1f} generated tokens/s"
        if found
        else "speed not measured yet"
    )
    reason = f"remote engine: {engine.model or 'its model'} at {engine.url} ({speed})"
    return Choice(tokenizer, None, False, Budgets(), None, 0.0, reason)


def overlay(choice: Choice) -> dict[str, Any]:
    budgets = choice.budgets
    budget = (
        {} if budgets.prompt_budget_ms is None else {"promptBudgetMs": budgets.prompt_budget_ms}
    )
    return {
        "model": choice.model,
        "fastModel": choice.fast_model,
        "context": {"workspace": choice.workspace, "workspaceTokens": budgets.workspace},
        "completion": {
            "prefixTokens": budgets.prefix,
            "suffixTokens": budgets.suffix,
            "contextTokens": budgets.context,
            "quickStart": budgets.quick_start,
            **budget,
        },
    }


def report(
    decision: Decision | None, profile: Profile, probes: int = 0, stopped: int = 0
) -> dict[str, Any]:
    """What was measured and chosen, and why, as plain JSON (slmls/stats, doctor,
    the editors' status): counts and speeds, nothing of the person's code."""
    if decision is None:
        return {"chosen": None, "reason": "not decided yet"}
    choice = decision.choice
    measured = [
        {
            "model": name,
            "promptShort": round(r.prompt_short, 1),
            "promptFull": round(r.prompt_full, 1),
            "decode": round(r.decode, 1),
            "probes": len(profile.samples.get(name, [])),
            "observedRequests": len(profile.observed.get(name, [])),
        }
        for name in profile.samples
        if (r := profile.rates(name)) is not None
    ]
    predicted = choice.prediction
    return {
        "auto": bool(decision.overlay),
        "chosen": choice.model,
        "fastModel": choice.fast_model,
        "workspace": choice.workspace,
        "promptTokens": {
            "prefix": choice.budgets.prefix,
            "suffix": choice.budgets.suffix,
            "context": choice.budgets.context,
            "workspace": choice.budgets.workspace,
            "quickStart": choice.budgets.quick_start,
        },
        "predictedMs": (
            {"p50": round(predicted.p50_ms), "p95": round(predicted.p95_ms)} if predicted else None
        ),
        "predictedMemoryMb": round(predicted.rss_bytes / 1e6) if predicted else None,
        "reason": choice.reason,
        "better": choice.better,
        "pull": f"slm-ls models pull {choice.better}" if choice.better else None,
        "measured": measured,
        "machine": {
            "cpu": profile.key.cpu,
            "cores": profile.key.cores,
            "threads": profile.key.threads,
        },
        "probesThisSession": probes,
        "probesInterrupted": stopped,
    }


def _scored(profile: Profile, settings: Settings) -> list[tuple[Candidate, Prediction, float]]:
    """Each catalog model with its prediction here and its expected share of typed text
    accepted in time (none before the machine is measured)."""
    found = machine(profile)
    if found.rates is None:
        return []
    patience = settings.completion.patience_ms
    scored = []
    for candidate in candidates():
        said = predict(found.own.get(candidate.name) or found.rates, candidate.size_bytes)
        scored.append((candidate, said, candidate.quality.in_time * said.in_time(patience)))
    return scored


def predictions(profile: Profile, settings: Settings) -> list[str]:
    """One line per model on disk: its predicted keystroke p50/p95, memory and expected
    share of typed text accepted in time here."""
    return [
        f"{c.name}: p50 {said.p50_ms:.0f} ms, p95 {said.p95_ms:.0f} ms, "
        f"{said.rss_bytes / 1e6:.0f} MB, {share * 100:.1f} % accepted in time"
        for c, said, share in _scored(profile, settings)
        if c.on_disk
    ]


def to_pull(profile: Profile, settings: Settings, count: int = 3) -> list[str]:
    """The catalog models not on disk that would give the most here (fitting the
    memory), each with its predicted cost and its download: what `slm-ls tune` offers
    to pull (never pulled unasked)."""
    memory = available_memory()
    missing = [
        (share, c, said)
        for c, said, share in _scored(profile, settings)
        if not c.on_disk and c.fim and said.rss_bytes <= memory
    ]
    missing.sort(key=lambda found: -found[0])
    return [
        f"{c.name}: {share * 100:.1f} % accepted in time expected, p50 {said.p50_ms:.0f} ms, "
        f"{said.rss_bytes / 1e9:.1f} GB of memory; a {c.size_bytes / 1e9:.1f} GB download: "
        f"slm-ls models pull {c.name}"
        for share, c, said in missing[:count]
    ]
