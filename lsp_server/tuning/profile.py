"""What this machine measured, kept between sessions: the probes' rates per model and
the decode rates of real requests, under a key of what changes speed (CPU, cores,
threads, the engine's build and GPU offload, or the inference server). A file for
another key, a broken or foreign file is ignored (one log line) and measured anew; a
cache folder that cannot be written keeps the figures in memory."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsp_server.tuning.predict import Rates

log = logging.getLogger(__name__)
VERSION = 1
KEEP_SAMPLES = 8  # probes kept per model (the best of them counts)
KEEP_OBSERVED = 64  # decode rates of real requests kept per model
OBSERVED_ENOUGH = 16  # from this many, real requests temper the probes' best
STALE_S = 24 * 3600.0  # a probe this old is redone in idle time
BUSY_CORES = 0.5  # other programs' busy cores during a probe that make it worth redoing


@dataclass(frozen=True)
class MachineKey:
    cpu: str  # the CPU's model name
    cores: int
    threads: int  # the engine's threads (engine.threads, else its default)
    build: str  # the engine: llama.cpp's version and build flags, or the server's URL
    gpu_layers: int

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Sample:
    rates: Rates
    busy: float  # cores other programs kept busy meanwhile
    at: float  # when (seconds since the epoch)


@dataclass
class Profile:
    key: MachineKey
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    observed: dict[str, list[float]] = field(default_factory=dict)

    def add(self, model: str, sample: Sample) -> None:
        kept = self.samples.setdefault(model, [])
        kept.append(sample)
        del kept[:-KEEP_SAMPLES]

    def observe(self, model: str, decode_rate: float) -> None:
        if math.isfinite(decode_rate) and decode_rate > 0:
            kept = self.observed.setdefault(model, [])
            kept.append(decode_rate)
            del kept[:-KEEP_OBSERVED]

    def rates(self, model: str) -> Rates | None:
        """The rates to predict from: each the best of the probes (what the machine can
        do; a busy moment does not pin a small model), decoding tempered by the median
        of real requests once there are enough (what the working day gives)."""
        kept = self.samples.get(model)
        if not kept:
            return None
        best = Rates(
            kept[-1].rates.model_bytes,
            max(s.rates.prompt_short for s in kept),
            max(s.rates.prompt_full for s in kept),
            max(s.rates.decode for s in kept),
        )
        seen = self.observed.get(model, [])
        if len(seen) >= OBSERVED_ENOUGH:
            typical = statistics.median(seen)
            best = Rates(
                best.model_bytes, best.prompt_short, best.prompt_full, (best.decode + typical) / 2
            )
        return best

    def due(self, model: str, now: float | None = None) -> bool:
        """Whether `model` should be probed (again): never measured, measured only
        while the machine was busy, or long ago."""
        kept = self.samples.get(model)
        if not kept:
            return True
        now = time.time() if now is None else now
        calm = [s for s in kept if s.busy < BUSY_CORES]
        return not calm or now - max(s.at for s in kept) > STALE_S

    def any_rates(self) -> tuple[str, Rates] | None:
        """A measured model's name and rates (the most recently probed one)."""
        latest = max(
            ((s.at, name) for name, kept in self.samples.items() for s in kept), default=None
        )
        if latest is None:
            return None
        rates = self.rates(latest[1])
        return (latest[1], rates) if rates is not None else None


def profile_file(cache_dir: Path, key: MachineKey) -> Path:
    return cache_dir / "machine" / f"{key.digest()}.json"


def load(where: Path, key: MachineKey) -> Profile:
    """The profile kept at `where` for `key`; an empty one when there is none, or it
    is broken or another machine's (said in one log line)."""
    try:
        raw = json.loads(where.read_text(encoding="utf-8"))
        return _profile(raw, key)
    except FileNotFoundError:
        return Profile(key)
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
        log.warning("machine profile ignored, measured anew (%s: %s)", type(exc).__name__, where)
        return Profile(key)


def dump(where: Path, profile: Profile) -> bool:
    """Write `profile` (atomically, private); False, with one log line, when it cannot."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(where.parent, 0o700)
        body = {
            "version": VERSION,
            "key": asdict(profile.key),
            "samples": {name: [_plain(s) for s in kept] for name, kept in profile.samples.items()},
            "observed": profile.observed,
        }
        partial = where.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, separators=(",", ":"))
        partial.replace(where)
        return True
    except OSError as exc:
        log.warning("machine profile kept in memory only: %s (%s)", where.parent, exc.strerror)
        return False


def _plain(sample: Sample) -> dict[str, Any]:
    return {**asdict(sample.rates), "busy": sample.busy, "at": sample.at}


def _profile(raw: Any, key: MachineKey) -> Profile:
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise ValueError("not a profile of this version")
    if raw.get("key") != asdict(key):
        raise ValueError("another machine's profile")
    profile = Profile(key)
    for name, kept in _dict(raw.get("samples")).items():
        for item in _list(kept)[-KEEP_SAMPLES:]:
            profile.add(_name(name), _sample(item))
    for name, rates in _dict(raw.get("observed")).items():
        for rate in _list(rates)[-KEEP_OBSERVED:]:
            profile.observe(_name(name), _number(rate))
    return profile


def _sample(raw: Any) -> Sample:
    item = _dict(raw)
    rates = Rates(
        int(_number(item["model_bytes"])),
        _number(item["prompt_short"]),
        _number(item["prompt_full"]),
        _number(item["decode"]),
    )
    return Sample(rates, _number(item["busy"], low=0.0), _number(item["at"], low=0.0))


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise ValueError("a model name")
    return value


def _number(value: Any, low: float = 1e-6) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= 1e13:
        raise ValueError("a number out of range")
    return number
