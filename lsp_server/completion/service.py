"""The running completion service: one engine, its loading, supersession per document.

Model loads and generations run on the engine worker (worker.py), never on the event
loop. A newer request for the same document cancels the older one between tokens.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from lsp_server.completion.cache import SuggestionCache
from lsp_server.completion.explaining import Explainer
from lsp_server.completion.idle import IdleWork
from lsp_server.completion.pipeline import Suggestion, complete
from lsp_server.completion.request import CompletionRequest
from lsp_server.completion.stats import Record, Stats
from lsp_server.completion.steps import FULL, NAIVE
from lsp_server.completion.worker import EngineWorker, Priority, shared
from lsp_server.config.live import LiveSettings
from lsp_server.config.settings import CompletionMode, Settings
from lsp_server.engines.base import CancelToken, Engine, EngineError, EngineUnavailable
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import ResolvedModel, choose_spec, resolve
from lsp_server.prompt.builder import PromptCaches

log = logging.getLogger(__name__)
LOAD_RETRY_S = 5.0  # a load the inference server failed is tried again after this
T = TypeVar("T")

EngineFactory = Callable[[ResolvedModel, Settings], Engine]


def default_factory(model: ResolvedModel, settings: Settings) -> Engine:
    return load_engine(model, settings.engine)


@dataclass(frozen=True)
class Loaded:
    """An engine and what belongs to it (dropped together when it is replaced)."""

    engine: Engine
    caches: PromptCaches


class CompletionService:
    def __init__(
        self,
        settings: LiveSettings | Settings | None = None,
        cli_model: str | None = None,
        factory: EngineFactory = default_factory,
    ) -> None:
        self.live = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self.cli_model = cli_model
        self._factory = factory
        self.worker = EngineWorker()
        self._loaded: concurrent.futures.Future[Loaded] | None = None
        # The engine in use, set and read only on the worker: a job always runs on the
        # engine of the newest load before it, never on one that a load has closed.
        self._active: Loaded | None = None
        self._loaded_key: tuple[object, ...] | None = None
        self._loaded_at = 0.0
        # The chat model's engine, when `chatModel` names another model (same rules).
        self._chat_loaded: concurrent.futures.Future[Loaded] | None = None
        self._chat_active: Loaded | None = None
        self._chat_key: tuple[object, ...] | None = None
        self._inflight: dict[str, CancelToken] = {}
        self.cache = SuggestionCache()
        self.stats = Stats()
        self.idle = IdleWork(self)
        self.explainer = Explainer(self)  # hover: after completions, pre-empted by them

    @property
    def settings(self) -> Settings:
        return self.live.current

    def model(self) -> ResolvedModel:
        """The model the settings ask for (raises ModelError for an unknown name)."""
        return resolve(choose_spec(self.settings.model, self.cli_model))

    def engine_key(self) -> tuple[object, ...]:
        """What identifies the engine the settings ask for (model, engine settings)."""
        return (choose_spec(self.settings.model, self.cli_model), self.settings.engine)

    def load(self) -> concurrent.futures.Future[Loaded]:
        """Start loading the engine for the current settings (a no-op when it is loaded)."""
        key = self.engine_key()
        if self._loaded is not None and key == self._loaded_key and not self._retry_due():
            return self._loaded
        previous = self._loaded
        self._loaded_key = key
        self._loaded = self.worker.submit(lambda: self._load(previous), Priority.LOAD)
        self._loaded_at = time.monotonic()
        return self._loaded

    def _retry_due(self) -> bool:
        """Whether the load failed only because the inference server did not answer (a
        remote engine asks it for the tokenizer) long enough ago to try again."""
        loaded = self._loaded
        if loaded is None or not loaded.done() or loaded.cancelled():
            return False
        unavailable = isinstance(loaded.exception(), EngineUnavailable)
        return unavailable and time.monotonic() - self._loaded_at >= LOAD_RETRY_S

    def _load(self, previous: concurrent.futures.Future[Loaded] | None) -> Loaded:
        # On the worker: no generation holds the previous engine while it is closed.
        if self._active is not None:
            self._active.engine.close()
            self._active = None
        engine = self._factory(self.model(), self.settings)
        self._active = Loaded(engine, PromptCaches(engine.tokenize))
        return self._active

    def _run_on_active(self, work: Callable[[Loaded], T]) -> T:
        """`work` on the engine in use (called on the worker)."""
        if self._active is None:
            raise EngineError("no model is loaded")
        return work(self._active)

    def chat_spec(self) -> str | None:
        """The chat model, when `chatModel` names one other than the completion model."""
        spec = (self.settings.chat_model or "").strip()
        if not spec or spec == choose_spec(self.settings.model, self.cli_model):
            return None
        return spec

    def chat_engine_key(self) -> tuple[object, ...]:
        """What identifies the engine that answers chat (hover, actions)."""
        spec = self.chat_spec()
        return self.engine_key() if spec is None else (spec, self.settings.engine)

    def load_chat(self) -> concurrent.futures.Future[Loaded]:
        """Start loading the chat engine: the completion engine unless `chatModel`
        names another model, which is then loaded beside it (and replaced or dropped
        when the setting changes)."""
        spec = self.chat_spec()
        if spec is None:
            if self._chat_key is not None:
                self._chat_key, self._chat_loaded = None, None
                self.worker.submit(self._unload_chat, Priority.LOAD)
            return self.load()
        key = self.chat_engine_key()
        if self._chat_loaded is not None and key == self._chat_key:
            return self._chat_loaded
        self._chat_key = key
        self._chat_loaded = self.worker.submit(lambda: self._load_chat(spec), Priority.LOAD)
        return self._chat_loaded

    def _load_chat(self, spec: str) -> Loaded:
        self._unload_chat()
        engine = self._factory(resolve(spec), self.settings)
        self._chat_active = Loaded(engine, PromptCaches(engine.tokenize))
        return self._chat_active

    def _unload_chat(self) -> None:
        if self._chat_active is not None:
            self._chat_active.engine.close()
            self._chat_active = None

    async def engine(self) -> Engine:
        """The loaded engine; raises ModelError or EngineError when loading failed."""
        return (await shared(self.load())).engine

    async def suggest(self, key: str, request: CompletionRequest) -> Suggestion:
        """The suggestion for `request`: from the cache when the user is typing
        through an earlier one (or accepted one that was followed up while idle), else
        from the model (superseding the generation in flight for the same document
        `key`)."""
        started = time.perf_counter()
        self.explainer.preempt()  # typing comes first
        full = self.settings.completion.mode == CompletionMode.FULL
        if not full:
            suggestion = await self._generate(key, replace(request, session=key), full)
            self.stats.record(Record.of(time.perf_counter() - started, suggestion))
            return suggestion
        self.idle.latest[key] = request.text
        ahead = await self.idle.ahead(key, request)
        hit = self.cache.lookup(key, request.text, request.offset) if ahead is None else None
        if hit is not None:
            offset = request.offset
            self.stats.record(Record(time.perf_counter() - started, cache_hit=True))
            self.idle.after(key, request, hit.suggestion, hit.multiline, None)
            return Suggestion(hit.suggestion, offset, offset, hit.multiline, cached=True)
        if ahead is not None:
            suggestion = ahead  # computed while the person paused
        else:
            suggestion = await self._generate(key, replace(request, session=key), full)
        self.cache.store(key, request.text, suggestion.start, suggestion.text, suggestion.multiline)
        self.stats.record(Record.of(time.perf_counter() - started, suggestion))
        generation = suggestion.generation
        self.idle.after(
            key, request, suggestion.text, suggestion.multiline, generation, suggestion.warming
        )
        return suggestion

    async def _generate(self, key: str, request: CompletionRequest, full: bool) -> Suggestion:
        await shared(self.load())
        token = CancelToken()
        if (older := self._inflight.get(key)) is not None:
            older.cancel()
        self._inflight[key] = token
        settings, steps = self.settings.completion, FULL if full else NAIVE

        def job(loaded: Loaded) -> Suggestion:
            return complete(request, loaded.engine, settings, token, steps, loaded.caches)

        submitted = self.worker.submit(lambda: self._run_on_active(job), Priority.COMPLETION)
        try:
            return await asyncio.wrap_future(submitted)
        except asyncio.CancelledError:
            token.cancel()  # $/cancelRequest or shutdown: stop the generation too
            raise
        finally:
            if self._inflight.get(key) is token:
                del self._inflight[key]

    def run_explain(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the chat engine, after the completions waiting (hover, actions):
        one worker runs both models, so a chat model never competes with typing for
        the CPU."""
        own = self.chat_spec() is not None

        def run() -> T:
            loaded = self._chat_active if own else self._active
            if loaded is None:
                raise EngineError("no chat model is loaded")
            return job(loaded)

        return self.worker.submit(run, Priority.EXPLAIN)

    def run_idle(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the engine in use, after every other kind of work."""
        return self.worker.submit(lambda: self._run_on_active(job), Priority.IDLE)

    def forget(self, key: str) -> None:
        """The document closed: drop its cached suggestions and idle work."""
        self.cache.forget(key)
        self.idle.forget(key)

    def close(self) -> None:
        """Stop the work in flight and free the engine once no job uses it."""
        self.idle.stop()
        self.explainer.stop()
        for token in self._inflight.values():
            token.cancel()
        self.worker.close(then=self._unload)

    def stop(self, timeout: float) -> bool:
        """`close`, then wait until the engine is freed and its thread has ended: the
        interpreter must not unload llama.cpp while a generation is still running in
        it (SIGSEGV at exit). False when the thread did not end in `timeout` seconds."""
        self.close()
        return self.worker.join(timeout)

    def _unload(self) -> None:
        self._unload_chat()
        if self._active is not None:
            self._active.engine.close()
            self._active = None
