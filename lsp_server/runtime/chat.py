"""Chat answers (hover, code actions) on the completion engine — or on the `chatModel`
engine beside it — without slowing typing down.

- They run at Priority.EXPLAIN, after every keystroke's completion; a completion that
  arrives while one runs pre-empts it between tokens (`preempt`), and the answer is
  restarted afterwards. Its prompt is processed in its own KV session
  (`<document>#explain`), so the document's state that makes the next keystroke cheap
  is kept, and the restart re-uses what the first attempt processed.
- Only the newest request per document runs; `$/cancelRequest` stops it.
- Finished answers are cached per (model, messages): asking again is instant.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from lsp_server.engines.base import CancelToken, Generation, GenerationParams, StopReason
from lsp_server.prompt.chat import ChatTemplate, ChatTemplateError, Message
from lsp_server.runtime.slot import Loaded
from lsp_server.runtime.worker import shared

T = TypeVar("T")


class ChatEngines(Protocol):
    """What the chat runner needs of the runtime (runtime.py's Runtime)."""

    def chat_engine_key(self) -> tuple[object, ...]: ...

    def load_chat(self) -> concurrent.futures.Future[Loaded]: ...

    def run_chat(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]: ...


log = logging.getLogger(__name__)
CACHE_SIZE = 256


@dataclass(frozen=True)
class Answer:
    text: str
    done: bool  # False: cut by the deadline (text is what was written by then)
    cached: bool = False


class ChatRunner:
    def __init__(self, runtime: ChatEngines) -> None:
        self.runtime = runtime
        self._cache: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._newest: dict[str, CancelToken] = {}  # per document: cancelled by a newer one
        self._attempts: set[CancelToken] = set()  # running now: pre-empted by typing
        # The engine's template, kept with the engine it belongs to (a reference, so a
        # replaced engine is never mistaken for the new one).
        self._template_for: tuple[Loaded, ChatTemplate] | None = None
        self._no_template: set[tuple[object, ...]] = set()  # engines without a usable one

    def usable(self) -> bool:
        """False once the chat engine turned out to have no usable chat template: hover
        and actions stay off for it (until the model changes)."""
        return self.runtime.chat_engine_key() not in self._no_template

    def preempt(self) -> None:
        """A completion arrived: stop the running answers between tokens."""
        for token in list(self._attempts):
            token.cancel()

    def stop(self) -> None:
        """The server is leaving: stop every answer, for good."""
        for token in [*self._newest.values(), *self._attempts]:
            token.cancel()

    async def answer(
        self, key: str, messages: list[Message], max_tokens: int, deadline_s: float
    ) -> Answer:
        """The model's answer to `messages`; raises ChatTemplateError when the model has
        no usable chat template."""
        cache_key = (self.runtime.chat_engine_key(), tuple(messages), max_tokens)
        if (text := self._cache.get(cache_key)) is not None:
            self._cache.move_to_end(cache_key)
            return Answer(text, True, cached=True)
        if (older := self._newest.get(key)) is not None:
            older.cancel()
        mine = self._newest[key] = CancelToken()
        deadline = time.monotonic() + deadline_s
        try:
            generation = await self._run(key, messages, max_tokens, deadline, mine)
        except asyncio.CancelledError:
            mine.cancel()  # $/cancelRequest
            raise
        except ChatTemplateError:
            self._no_template.add(cache_key[0])
            raise
        finally:
            if self._newest.get(key) is mine:
                del self._newest[key]
        done = generation.stop_reason.finished
        if done:
            self._cache[cache_key] = generation.text
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return Answer(generation.text, done)

    async def _run(
        self, key: str, messages: list[Message], max_tokens: int, deadline: float, mine: CancelToken
    ) -> Generation:
        """Run until finished, the deadline or a newer request; restarted when typing
        pre-empts it."""
        params = GenerationParams(max_tokens, deadline=deadline, session=f"{key}#explain")
        while True:
            generation = await self._attempt(messages, params, mine)
            preempted = generation.stop_reason == StopReason.CANCELLED and not mine.cancelled
            if not preempted or time.monotonic() >= deadline:
                return generation
            log.debug("answer for %s pre-empted by typing: restarting", key)

    async def _attempt(
        self, messages: list[Message], params: GenerationParams, mine: CancelToken
    ) -> Generation:
        attempt = CancelToken()
        self._attempts.add(attempt)

        def job(loaded: Loaded) -> Generation:
            if mine.cancelled:
                return Generation("", stop_reason=StopReason.CANCELLED)
            engine = loaded.engine
            ids = self._template(loaded).tokens(messages, engine.tokenize, engine.tokenize_special)
            return engine.generate(ids, params, _Either(attempt, mine))

        try:
            await shared(self.runtime.load_chat())
            return await asyncio.wrap_future(self.runtime.run_chat(job))
        finally:
            self._attempts.discard(attempt)

    def _template(self, loaded: Loaded) -> ChatTemplate:
        if self._template_for is None or self._template_for[0] is not loaded:
            info = loaded.engine.info
            template = ChatTemplate(info.chat_template, info.bos_text, info.eos_text)
            self._template_for = (loaded, template)
        return self._template_for[1]


class _Either(CancelToken):
    """Cancelled when either token is."""

    def __init__(self, first: CancelToken, second: CancelToken) -> None:
        super().__init__()
        self._first, self._second = first, second

    @property
    def cancelled(self) -> bool:
        return self._first.cancelled or self._second.cancelled


__all__ = ["Answer", "ChatRunner", "ChatTemplateError"]
