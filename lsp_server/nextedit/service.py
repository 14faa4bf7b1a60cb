"""The next-edit service: the edit history of the open documents, and the model's
work for a next edit on the engine thread, after every keystroke's completion and
stopped by one (`preempt`)."""

from __future__ import annotations

import asyncio
import time

from lsp_server.config.settings import Settings
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import CancelToken
from lsp_server.nextedit.history import EditHistory
from lsp_server.nextedit.predict import NextEdit, next_edit
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.slot import Loaded
from lsp_server.runtime.worker import shared

NEXT_SESSION = "#next"  # the rewrites' own KV session, beside the document's


class NextEditService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.history = EditHistory()
        self._running: set[CancelToken] = set()

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def suggest(self, uri: str, snapshot: Snapshot) -> NextEdit | None:
        """The edit that should follow the document's last edit, or None."""
        settings = self.settings.next_edit
        last = self.history.last(uri)
        if not settings.enabled or last is None:
            return None
        before, edit = last
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
            return await asyncio.wait_for(
                asyncio.wrap_future(self.runtime.run_next_edit(job)), settings.deadline_ms / 1000
            )
        except (asyncio.CancelledError, TimeoutError):
            token.cancel()  # $/cancelRequest, or past the deadline: stop between tokens
            raise
        finally:
            self._running.discard(token)

    def preempt(self) -> None:
        """A keystroke's completion arrived: stop the rewrites between tokens."""
        for token in list(self._running):
            token.cancel()
