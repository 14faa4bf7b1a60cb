"""Builds the workspace index in a thread of its own and keeps it current.

The first scan reads every file `scan.sources` names (from the disk cache where a
file's path, mtime and size match); then the thread applies what the editor reports:
files created, changed or deleted on disk, documents opened, edited (after a pause)
and closed. The thread runs at the lowest CPU priority and waits while `busy()` says
a completion is being computed: indexing never delays a keystroke.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import stat
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.syntax.languages import language_of_path
from lsp_server.workspace import cache
from lsp_server.workspace.facts import FileFacts, read_facts
from lsp_server.workspace.files import Refused, read_inside
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.scan import Limits, content_problem, skip_reason, sources

log = logging.getLogger(__name__)

# An edited document is read again once its text has not changed for this long.
EDIT_PAUSE_S = 1.0
BUSY_POLL_S = 0.02


@dataclass
class Progress:
    state: str = "idle"  # idle, scanning, ready, stopped
    files: int = 0
    definitions: int = 0
    seconds: float = 0.0
    skipped: int = 0
    from_cache: int = 0
    roots: list[str] = field(default_factory=list)


class Indexer:
    def __init__(
        self,
        index: WorkspaceIndex,
        roots: list[Path],
        limits: Limits | None = None,
        cache_dir: Path | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.index = index
        self.roots = [r.resolve() for r in roots]
        self.limits = limits or Limits()
        self.cache_dir = cache_dir
        self.busy = busy
        self.progress = Progress(roots=[str(r) for r in self.roots])
        self._queue: queue.Queue[tuple[str, str, str | None]] = queue.Queue()
        self._edited: dict[str, tuple[float, str]] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # What the editor reports (any thread).
    def file_changed(self, path: str) -> None:
        self._queue.put(("changed", path, None))

    def file_deleted(self, path: str) -> None:
        self._queue.put(("deleted", path, None))

    def folder_added(self, path: str) -> None:
        self._queue.put(("add-folder", path, None))

    def folder_removed(self, path: str) -> None:
        self._queue.put(("remove-folder", path, None))

    def document_text(self, path: str, text: str | None) -> None:
        """An open document's text now (None: it was closed)."""
        self._queue.put(("text", path, text))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="slm-ls-index", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        self._stopping.set()
        self._queue.put(("stop", "", None))
        if self._thread is not None:
            self._thread.join(wait)
        self.progress.state = "stopped"

    def build(self) -> Progress:
        """The first scan, in the calling thread (the benchmark, `slm-ls doctor`)."""
        started = time.perf_counter()
        self.progress.state = "scanning"
        for root in self.roots:
            self._scan(root)
        self.progress.seconds = time.perf_counter() - started
        self.progress.state = "ready"
        self.progress.files, self.progress.definitions = self.index.counts()
        self.index.ready.set()
        return self.progress

    def _run(self) -> None:
        _lowest_priority()
        try:
            self.build()
            while not self._stopping.is_set():
                self._apply_next()
        except Exception:  # the index is a help: its failure must not end the server
            log.exception("workspace index stopped")
            self.progress.state = "stopped"

    def _apply_next(self) -> None:
        timeout = EDIT_PAUSE_S if self._edited else None
        try:
            kind, path, text = self._queue.get(timeout=timeout)
        except queue.Empty:
            kind, path, text = "", "", None
        if kind == "changed":
            self.refresh(path)
        elif kind == "deleted":
            self.index.drop(_key(path))
        elif kind == "add-folder":
            self._add_folder(Path(path).resolve())
        elif kind == "remove-folder":
            self._remove_folder(Path(path).resolve())
        elif kind == "text":
            self.index.set_overlay(_key(path), text)
            if text is None:
                self._edited.pop(path, None)
                self.refresh(path)
            else:
                self._edited[path] = (time.monotonic(), text)
        now = time.monotonic()
        for edited, (when, latest) in list(self._edited.items()):
            if now - when >= EDIT_PAUSE_S:
                del self._edited[edited]
                self._put_text(edited, latest)
        self.progress.files, self.progress.definitions = self.index.counts()

    def _add_folder(self, root: Path) -> None:
        if root.is_dir() and root not in self.roots:
            self.roots.append(root)
            self._scan(root)

    def _remove_folder(self, root: Path) -> None:
        if root in self.roots:
            self.roots.remove(root)
            prefix = root.as_posix().rstrip("/") + "/"
            for key in self.index.paths():
                if key.startswith(prefix) and self._root_of(Path(key)) is None:
                    self.index.drop(key)

    def refresh(self, path: str) -> None:
        """Read the file at `path` again (or drop it when it is gone or skipped)."""
        root = self._root_of(Path(path))
        key = _key(path)
        if root is None:
            return
        relative = Path(key).relative_to(root).as_posix()
        reason = skip_reason(root, relative, self.limits)
        if reason or language_of_path(relative) == "plaintext":
            self.index.drop(key)
            return
        facts = self._read(root, relative, None)
        if facts is not None:
            self.index.put(key, str(root), facts)

    def _put_text(self, path: str, text: str) -> None:
        root = self._root_of(Path(path))
        if root is None or language_of_path(path) == "plaintext":
            return
        relative = Path(_key(path)).relative_to(root).as_posix()
        data = text.encode("utf-8", "surrogatepass")
        if len(data) <= self.limits.max_file_bytes:
            stamp = (0, zlib.crc32(data))  # an edited text's version: no mtime of its own
            facts = read_facts(self._shown(root, relative), language_of_path(path), data, stamp)
            self.index.put(_key(path), str(root), facts)

    def _root_of(self, path: Path) -> Path | None:
        """The workspace folder `path` lies in (never a path outside them all)."""
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        return next((r for r in self.roots if resolved.is_relative_to(r)), None)

    def _shown(self, root: Path, relative: str) -> str:
        return f"{root.name}/{relative}" if len(self.roots) > 1 else relative

    def _scan(self, root: Path) -> None:
        cached = self._load_cache(root)
        kept: dict[str, FileFacts] = {}
        for source in sources(root, self.limits):
            if self._stopping.is_set():
                return
            while self.busy() and not self._stopping.is_set():
                time.sleep(BUSY_POLL_S)
            facts = self._read(root, source.relative, cached.get(source.relative))
            if facts is None:
                self.progress.skipped += 1
                continue
            kept[source.relative] = facts
            self.index.put(str(source.path), str(root), facts)
            self.progress.files += 1
        self._save_cache(root, kept)

    def _read(self, root: Path, relative: str, cached: FileFacts | None) -> FileFacts | None:
        path = root / relative
        try:
            status = path.stat()
        except OSError as exc:
            log.info("workspace index: skipped %s: unreadable (%s)", relative, type(exc).__name__)
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        if cached is not None and cached.stamp == stamp and stat.S_ISREG(status.st_mode):
            self.progress.from_cache += 1
            return cached
        data = read_inside(root, path, self.limits.max_file_bytes)
        if isinstance(data, Refused):
            log.info("workspace index: skipped %s: %s", relative, data.reason)
            return None
        problem = content_problem(data)
        if problem:
            log.debug("workspace index: skipped %s: %s", relative, problem)
            return None
        return read_facts(self._shown(root, relative), language_of_path(relative), data, stamp)

    def _load_cache(self, root: Path) -> dict[str, FileFacts]:
        return cache.load(cache.cache_file(self.cache_dir, root), root) if self.cache_dir else {}

    def _save_cache(self, root: Path, files: dict[str, FileFacts]) -> None:
        if self.cache_dir is not None:
            cache.dump(cache.cache_file(self.cache_dir, root), root, files)


def _key(path: str) -> str:
    return Path(path).resolve().as_posix() if path else path


def _lowest_priority() -> None:
    """This thread yields the CPU to every other (Linux: niceness is per thread)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
