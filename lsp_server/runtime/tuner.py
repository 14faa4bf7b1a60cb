"""Measure the machine in idle time and keep `model: "auto"`'s choice up to date.

After a model is loaded, once the person has paused for QUIET_S, the probe's steps
(tuning/probe.py) run as idle jobs on the engine worker: a keystroke cancels the step
in flight and the probe starts again at the next pause — never delaying a suggestion.
Each finished probe adds a sample to this machine's profile (kept in the cache folder),
and the choice is made again; when it names another model, the server reloads. Later
idle time refreshes a stale or busy measurement; decode rates of real requests are
kept too (the working day's speed, tuning/profile.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from lsp_server.engines.base import CancelToken
from lsp_server.engines.cpu_share import machine_busy_seconds, own_seconds
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.slot import Loaded
from lsp_server.tuning import probe
from lsp_server.tuning.profile import Sample

log = logging.getLogger(__name__)
T = TypeVar("T")
QUIET_S = 2.0  # a pause this long before a probe step
RETRY_S = 1.0  # how often a waiting probe looks again
ENOUGH_PROBES = 3  # probes per model in a session at most (the best counts)


class Tuner:
    def __init__(self, runtime: Runtime, on_change: Callable[[], None]) -> None:
        self.runtime = runtime
        self.on_change = on_change  # the choice names another engine: reload
        self._last = time.monotonic()
        self._token: CancelToken | None = None
        self._task: asyncio.Task[None] | None = None
        self.done = 0  # probes finished this session
        self.interrupted = 0  # probes a keystroke stopped (resumed later)
        self._seed = int(time.time()) % 100_000
        self._observed = 0  # real requests' speeds not yet written to the profile

    def activity(self) -> None:
        """A keystroke (or any request for the model): the probe step in flight stops."""
        self._last = time.monotonic()
        if self._token is not None:
            self._token.cancel()

    def loaded(self) -> None:
        """A model is loaded: measure it in idle time, when due."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        """The server stops: the probe too; what real requests showed is kept."""
        if self._task is not None:
            self._task.cancel()
        if self._token is not None:
            self._token.cancel()
        if self._observed:
            self.runtime.save_profile()
            self._observed = 0

    def observe(self, generated: int, generate_ms: float) -> None:
        """A real request's decoding speed (what the working day gives)."""
        if generated >= 4 and generate_ms > 0 and self.runtime.ready:
            self.runtime.profile.observe(self._model(), generated / generate_ms * 1000)
            self._observed += 1

    def _model(self) -> str:
        return self.runtime.model().shown

    async def _run(self) -> None:
        """Probe the loaded model when its figures are due: several probes, each after a
        pause, the best of them kept (tuning/profile.py)."""
        model, finished = self._model(), 0
        while finished < ENOUGH_PROBES and (finished > 0 or self.runtime.profile.due(model)):
            await self._quiet()
            if model != self._model():
                return  # another model was loaded meanwhile: it is probed in turn
            if await self._probe_once():
                finished += 1
            else:
                self.interrupted += 1

    async def _quiet(self) -> None:
        while time.monotonic() - self._last < QUIET_S:
            await asyncio.sleep(RETRY_S)

    async def _probe_once(self) -> bool:
        token = CancelToken()
        self._token = token
        self._seed += 2
        seed, model = self._seed, self.runtime.model()
        busy, own, wall = machine_busy_seconds(), own_seconds(), time.monotonic()
        try:
            entered = await self._idle(lambda loaded: probe.enter(loaded.engine, token))
            short = await self._idle(lambda loaded: probe.short_step(loaded.engine, seed, token))
            full = await self._idle(lambda loaded: probe.full_step(loaded.engine, seed, token))
        except Exception as exc:  # the engine went away (a reload): try again later
            log.info("machine probe stopped: %s", exc)
            return False
        finally:
            self._token = None
        if not entered or short is None or full is None or token.cancelled:
            return False
        size = probe.model_bytes(model)
        rates = probe.rates(size, short, full)
        others = _others(busy, own, wall)
        self.runtime.profile.add(model.shown, Sample(rates, others, time.time()))
        self.runtime.save_profile()
        self.done += 1
        log.info(
            "machine probe (%s): prompt %.0f/%.0f tokens/s, decode %.1f tokens/s, %.1f cores busy",
            model.shown,
            rates.prompt_short,
            rates.prompt_full,
            rates.decode,
            others,
        )
        self._decide()
        return True

    def _decide(self) -> None:
        before = self.runtime.engine_key(), self.runtime.fast_spec()
        self.runtime.decide()
        if (self.runtime.engine_key(), self.runtime.fast_spec()) != before:
            log.warning(
                "auto: %s", self.runtime.decision.choice.reason if self.runtime.decision else ""
            )
            self.on_change()

    async def _idle(self, job: Callable[[Loaded], T]) -> T:
        return await asyncio.wrap_future(self.runtime.run_idle(job))


def _others(busy: float | None, own: float, wall: float) -> float:
    """Cores other programs kept busy since (`busy`, `own`, `wall`)."""
    now = machine_busy_seconds()
    elapsed = time.monotonic() - wall
    if busy is None or now is None or elapsed <= 0:
        return 0.0
    return max(0.0, ((now - busy) - (own_seconds() - own)) / elapsed)
