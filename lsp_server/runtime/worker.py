"""The one thread that runs model work, highest priority first.

llama.cpp runs one call at a time; every feature that needs the model (loading,
completions, later hover and code actions) submits its job here with a priority, so
that a keystroke's completion never waits behind slower work that is queued.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from enum import IntEnum
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Priority(IntEnum):
    """Lower runs first; equal priorities run in the order they were submitted."""

    LOAD = 0
    COMPLETION = 1
    EXPLAIN = 2  # hover, code actions
    IDLE = 3  # work for the time between keystrokes (completion/idle.py)


async def shared(future: concurrent.futures.Future[T]) -> T:
    """Wait for a job that others may be waiting for too (a model load): a waiter that
    is cancelled ($/cancelRequest, a superseded request) must not cancel the job while
    it is still queued."""
    return await asyncio.shield(asyncio.wrap_future(future))


class EngineWorker:
    def __init__(self, name: str = "slm-engine") -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._closed = False
        self._urgent = 0  # jobs above idle priority queued or running
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T], priority: Priority) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._closed:
            future.set_exception(RuntimeError("the engine worker is closed"))
            return future
        if priority < Priority.IDLE:
            with self._lock:
                self._urgent += 1
            future.add_done_callback(self._done_urgent)
        self._queue.put((int(priority), next(self._order), (job, future)))
        return future

    def _done_urgent(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._urgent -= 1

    def busy(self) -> bool:
        """A job above idle priority (a load, a completion, an explanation) is queued or
        running: background work (the workspace index) waits."""
        return self._urgent > 0

    def _run(self) -> None:
        while True:
            _, _, item = self._queue.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to whoever awaits the job
                future.set_exception(exc)

    def close(self, then: Callable[[], object] | None = None) -> None:
        """Cancel the queued jobs, run `then` once the running one returns, and stop.
        Only the first call does anything."""
        if self._closed:
            return
        self._closed = True
        while True:
            try:
                _, _, item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[1].cancel()
        if then is not None:
            self._queue.put((-2, -2, (then, concurrent.futures.Future())))
        self._queue.put((-1, -1, None))

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end (after `close`); False when it did not in time."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
