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
# A look at the machine at most this often (shorter windows are noise).
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
    def __init__(
        self,
        cores: int | None = None,
        busy: Callable[[], float | None] = machine_busy_seconds,
        own: Callable[[], float] = own_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cores = cores or usable_cores()
        self._busy, self._own, self._clock = busy, own, clock
        self._last = self._sample()
        self.others = 0.0  # cores other programs kept busy in the last window

    def _sample(self) -> tuple[float, float, float] | None:
        busy = self._busy()
        return None if busy is None else (self._clock(), busy, self._own())

    def look(self) -> float:
        """The cores other programs kept busy since the last look (the last estimate
        when that was less than MIN_WINDOW_S ago)."""
        now = self._sample()
        if now is None or self._last is None:
            return self.others
        wall = now[0] - self._last[0]
        if wall < MIN_WINDOW_S:
            return self.others
        theirs = (now[1] - self._last[1]) - (now[2] - self._last[2])
        self.others = min(float(self.cores), max(0.0, theirs / wall))
        self._last = now
        return self.others

    def threads(self, most: int) -> int:
        """Threads for a generation now: the cores the others leave free, 1..`most`."""
        taken = math.floor(self.look() + (1 - BUSY_CORE))
        return max(1, min(most, self.cores - taken))
