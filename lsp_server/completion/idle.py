"""Work for the time between keystrokes.

A person pauses between words; the engine would sit idle. Two jobs use that time, at
the lowest priority and in slices of IDLE_SLICE_MS, so that a keystroke's request is
never kept waiting for long:

- a prompt that a keystroke's budget cut short, or that the quick start stood in
  for (a document opened cold), is processed on, so that a later keystroke finds it
  in the KV cache;
- after a suggestion is shown, the suggestion that follows its acceptance is computed
  (llama.vim's speculative next): accepted, it is answered from the cache;
- where the person is before they type (`warm`: the editor said where the cursor is),
  the short prompt is processed, then the full prompt and its suggestion;
- with the cascade, after the fast model answered, the model's short prompt is
  processed first (it answers from it once warm), then its full prompt.

Any new request stops the idle work, except the one computing exactly what it asks
for, which it then waits for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from lsp_server.completion.cache import SuggestionCache
from lsp_server.completion.pipeline import (
    AHEAD_SESSION,
    Suggestion,
    complete,
    short_prompt_job,
)
from lsp_server.completion.request import CompletionRequest
from lsp_server.completion.steps import FULL
from lsp_server.config.settings import CompletionSettings
from lsp_server.engines.base import CancelToken, Generation, StopReason
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.slot import Loaded

log = logging.getLogger(__name__)
T = TypeVar("T")

IDLE_SLICE_MS = 100  # prompt processing per idle job, before the next one is queued
# Idle work processes the full prompt itself: never the quick start's stand-in.
WARM = replace(FULL, quick_start=False)


@dataclass
class Ahead:
    """Idle work for one document: the state it computes a suggestion for."""

    text: str
    offset: int
    future: asyncio.Future[Suggestion | None]
    token: CancelToken


class IdleWork:
    def __init__(self, runtime: Runtime, cache: SuggestionCache) -> None:
        self.runtime = runtime
        self.cache = cache
        self.latest: dict[str, str] = {}  # each document's text at its newest request
        self._ahead: dict[str, Ahead] = {}
        self._short: dict[str, CancelToken] = {}  # the cascade's short-prompt warming
        self._tasks: set[asyncio.Task[None]] = set()
        self.warmed = 0  # places prepared before a keystroke (`warm`), for slmls/stats

    async def ahead(self, key: str, request: CompletionRequest) -> Suggestion | None:
        """Stop the idle work, except a job computing the suggestion for exactly this
        request's state: wait for that one and return its finished suggestion."""
        found = self._ahead.get(key)
        same = found is not None and (found.text, found.offset) == (request.text, request.offset)
        self.stop(keep=found if same else None)
        if found is None or not same:
            return None
        try:
            result = await asyncio.shield(found.future)
        except (asyncio.CancelledError, Exception):
            return None
        if result is None or result.generation is None:
            return None
        if result.generation.stop_reason.cut or (request.invoked and not result.text):
            return None
        return result

    def after(
        self,
        key: str,
        request: CompletionRequest,
        text: str,
        multiline: bool,
        generation: Generation | None,
        warming: bool = False,
        fast: bool = False,
    ) -> None:
        """Queue the idle work that follows an answer (`fast`: the cascade's fast
        model gave it: the model's short prompt is warmed first, then its full one)."""
        if not self.runtime.settings.completion.idle_work:
            return
        cut = generation is not None and generation.stop_reason == StopReason.PROMPT_BUDGET
        if fast:
            self._spawn_short(key, request, request.text)
        elif cut or warming:
            self._spawn(key, request, request.text)  # carry on with the full prompt
        elif text:
            limit = self.runtime.settings.completion.max_document_bytes
            document = request.document.edited(request.offset, request.offset, text, limit)
            accepted = replace(request, document=document, offset=request.offset + len(text))
            self._spawn(key, accepted, request.text, AHEAD_SESSION)

    def warm(self, key: str, request: CompletionRequest) -> None:
        """Where the person is before they type (the cursor moved, a document came into
        view): process the full prompt there in the idle time and compute its
        suggestion (with the cascade, the model's short prompt first), so that the first
        keystroke finds the prompt in the KV cache. Other idle work yields to it; work
        already at this very place goes on."""
        if not self.runtime.settings.completion.idle_work:
            return
        found = self._ahead.get(key)
        if found is not None and (found.text, found.offset) == (request.text, request.offset):
            return
        self.stop()
        self.latest[key] = request.text
        self.warmed += 1
        # The short prompt first, then the full one: a rest of seconds covers the short
        # prompt on any machine (a few hundred tokens), while the full one can take
        # longer than the rest on a busy CPU. The first keystroke then answers from
        # whichever is warm (pipeline.stand_in), never waiting for the full prompt.
        if self.runtime.settings.completion.quick_start:
            self._spawn_short(key, request, request.text)
        else:  # the full prompt is short enough to be the first (model "auto")
            self._spawn(key, request, request.text)

    def _queue(
        self,
        key: str,
        request: CompletionRequest,
        base: str,
        work: Callable[[CompletionRequest, Loaded, CompletionSettings, CancelToken], T],
        suffix: str = "",
    ) -> tuple[CancelToken, asyncio.Future[T | None]]:
        """`work` for `request` as an idle job (automatic, in the document's session, in
        slices of IDLE_SLICE_MS), skipped when cancelled or the document is no longer
        `base` by the time it runs."""
        token = CancelToken()
        settings = replace(self.runtime.settings.completion, prompt_budget_ms=IDLE_SLICE_MS)
        automatic = replace(request, invoked=False, session=key + suffix)

        def job(loaded: Loaded) -> T | None:
            if token.cancelled or self.latest.get(key) != base:
                return None
            return work(automatic, loaded, settings, token)

        return token, asyncio.wrap_future(self.runtime.run_idle(job))

    def _then(self, follow_up: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(follow_up)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _result(key: str, future: asyncio.Future[T | None]) -> T | None:
        try:
            return await future
        except (asyncio.CancelledError, Exception):
            log.debug("idle work for %s stopped", key, exc_info=True)
            return None

    def _spawn(self, key: str, request: CompletionRequest, base: str, session: str = "") -> None:
        """Compute `request` in the idle time, while the document is still `base` (in
        the document's KV session, or the one `session` names beside it)."""
        token, future = self._queue(
            key,
            request,
            base,
            lambda at, loaded, settings, token: complete(
                at, loaded.engine, settings, token, WARM, loaded.caches
            ),
            session,
        )
        found = Ahead(request.text, request.offset, future, token)
        self._ahead[key] = found
        self._then(self._finish(key, found, request, base, session))

    def _spawn_short(self, key: str, request: CompletionRequest, base: str) -> None:
        """Process the model's short prompt for `request` in idle slices (the cascade:
        the model answers from it once it is warm), then go on to its full prompt."""
        token, future = self._queue(
            key,
            request,
            base,
            lambda at, loaded, settings, token: short_prompt_job(
                at, loaded.engine, loaded.caches, settings, token
            ),
        )
        self._short[key] = token
        self._then(self._short_done(key, token, future, request, base))

    async def _short_done(
        self,
        key: str,
        token: CancelToken,
        future: asyncio.Future[Generation | None],
        request: CompletionRequest,
        base: str,
    ) -> None:
        result = await self._result(key, future)
        if self._short.get(key) is token:
            del self._short[key]
        if result is None or token.cancelled or self.latest.get(key) != base:
            return
        if result.stop_reason == StopReason.PROMPT_BUDGET:
            self._spawn_short(key, request, base)  # more of the short prompt
        else:
            self._spawn(key, request, base)  # then the full prompt

    async def _finish(
        self, key: str, found: Ahead, request: CompletionRequest, base: str, session: str
    ) -> None:
        result = await self._result(key, found.future)
        if self._ahead.get(key) is found:
            del self._ahead[key]
        if result is None or found.token.cancelled or self.latest.get(key) != base:
            return
        if result.text:
            self.cache.store(key, found.text, found.offset, result.text, result.multiline)
        elif (
            result.generation is not None
            and result.generation.stop_reason == StopReason.PROMPT_BUDGET
        ):
            self._spawn(key, request, base, session)  # more of the prompt to process

    def stop(self, keep: Ahead | None = None) -> None:
        """Cancel every idle job but `keep` (they stop between tokens)."""
        for found in list(self._ahead.values()):
            if found is not keep:
                found.token.cancel()
        for token in list(self._short.values()):
            token.cancel()

    def forget(self, key: str) -> None:
        found = self._ahead.pop(key, None)
        if found is not None:
            found.token.cancel()
        if (token := self._short.pop(key, None)) is not None:
            token.cancel()
        self.latest.pop(key, None)
