"""The workspace index's LSP side: started after `initialized` with the workspace
folders, kept current by `workspace/didChangeWatchedFiles` (watchers registered
dynamically where the client allows it), `didSave`, and the open documents' own text
(features/documents.py passes it on)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from lsp_server.context.workspace import WorkspaceView
from lsp_server.features import convert
from lsp_server.models.resolve import cache_dir
from lsp_server.server import SlmLanguageServer
from lsp_server.syntax.languages import EXTENSIONS

log = logging.getLogger(__name__)
WATCH_ID = "slm-ls-workspace-watch"


def roots(ls: SlmLanguageServer) -> list[Path]:
    """The workspace folders' paths (the root path for clients without folders)."""
    folders = [convert.file_path(f.uri) for f in ls.workspace.folders.values()]
    found = [Path(p) for p in folders if p]
    if not found and ls.workspace.root_path:
        found = [Path(ls.workspace.root_path)]
    return [p for p in found if p.is_dir()]


def start(ls: SlmLanguageServer, tasks: set[asyncio.Task[None]]) -> None:
    """Index the folders in the background, and ask the client to report file changes."""
    settings = ls.settings.context
    found = roots(ls)
    if not settings.workspace or not found or ls.index.running:
        return
    _start_index(ls, found)
    caps = ls.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps else None
    if watched and watched.dynamic_registration:
        task = asyncio.ensure_future(_watch(ls))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


def _start_index(ls: SlmLanguageServer, found: list[Path]) -> None:
    cache = cache_dir().parent / "index"
    ls.index.start(found, ls.settings.context, cache, ls.runtime.worker.busy)


async def _watch(ls: SlmLanguageServer) -> None:
    suffixes = ",".join(sorted(ext.lstrip(".") for ext in EXTENSIONS))
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=f"**/*.{{{suffixes}}}")]
    )
    registration = types.Registration(
        WATCH_ID, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams([registration]))
    except Exception as exc:  # the client refused: the index follows saves and edits only
        log.info("file watchers not registered: %s", exc)


def view(ls: SlmLanguageServer, uri: str) -> WorkspaceView | None:
    """What a completion request reads of the index (None when it is off)."""
    settings = ls.settings.context
    if not ls.index.running or not settings.workspace:
        return None
    path = convert.file_path(uri)
    key = Path(path).resolve().as_posix() if path else ""
    return WorkspaceView(
        ls.index.index,
        key,
        settings.workspace_tokens,
        settings.max_file_bytes,
        settings.similar_code,
        ls.index.chunks,
    )


def register(server: SlmLanguageServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: SlmLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = convert.file_path(change.uri)
            ls.index.file_changed(path, deleted=change.type == types.FileChangeType.Deleted)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: SlmLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        """pygls updates its folders first; the index follows (or starts, when the
        workspace had none)."""
        added = [convert.file_path(f.uri) for f in params.event.added]
        removed = [convert.file_path(f.uri) for f in params.event.removed]
        if not ls.index.running:
            settings = ls.settings.context
            found = [Path(p) for p in added if p and Path(p).is_dir()]
            if settings.workspace and found:
                _start_index(ls, found)
            return
        ls.index.folders_changed([p for p in added if p], [p for p in removed if p])

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls: SlmLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.index.file_changed(convert.file_path(params.text_document.uri))
