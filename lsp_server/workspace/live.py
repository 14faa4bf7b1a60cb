"""The server's workspace index: started once the client has told the workspace
folders, stopped with the server; what the completion requests read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp_server.config.settings import ContextSettings
from lsp_server.workspace.chunks import ChunkMemo
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.indexer import Indexer
from lsp_server.workspace.scan import Limits

log = logging.getLogger(__name__)


class LiveWorkspace:
    def __init__(self) -> None:
        self.index = WorkspaceIndex()
        self.chunks = ChunkMemo()
        self.indexer: Indexer | None = None

    @property
    def running(self) -> bool:
        return self.indexer is not None

    def start(
        self,
        roots: list[Path],
        settings: ContextSettings,
        cache_dir: Path | None,
        busy: Callable[[], bool],
    ) -> None:
        """Index `roots` in the background (once; nothing without folders or when off)."""
        if self.indexer is not None or not roots or not settings.workspace:
            return
        limits = Limits(settings.max_files, settings.max_file_bytes)
        cache = cache_dir if settings.disk_cache else None
        self.indexer = Indexer(self.index, roots, limits, cache, busy)
        self.indexer.start()
        log.info("workspace index: started for %d folder(s)", len(roots))

    @property
    def scanning(self) -> bool:
        """The first scan of the folders is under way."""
        return self.indexer is not None and self.indexer.progress.state == "scanning"

    def stop(self) -> None:
        if self.indexer is not None:
            self.indexer.stop()

    def folders_changed(self, added: list[str], removed: list[str]) -> None:
        """Workspace folders added or removed in the editor (indexed or dropped)."""
        if self.indexer is None:
            return
        for path in removed:
            self.indexer.folder_removed(path)
        for path in added:
            self.indexer.folder_added(path)

    def document_text(self, path: str, text: str | None) -> None:
        if self.indexer is not None and path:
            self.indexer.document_text(path, text)

    def file_changed(self, path: str, deleted: bool = False) -> None:
        if self.indexer is None or not path:
            return
        if deleted:
            self.indexer.file_deleted(path)
        else:
            self.indexer.file_changed(path)

    def status(self) -> dict[str, Any]:
        """For `slmls/stats` and `slm-ls doctor`: state, files, definitions, seconds."""
        if self.indexer is None:
            return {"state": "off"}
        progress = self.indexer.progress
        return {
            "state": progress.state,
            "files": progress.files,
            "definitions": progress.definitions,
            "seconds": round(progress.seconds, 3),
            "fromCache": progress.from_cache,
            "skipped": progress.skipped,
        }
