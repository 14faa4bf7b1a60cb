"""The workspace index: the facts of every indexed file, the names they define, and
the tables that resolve an import to the files it reads.

Written by one indexing thread, read by the completion worker: every method takes the
lock for as long as a dictionary operation, and returns values, never the tables.
Files are keyed by their absolute path; what a prompt shows is the path relative to
the workspace folder (with the folder's name first when there are several).
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lsp_server.syntax.languages import Modules, spec_for
from lsp_server.workspace.facts import FileFacts, Import, Symbol
from lsp_server.workspace.files import Refused, read_inside

# JS/TS: what "./x" may name, in the order the resolvers try them.
RELATIVE_SUFFIXES = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")
INDEX_FILES = tuple(f"/index{s}" for s in RELATIVE_SUFFIXES)
log = logging.getLogger(__name__)
# A name defined in more files than this is too common to say which one is meant.
MAX_SAME_NAME = 16


@dataclass(frozen=True)
class Entry:
    key: str  # absolute posix path
    root: str  # the workspace folder it belongs to (absolute posix)
    facts: FileFacts


@dataclass(frozen=True)
class Found:
    """A definition found for a name, with the file it is in."""

    key: str
    symbol: Symbol


class WorkspaceIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Entry] = {}
        self._names: defaultdict[str, set[str]] = defaultdict(set)  # name -> file keys
        self._modules: defaultdict[str, set[str]] = defaultdict(set)  # python dotted -> keys
        self._dirs: defaultdict[str, set[str]] = defaultdict(set)  # directory -> keys
        self._overlays: dict[str, str] = {}  # open documents' own text, by key
        self.ready = threading.Event()  # set when the first full scan ended

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    def put(self, key: str, root: str, facts: FileFacts) -> None:
        with self._lock:
            self._drop(key)
            self._files[key] = Entry(key, root, facts)
            for symbol in facts.symbols:
                self._names[symbol.name].add(key)
            for dotted in _python_modules(key, root, facts.language):
                self._modules[dotted].add(key)
            self._dirs[posixpath.dirname(key)].add(key)

    def drop(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key: str) -> None:
        old = self._files.pop(key, None)
        if old is None:
            return
        for symbol in old.facts.symbols:
            self._discard(self._names, symbol.name, key)
        for dotted in _python_modules(key, old.root, old.facts.language):
            self._discard(self._modules, dotted, key)
        self._discard(self._dirs, posixpath.dirname(key), key)

    @staticmethod
    def _discard(table: defaultdict[str, set[str]], name: str, key: str) -> None:
        keys = table.get(name)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del table[name]

    def entry(self, key: str) -> Entry | None:
        with self._lock:
            return self._files.get(key)

    def paths(self) -> list[str]:
        with self._lock:
            return list(self._files)

    def counts(self) -> tuple[int, int]:
        """(files, definitions)."""
        with self._lock:
            return len(self._files), sum(len(e.facts.symbols) for e in self._files.values())

    def set_overlay(self, key: str, text: str | None) -> None:
        """The text an open document has now (None: closed, read the file again)."""
        with self._lock:
            if text is None:
                self._overlays.pop(key, None)
            else:
                self._overlays[key] = text

    def text(self, key: str, max_bytes: int) -> str | None:
        """The indexed file's text: the open document's, else read from disk as
        `files.read_inside` allows (None: not indexed, refused, or not UTF-8). Called on
        the engine thread: the read never blocks and never leaves the folder."""
        with self._lock:
            overlay = self._overlays.get(key)
            entry = self._files.get(key)
        if overlay is not None:
            return overlay
        if entry is None:
            return None
        data = read_inside(Path(entry.root), Path(key), max_bytes)
        if isinstance(data, Refused):
            log.info("workspace index: a file not read: %s", data.reason)
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def named(self, name: str) -> list[Found]:
        """The definitions of `name` in the index (none when too many files define it)."""
        with self._lock:
            keys = sorted(self._names.get(name, ()))
            if len(keys) > MAX_SAME_NAME:
                return []
            entries = [self._files[k] for k in keys]
        return [Found(e.key, s) for e in entries for s in e.facts.symbols if s.name == name]

    def defined_in(self, key: str) -> list[Found]:
        """The top-level definitions of the file at `key`, in file order."""
        entry = self.entry(key)
        symbols = entry.facts.symbols if entry is not None else ()
        return [Found(key, s) for s in symbols if not s.member]

    def neighbours(self, key: str) -> list[str]:
        """Other files of the same directory and language family (Go: the package)."""
        with self._lock:
            entry = self._files.get(key)
            same_dir = sorted(self._dirs.get(posixpath.dirname(key), ()))
            family = _family(entry.facts.language) if entry else ""
            return [
                k for k in same_dir if k != key and _family(self._files[k].facts.language) == family
            ]

    def resolve(self, key: str, language: str, imports: tuple[Import, ...]) -> list[str]:
        """The files the imports of the file at `key` read, in import order."""
        modules = spec_for(language).modules
        found: list[str] = []
        with self._lock:
            for item in imports:
                if modules == Modules.PYTHON:
                    found += self._python(key, item)
                elif modules == Modules.GO:
                    found += self._go(item)
                elif modules == Modules.RELATIVE:
                    found += self._relative(key, item)
        return [k for k in dict.fromkeys(found) if k != key]

    def modules_bound(
        self, key: str, language: str, imports: tuple[Import, ...]
    ) -> dict[str, list[str]]:
        """The files of the modules the file at `key` binds to a name: `import a.b as
        m`, `import * as m from`, Go's package names, Python's `from pkg import module`."""
        found: dict[str, list[str]] = {}
        for item in imports:
            if item.alias:
                found[item.alias] = self.resolve(key, language, (item,))
            if spec_for(language).modules == Modules.PYTHON:
                for name in item.names:
                    dotted = f"{item.module}.{name}" if item.module else name
                    inner = self.resolve(key, language, (Import(dotted, (), item.level),))
                    if inner:
                        found[name] = inner
        return found

    def _python(self, key: str, item: Import) -> list[str]:
        if item.level:
            base = posixpath.dirname(key)
            for _ in range(item.level - 1):
                base = posixpath.dirname(base)
            stem = posixpath.join(base, *item.module.split(".")) if item.module else base
            targets = [stem, *(posixpath.join(stem, n) for n in item.names)]
            return [f for t in targets for f in (t + ".py", t + "/__init__.py") if f in self._files]
        found = self._nearest(key, self._modules.get(item.module, set()))
        for name in item.names:  # `from pkg import module`
            found += self._nearest(key, self._modules.get(f"{item.module}.{name}", set()))
        return found

    @staticmethod
    def _nearest(key: str, keys: set[str]) -> list[str]:
        """Of several files a dotted name may mean, the one closest to `key`."""
        if not keys:
            return []
        return [max(sorted(keys), key=lambda k: len(posixpath.commonpath([k, key])))]

    def _go(self, item: Import) -> list[str]:
        parts = item.module.split("/")
        best: list[str] = []
        best_depth = 0
        for directory, keys in self._dirs.items():
            if not directory.endswith("/" + parts[-1]):
                continue
            depth = _common_tail(directory.split("/"), parts)
            if depth > best_depth:
                go = [k for k in keys if k.endswith(".go") and not k.endswith("_test.go")]
                if go:
                    best, best_depth = sorted(go), depth
        return best

    def _relative(self, key: str, item: Import) -> list[str]:
        if not item.module.startswith("."):
            return []  # a package: not in the workspace's sources
        stem = posixpath.normpath(posixpath.join(posixpath.dirname(key), item.module))
        bare = stem.rsplit(".", 1)[0] if stem.endswith((".js", ".mjs", ".cjs", ".jsx")) else ""
        tries = [stem, *(s + x for s in (stem, bare) if s for x in RELATIVE_SUFFIXES + INDEX_FILES)]
        return next(([t] for t in tries if t in self._files), [])


def _common_tail(left: list[str], right: list[str]) -> int:
    depth = 0
    while depth < min(len(left), len(right)) and left[-1 - depth] == right[-1 - depth]:
        depth += 1
    return depth


def _family(language: str) -> str:
    return language.replace("react", "").replace("javascript", "typescript")


def _python_modules(key: str, root: str, language: str) -> list[str]:
    """The dotted names a Python file can be imported by: every tail of its path
    below the root (`src/pkg/mod.py`: `pkg.mod`, `src.pkg.mod`, `mod`)."""
    if language != "python" or not key.startswith(root.rstrip("/") + "/"):
        return []
    relative = key[len(root.rstrip("/")) + 1 :]
    stem = relative.rsplit(".", 1)[0]
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]
