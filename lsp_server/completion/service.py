"""The completion service: a keystroke's suggestion from the cache, from idle work, or
from the model through the runtime; supersession per document.

Generations run on the runtime's engine worker, never on the event loop. A newer
request for the same document cancels the older one between tokens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from lsp_server.completion.cache import SuggestionCache
from lsp_server.completion.idle import IdleWork
from lsp_server.completion.pipeline import Suggestion, complete
from lsp_server.completion.request import CompletionRequest
from lsp_server.completion.stats import Record, Stats
from lsp_server.completion.steps import FULL, NAIVE
from lsp_server.config.settings import CompletionMode, Settings
from lsp_server.engines.base import CancelToken
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.slot import Loaded
from lsp_server.runtime.worker import shared


class CompletionService:
    def __init__(self, runtime: Runtime, on_keystroke: Callable[[], None] = lambda: None) -> None:
        self.runtime = runtime
        # Typing comes first: what else uses the engine is told to yield (the chat
        # runner's `preempt` in the server).
        self._on_keystroke = on_keystroke
        self._inflight: dict[str, CancelToken] = {}
        self.cache = SuggestionCache()
        self.stats = Stats()
        self.idle = IdleWork(runtime, self.cache)
        self._waiting: tuple[str, CompletionRequest] | None = None  # a place to warm
        # Per document: the place (text, offset) of the last several-candidate answer.
        self._candidates: dict[str, tuple[tuple[str, int], Suggestion]] = {}

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def suggest(self, key: str, request: CompletionRequest) -> Suggestion:
        """The suggestion for `request`: from the cache when the user is typing
        through an earlier one (or accepted one that was followed up while idle), else
        from the model (superseding the generation in flight for the same document
        `key`)."""
        started = time.perf_counter()
        try:
            return await self._suggest(key, request, started)
        except asyncio.CancelledError:  # the person typed on: still one record per request
            self.stats.record(Record(time.perf_counter() - started, skipped="cancelled"))
            raise

    async def _suggest(self, key: str, request: CompletionRequest, started: float) -> Suggestion:
        self._on_keystroke()
        full = self.settings.completion.mode == CompletionMode.FULL
        if not full:
            suggestion = await self._generate(key, replace(request, session=key), full)
            self.stats.record(Record.of(time.perf_counter() - started, suggestion))
            return suggestion
        self.idle.latest[key] = request.text
        known = self._candidates.get(key)
        if known is not None and known[0] == (request.text, request.offset):
            # The candidates an invoked request found here: every request at this
            # place gets them (a client that cycles may ask again, automatically).
            self.stats.record(Record(time.perf_counter() - started, cache_hit=True))
            return known[1]
        if await self._several(request):
            return await self._invoked(key, request, started)
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
            key,
            request,
            suggestion.text,
            suggestion.multiline,
            generation,
            suggestion.warming,
            suggestion.fast,
        )
        return suggestion

    async def _several(self, request: CompletionRequest) -> bool:
        """An invoked request, several candidates wanted, and an engine that gives them."""
        if not request.invoked or self.settings.completion.candidates <= 1:
            return False
        return (await self.runtime.engine()).info.candidates

    async def _invoked(self, key: str, request: CompletionRequest, started: float) -> Suggestion:
        """An invoked request that wants several candidates: computed on the prompt in
        the KV cache (never the single cached or look-ahead answer); each is kept for
        typing-through, the best last so that it is found first."""
        shown = self.cache.lookup(key, request.text, request.offset)
        suggestion = await self._generate(key, replace(request, session=key), True)
        if shown is not None and suggestion.candidates:
            suggestion = _shown_first(suggestion, shown.suggestion, self.settings)
        for text in reversed(suggestion.candidates or (suggestion.text,)):
            self.cache.store(key, request.text, suggestion.start, text, suggestion.multiline)
        if suggestion.candidates:
            self._candidates[key] = ((request.text, request.offset), suggestion)
        self.stats.record(Record.of(time.perf_counter() - started, suggestion))
        return suggestion

    def keep(self, key: str, before: str, after: str, text: str, multiline: bool) -> None:
        """A suggestion shown between `before` and `after` was taken in part: its rest
        is answered from the cache while the person's keys still match it, before any
        other suggestion kept for that place (one the idle time finishes later too)."""
        self.cache.store(key, before + after, len(before), text, multiline, taken=True)

    def warm(self, key: str, request: CompletionRequest) -> None:
        """Prepare the suggestion at `request`'s place in the idle time (IdleWork.warm),
        unless the cache already has it; before the model is loaded, the latest place
        waits for `loaded`."""
        completion = self.settings.completion
        if completion.mode != CompletionMode.FULL or not completion.warm:
            return
        if not self.runtime.ready:
            self._waiting = (key, request)
        elif self.cache.lookup(key, request.text, request.offset) is None:
            self.idle.warm(key, replace(request, session=key))

    def loaded(self) -> None:
        """The model is loaded: prepare the place the cursor named meanwhile."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.warm(*waiting)

    async def _generate(self, key: str, request: CompletionRequest, full: bool) -> Suggestion:
        await shared(self.runtime.load())
        token = CancelToken()
        if (older := self._inflight.get(key)) is not None:
            older.cancel()
        self._inflight[key] = token
        settings, steps = self.settings.completion, FULL if full else NAIVE

        def job(loaded: Loaded) -> Suggestion:
            fast = (loaded.fast.engine, loaded.fast.caches) if loaded.fast else None
            return complete(request, loaded.engine, settings, token, steps, loaded.caches, fast)

        submitted = self.runtime.run_completion(job)
        try:
            return await asyncio.wrap_future(submitted)
        except asyncio.CancelledError:
            token.cancel()  # $/cancelRequest or shutdown: stop the generation too
            raise
        finally:
            if self._inflight.get(key) is token:
                del self._inflight[key]

    def forget(self, key: str) -> None:
        """The document closed: drop its cached suggestions and idle work."""
        self.cache.forget(key)
        self.idle.forget(key)
        self._candidates.pop(key, None)

    def stop(self) -> None:
        """Stop the work in flight (the runtime frees the engines)."""
        self.idle.stop()
        for token in self._inflight.values():
            token.cancel()


def _shown_first(suggestion: Suggestion, shown: str, settings: Settings) -> Suggestion:
    """The candidates with the suggestion already shown here first: a client that
    cycles (Alt+]) shows the second next, which must be another one."""
    others = tuple(c for c in suggestion.candidates if c.rstrip() != shown.rstrip())
    candidates = (shown, *others)[: settings.completion.candidates]
    return replace(suggestion, text=shown, candidates=candidates)
