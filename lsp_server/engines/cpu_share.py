"""How many threads a generation should use now: the cores other programs leave free.

llama.cpp's threads meet at a barrier after every operation of the graph. With as many
threads as cores while other programs keep the cores busy (the editor, a browser, a
build), one descheduled thread stalls the others at each barrier: on this 2-core
machine, with two busy processes beside the server, five tokens after a warm prompt
took 1.4-3.0 s with 2 threads and 0.17-0.26 s with 1 (docs/benchmarks.md, "A rest on
a busy machine"). So before each generation the engine asks `CpuShare.threads`: the
CPU time the rest of the machine used since the last look (Linux's /proc/stat, less
this process's own time), and as many threads as the cores it left free (at least
one, at most the configured count). Elsewhere (no /proc/stat) the configured count.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

PROC_STAT = Path("/proc/stat")
# Generation time gathered before an estimate (shorter windows are noise).
MIN_WINDOW_S = 0.3
# The share of a core another program must keep busy to take a thread from us.
BUSY_CORE = 0.5
# /proc/stat's "cpu" fields counted as busy: user nice system idle iowait irq softirq steal.
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)


def usable_cores() -> int:
    """The cores this process may run on (the affinity mask, else the CPU count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def machine_busy_seconds(stat: Path = PROC_STAT) -> float | None:
    """CPU seconds the whole machine has been busy since boot (None: not known)."""
    try:
        with stat.open("rb") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != b"cpu":
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return sum(int(fields[1 + i]) for i in BUSY_FIELDS) / ticks


def own_seconds() -> float:
    """CPU seconds this process (every thread) has used."""
    times = os.times()
    return times.user + times.system


class CpuShare:
    """The cores other programs keep busy *while this process generates*: the engine
    calls `started` and `ended` around each generation, and the estimate is the CPU
    time the rest of the machine used during at least MIN_WINDOW_S of our own
    generations. Time between generations does not count: a client that computes
    while the server waits (a benchmark, a test harness, an editor formatting) is not
    contention, and the estimate must not keep a past busy moment."""

    def __init__(
        self,
        cores: int | None = None,
        busy: Callable[[], float | None] = machine_busy_seconds,
        own: Callable[[], float] = own_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cores = cores or usable_cores()
        self._busy, self._own, self._clock = busy, own, clock
        self._start: tuple[float, float, float] | None = None
        self._wall = 0.0  # generation time gathered towards the next estimate
        self._theirs = 0.0  # CPU seconds other programs used meanwhile
        self.others = 0.0  # cores other programs kept busy (the last estimate)

    def _sample(self) -> tuple[float, float, float] | None:
        busy = self._busy()
        return None if busy is None else (self._clock(), busy, self._own())

    def started(self) -> None:
        """A generation starts."""
        self._start = self._sample()

    def ended(self) -> None:
        """A generation ended: what the others used meanwhile counts."""
        now, start, self._start = self._sample(), self._start, None
        if now is None or start is None:
            return
        self._wall += now[0] - start[0]
        self._theirs += (now[1] - start[1]) - (now[2] - start[2])
        if self._wall >= MIN_WINDOW_S:
            self.others = min(float(self.cores), max(0.0, self._theirs / self._wall))
            self._wall = self._theirs = 0.0

    def threads(self, most: int) -> int:
        """Threads for a generation now: the cores the others leave free, 1..`most`."""
        taken = math.floor(self.others + (1 - BUSY_CORE))
        return max(1, min(most, self.cores - taken))
