"""The next-edit service: the edit history of the open documents, and the model's
work for a next edit on the engine thread, after every keystroke's completion and
stopped by one (`preempt`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from lsp_server.config.settings import Settings
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import CancelToken, EngineError
from lsp_server.models.resolve import ModelError
from lsp_server.nextedit.history import EditHistory
from lsp_server.nextedit.predict import NextEdit, next_edit, tree_answer
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.slot import Loaded
from lsp_server.runtime.worker import shared

log = logging.getLogger(__name__)
NEXT_SESSION = "#next"  # the rewrites' own KV session, beside the document's


Current = Callable[[], tuple[int, Snapshot] | None]  # a document's version and snapshot


class NextEditService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.history = EditHistory()
        self._running: set[CancelToken] = set()
        # Per document: the version and the text a next edit was computed on, and the
        # edit (None: nothing to follow) — what the code action offers, and the
        # request's answer. Offsets mean something only in that text: a version number
        # alone can come back with another text (sent again, reopened, gone back).
        self.ready: dict[str, tuple[int, str, NextEdit | None]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def edited(self, uri: str, version: int, current: Current) -> None:
        """After `nextEdit.debounceMs` without a change, compute the next edit in the
        background (for clients that only ask for code actions: Helix)."""
        if not self.settings.next_edit.enabled:
            return
        if (older := self._pending.pop(uri, None)) is not None:
            older.cancel()
        task = asyncio.ensure_future(self._after_pause(uri, version, current))
        self._pending[uri] = task
        task.add_done_callback(lambda done: self._forget_task(uri, done))

    def _forget_task(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(uri) is task:
            del self._pending[uri]

    async def _after_pause(self, uri: str, version: int, current: Current) -> None:
        await asyncio.sleep(self.settings.next_edit.debounce_ms / 1000)
        now = current()
        if now is None or now[0] != version:
            return
        try:
            await self.suggest(uri, now[1], version)
        except (TimeoutError, ModelError, EngineError) as exc:
            log.debug("next edit for %s: %s", uri, exc)

    def opened(self, uri: str, text: str) -> None:
        """A document opened (again, perhaps without a close): nothing kept from before."""
        self.closed(uri)
        self.history.opened(uri, text)

    def closed(self, uri: str) -> None:
        self.history.closed(uri)
        self.ready.pop(uri, None)
        if (task := self._pending.pop(uri, None)) is not None:
            task.cancel()

    def offer(self, uri: str, version: int, text: str) -> NextEdit | None:
        """The edit kept for the document if it was computed on exactly `text`."""
        known = self.ready.get(uri)
        if known is None or known[0] != version or known[1] != text:
            return None
        return known[2]

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def suggest(self, uri: str, snapshot: Snapshot, version: int) -> NextEdit | None:
        """The edit that should follow the document's last edit (version `version`),
        or None; computed once per version."""
        settings = self.settings.next_edit
        last = self.history.last(uri)
        if not settings.enabled or last is None:
            return None
        known = self.ready.get(uri)
        if known is not None and known[0] == version and known[1] == snapshot.text:
            return known[2]
        before, edit = last
        # What the tree decides needs no engine: answered at once, while keystrokes
        # keep the engine thread busy (off the event loop: it parses the text).
        tree = await asyncio.to_thread(tree_answer, snapshot, before, edit, settings.max_candidates)
        if tree.decided:
            self.ready[uri] = (version, snapshot.text, tree.edit)
            return tree.edit
        await shared(self.runtime.load())
        token = CancelToken()

        deadline = time.monotonic() + settings.deadline_ms / 1000

        def job(loaded: Loaded) -> NextEdit | None:
            return next_edit(
                snapshot,
                before,
                edit,
                loaded.engine,
                token,
                settings.max_candidates,
                uri + NEXT_SESSION,
                deadline,
            )

        self._running.add(token)
        try:
            found = await asyncio.wait_for(
                asyncio.wrap_future(self.runtime.run_next_edit(job)), settings.deadline_ms / 1000
            )
            if not token.cancelled:  # a pre-empted search found nothing yet: not kept
                self.ready[uri] = (version, snapshot.text, found)
            return found
        except (asyncio.CancelledError, TimeoutError):
            token.cancel()  # $/cancelRequest, or past the deadline: stop between tokens
            raise
        finally:
            self._running.discard(token)

    def preempt(self) -> None:
        """A keystroke's completion arrived: stop the rewrites between tokens."""
        for token in list(self._running):
            token.cancel()

    def stop(self) -> None:
        """The server is leaving."""
        self.preempt()
        for task in list(self._pending.values()):
            task.cancel()
