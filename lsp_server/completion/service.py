"""The running completion service: one engine, its loading, supersession per document.

Model loads and generations run on one worker thread, never on the event loop.
A newer request for the same document cancels the older one between tokens.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from lsp_server.completion.cache import SuggestionCache
from lsp_server.completion.pipeline import CompletionRequest, Suggestion, complete
from lsp_server.completion.stats import Record, Stats
from lsp_server.completion.steps import FULL, NAIVE, Steps
from lsp_server.config.settings import Settings
from lsp_server.engines.base import CancelToken, Engine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import ResolvedModel, choose_spec, resolve

log = logging.getLogger(__name__)

EngineFactory = Callable[[ResolvedModel, Settings], Engine]


def _default_factory(model: ResolvedModel, settings: Settings) -> Engine:
    return load_engine(model, settings.engine)


class CompletionService:
    def __init__(
        self,
        settings: Settings,
        cli_model: str | None = None,
        factory: EngineFactory = _default_factory,
    ) -> None:
        self.settings = settings
        self.cli_model = cli_model
        self._factory = factory
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="slm-engine")
        self._engine: concurrent.futures.Future[Engine] | None = None
        self._loaded_key: tuple[object, ...] | None = None
        self._inflight: dict[str, CancelToken] = {}
        self.cache = SuggestionCache()
        self.stats = Stats()

    def model(self) -> ResolvedModel:
        """The model the settings ask for (raises ModelError for an unknown name)."""
        return resolve(choose_spec(self.settings.model, self.cli_model))

    def _engine_key(self) -> tuple[object, ...]:
        return (choose_spec(self.settings.model, self.cli_model), self.settings.engine)

    def load(self) -> concurrent.futures.Future[Engine]:
        """Start loading the engine for the current settings (a no-op when it is loaded)."""
        key = self._engine_key()
        if self._engine is not None and key == self._loaded_key:
            return self._engine
        previous = self._engine
        self._loaded_key = key
        self._engine = self._worker.submit(self._load, previous)
        return self._engine

    def _load(self, previous: concurrent.futures.Future[Engine] | None) -> Engine:
        if previous is not None and previous.done() and previous.exception() is None:
            previous.result().close()
        return self._factory(self.model(), self.settings)

    async def engine(self) -> Engine:
        """The loaded engine; raises ModelError or EngineError when loading failed."""
        return await asyncio.wrap_future(self.load())

    async def suggest(self, key: str, request: CompletionRequest) -> Suggestion:
        """The suggestion for `request`: from the cache when the user is typing
        through an earlier one, else from the model (superseding the generation in
        flight for the same document `key`)."""
        started = time.perf_counter()
        full = self.settings.completion.mode == "full"
        hit = self.cache.lookup(key, request.text, request.offset) if full else None
        if hit is not None:
            offset = min(max(request.offset, 0), len(request.text))
            self.stats.record(Record(time.perf_counter() - started, cache_hit=True))
            return Suggestion(hit.suggestion, offset, offset, hit.multiline, cached=True)
        suggestion = await self._generate(
            key, replace(request, session=key), FULL if full else NAIVE
        )
        if full:
            self.cache.store(
                key, request.text, suggestion.start, suggestion.text, suggestion.multiline
            )
        self.stats.record(Record.of(time.perf_counter() - started, suggestion))
        return suggestion

    async def _generate(self, key: str, request: CompletionRequest, steps: Steps) -> Suggestion:
        engine = await self.engine()
        token = CancelToken()
        if (older := self._inflight.get(key)) is not None:
            older.cancel()
        self._inflight[key] = token
        loop = asyncio.get_running_loop()
        call = functools.partial(complete, request, engine, self.settings.completion, token, steps)
        try:
            return await loop.run_in_executor(self._worker, call)
        except asyncio.CancelledError:
            token.cancel()  # $/cancelRequest or shutdown: stop the generation too
            raise
        finally:
            if self._inflight.get(key) is token:
                del self._inflight[key]

    def forget(self, key: str) -> None:
        """The document closed: drop its cached suggestions."""
        self.cache.forget(key)

    def close(self) -> None:
        for token in self._inflight.values():
            token.cancel()
        engine = self._engine
        loaded = engine is not None and engine.done() and not engine.cancelled()
        if engine is not None and loaded and engine.exception() is None:
            engine.result().close()
        self._worker.shutdown(wait=False, cancel_futures=True)
