"""The machine's speed, measured on the loaded model in a few seconds of idle time:
prompt tokens/s at the quick start's length and at the full prompt's, and generated
tokens/s. Each step is one engine call that a keystroke cancels (the probe is then
resumed later); together they take at most ~5 s of engine time on this project's
slowest machine (docs/tuning.md). A remote engine is measured the same way, through
its API."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.models.resolve import ResolvedModel
from lsp_server.tuning.choose import SHORT_TOKENS
from lsp_server.tuning.predict import Rates

SESSION = "slm-ls/probe"  # the probe's own KV state: the documents' states are kept
FULL_TOKENS = 1024  # the full prompt's length today, at most
FULL_SECONDS = 2.0  # the full step processes what it can in this long
DECODE_TOKENS = 32
FULL_AT_LEAST = 32  # tokens the full step must process to give a rate (a slow machine: few)


@dataclass(frozen=True)
class ShortStep:
    prompt_rate: float
    decode_rate: float


def probe_text(seed: int) -> str:
    """Code the model continues without ending it (a list of numbers left open); `seed`
    makes each probe's prompt its own, so nothing of it is cached."""
    lines = [
        f"def step_{seed}_{i}(x):\n    return x * {i} + {(i * 7 + seed) % 13}\n" for i in range(120)
    ]
    numbers = ", ".join(str(seed + i) for i in range(40))
    return "".join(lines) + f"\nvalues = [{numbers}, "


def _tail(tokens: Sequence[int], count: int) -> list[int]:
    return list(tokens[-count:])


def enter(engine: Engine, cancel: CancelToken) -> bool:
    """Switch the engine to the probe's session (parking the document's KV state), so
    that the measured steps do not pay for it. False when cancelled."""
    gen = engine.generate(
        engine.tokenize("\n"), GenerationParams(max_tokens=1, session=SESSION), cancel
    )
    return not cancel.cancelled and not gen.stop_reason.cut


def short_step(engine: Engine, seed: int, cancel: CancelToken) -> ShortStep | None:
    """A cold short prompt, then DECODE_TOKENS generated after it."""
    prompt = _tail(engine.tokenize(probe_text(seed)), SHORT_TOKENS)
    params = GenerationParams(max_tokens=DECODE_TOKENS, session=SESSION, reuse_cache=False)
    gen = engine.generate(prompt, params, cancel)
    if cancel.cancelled or gen.stop_reason.cut or gen.prompt_ms <= 0 or len(gen.tokens) < 4:
        return None
    processed = gen.evaluated_tokens or len(prompt)
    return ShortStep(
        processed / gen.prompt_ms * 1000, len(gen.tokens) / max(gen.generate_ms, 1e-3) * 1000
    )


def full_step(engine: Engine, seed: int, cancel: CancelToken) -> float | None:
    """Prompt tokens/s over a full-length prompt, processed for at most FULL_SECONDS."""
    prompt = _tail(engine.tokenize(probe_text(seed + 1)), FULL_TOKENS)
    deadline = time.monotonic() + FULL_SECONDS
    params = GenerationParams(
        max_tokens=1, session=SESSION, reuse_cache=False, prompt_deadline=deadline
    )
    gen = engine.generate(prompt, params, cancel)
    processed = gen.evaluated_tokens or 0
    if cancel.cancelled or processed < FULL_AT_LEAST or gen.prompt_ms <= 0:
        return None
    return processed / gen.prompt_ms * 1000


def model_bytes(model: ResolvedModel) -> int:
    """The measured model's size as the predictions count it: the catalog's (the same
    figure every other model is scaled by), else the file's."""
    if model.entry is not None and model.entry.size_bytes:
        return model.entry.size_bytes
    return model.path.stat().st_size if model.path.is_file() else 1


def rates(size_bytes: int, short: ShortStep, full_rate: float) -> Rates:
    return Rates(size_bytes, short.prompt_rate, full_rate, short.decode_rate)
