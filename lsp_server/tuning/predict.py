"""Predicted cost of a model on a machine, from speeds measured on one model there.

Pure: numbers in, numbers out. How speeds scale with a model's size and what a
keystroke costs were fitted on this project's measurements (docs/tuning.md says which,
and checks the prediction against the typing replay)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Rates scale with the GGUF's size as size^-exponent: fitted on the 0.5B and the 1.5B
# (Q4_K_M) on a 2-core x86 CPU — prompt ~250 → ~96 tokens/s, decode ~65 → ~40 — for
# 2.27× the bytes. Decoding scales less than the size: each token also pays a fixed
# cost (sampling over the 151k-token vocabulary, our loop).
PROMPT_EXPONENT = 1.17
DECODE_EXPONENT = 0.58


@dataclass(frozen=True)
class Rates:
    """Tokens per second of one model on this machine."""

    model_bytes: int  # the model they belong to
    prompt_short: float  # processing a short prompt (the quick start's ~160 tokens)
    prompt_full: float  # processing at the full prompt's length
    decode: float  # generating

    def scaled(self, size_bytes: int) -> Rates:
        """The rates a model of `size_bytes` would have on the same machine."""
        ratio = self.model_bytes / max(1, size_bytes)
        prompt, decode = ratio**PROMPT_EXPONENT, ratio**DECODE_EXPONENT
        return Rates(
            size_bytes, self.prompt_short * prompt, self.prompt_full * prompt, self.decode * decode
        )


@dataclass(frozen=True)
class Work:
    """What one keystroke's model call does (the typing replay's model calls)."""

    prompt_tokens: float  # processed: not already in the KV cache
    generated: float


# From the typing replay's records (model calls only; docs/tuning.md). The median call
# processes a typed token and generates 6.5, and waits for about 22 tokens' worth of
# prompt processing besides (an idle job's chunk finishing, the stand-in's checks):
# 243 ms for the 0.5B, 485 ms for the 1.5B at 2 threads, both within 3 % of this. The
# 95th percentile call processes a line's worth afresh (a line crossed) and generates
# 18: ~2.6x the median on both models, as their shares of keystrokes without an answer
# within 1 s say (1.1-5 % for the 0.5B, 12.5-17.5 % for the 1.5B; a log-normal
# through p50 and p95 gives 1 % and 12 %).
P50_WORK = Work(prompt_tokens=23.0, generated=6.5)
P95_WORK = Work(prompt_tokens=57.0, generated=18.4)
OVERHEAD_MS = 10.0  # the request around the model: snapshot, syntax, prompt, LSP


PROCESS_BYTES = 270_000_000  # the server without a model: Python, parsers, buffers


@dataclass(frozen=True)
class Prediction:
    p50_ms: float  # a keystroke that calls the model
    p95_ms: float
    rss_bytes: int  # the server's memory with this model loaded
    rates: Rates

    def in_time(self, patience_ms: float) -> float:
        """The share of keystrokes answered within `patience_ms`: latencies taken as
        log-normal through the predicted p50 and p95."""
        if self.p50_ms <= 0:
            return 1.0
        spread = max(1e-3, math.log(max(self.p95_ms, self.p50_ms * 1.01) / self.p50_ms) / 1.645)
        z = math.log(max(patience_ms, 1e-3) / self.p50_ms) / spread
        return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def keystroke_ms(rates: Rates, work: Work) -> float:
    prompt = work.prompt_tokens / max(rates.prompt_short, 1e-6)
    return OVERHEAD_MS + 1000.0 * (prompt + work.generated / max(rates.decode, 1e-6))


def rss_bytes(size_bytes: int) -> int:
    """The server's resident memory with a model of `size_bytes`: the weights, the KV
    cache and buffers (~9 %), and the Python process with its parsers (~270 MB) —
    measured 816 MB with the 0.5B, 1,523 MB with the 1.5B (docs/benchmarks.md)."""
    return int(1.09 * size_bytes + PROCESS_BYTES)


def predict(measured: Rates, size_bytes: int) -> Prediction:
    """A model of `size_bytes` on the machine where `measured` was measured (on the same
    model, when the sizes agree: no scaling)."""
    rates = measured if measured.model_bytes == size_bytes else measured.scaled(size_bytes)
    return Prediction(
        keystroke_ms(rates, P50_WORK), keystroke_ms(rates, P95_WORK), rss_bytes(size_bytes), rates
    )
