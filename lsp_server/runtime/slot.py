"""One engine and what belongs to it: loaded on the worker for the model and settings
its key names, reloaded when the key changes, retried when an inference server did not
answer, and closed only on the worker (never under a running job)."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from dataclasses import dataclass

from lsp_server.config.settings import Settings
from lsp_server.engines.base import Engine, EngineUnavailable
from lsp_server.models.resolve import ResolvedModel
from lsp_server.prompt.builder import PromptCaches
from lsp_server.runtime.worker import EngineWorker, Priority

LOAD_RETRY_S = 5.0  # a load the inference server failed is tried again after this

EngineFactory = Callable[[ResolvedModel, Settings], Engine]


@dataclass(frozen=True)
class Loaded:
    """An engine and what belongs to it (dropped together when it is replaced)."""

    engine: Engine
    caches: PromptCaches
    # The cascade's fast model, beside the completion model (Runtime.run_completion).
    fast: Loaded | None = None


class EngineSlot:
    def __init__(self, worker: EngineWorker, factory: EngineFactory) -> None:
        self._worker = worker
        self._factory = factory
        self._future: concurrent.futures.Future[Loaded] | None = None
        self._key: tuple[object, ...] | None = None
        self._loaded_at = 0.0
        # The engine in use, set and read only on the worker: a job always runs on the
        # engine of the newest load before it, never on one that a load has closed.
        self.active: Loaded | None = None

    def load(
        self,
        key: tuple[object, ...],
        model: Callable[[], ResolvedModel],
        settings: Callable[[], Settings],
    ) -> concurrent.futures.Future[Loaded]:
        """Start loading the engine `key` names (a no-op when it is loaded); `model`
        and `settings` are read on the worker, when the load runs."""
        if self._future is not None and key == self._key and not self._retry_due():
            return self._future
        self._key = key
        self._future = self._worker.submit(lambda: self._load(model(), settings()), Priority.LOAD)
        self._loaded_at = time.monotonic()
        return self._future

    def drop(self) -> None:
        """Forget the engine and close it on the worker (its setting was removed)."""
        if self._key is not None:
            self._key, self._future = None, None
            self._worker.submit(self.unload, Priority.LOAD)

    def unload(self) -> None:
        """Close the engine (on the worker)."""
        if self.active is not None:
            self.active.engine.close()
            self.active = None

    def _load(self, model: ResolvedModel, settings: Settings) -> Loaded:
        # On the worker: no generation holds the previous engine while it is closed.
        self.unload()
        engine = self._factory(model, settings)
        self.active = Loaded(engine, PromptCaches(engine.tokenize))
        return self.active

    def _retry_due(self) -> bool:
        """Whether the load failed only because the inference server did not answer (a
        remote engine asks it for the tokenizer) long enough ago to try again."""
        loaded = self._future
        if loaded is None or not loaded.done() or loaded.cancelled():
            return False
        unavailable = isinstance(loaded.exception(), EngineUnavailable)
        return unavailable and time.monotonic() - self._loaded_at >= LOAD_RETRY_S
