"""The workspace index's disk cache: one JSON file a workspace folder, in a folder
only the user can open (0700; files 0600), so the next start reads the facts of
unchanged files instead of parsing them again.

A cache file is input like any other (another program could have written it), so
it is JSON, never pickle, and every field is checked on the way in: a file that is
not exactly what `dump` writes is ignored whole (one log line) and the folder is
scanned again. It holds what `FileFacts` holds: paths, names, line numbers, import
names and the definitions' shown text (signatures, docstrings, short definitions with
every string literal written `"…"`: workspace/facts.py) — no file bodies and no
literal values.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from lsp_server.workspace.facts import FileFacts, Import, Symbol

log = logging.getLogger(__name__)
VERSION = 2
MAX_CACHE_BYTES = 200_000_000


class BadCache(ValueError):
    """The cache file is not one `dump` wrote."""


def cache_file(cache_dir: Path, root: Path) -> Path:
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:24]
    return cache_dir / f"{digest}.json"


def load(where: Path, root: Path) -> dict[str, FileFacts]:
    """The facts kept for `root` ({} when there is no cache, or it is not ours)."""
    try:
        if not where.is_file() or where.stat().st_size > MAX_CACHE_BYTES:
            return {}
        stored = json.loads(where.read_bytes())
        if not isinstance(stored, dict) or stored.get("version") != VERSION:
            raise BadCache("another version")
        if stored.get("root") != str(root):
            raise BadCache("another folder")
        files = stored.get("files")
        if not isinstance(files, dict):
            raise BadCache("no files")
        return {_string(k): _facts(v) for k, v in files.items()}
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
        log.info("workspace index: cache ignored, rebuilt (%s)", type(exc).__name__)
        return {}


def dump(where: Path, root: Path, files: dict[str, FileFacts]) -> None:
    """Write the facts of `root` (atomically; a failure is one log line)."""
    try:
        _private_folder(where.parent)
        body = {
            "version": VERSION,
            "root": str(root),
            "files": {k: _plain(f) for k, f in files.items()},
        }
        partial = where.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)  # derived from the user's code: theirs alone
            json.dump(body, handle, ensure_ascii=False, separators=(",", ":"))
        partial.replace(where)
    except OSError as exc:
        log.info("workspace index: cache not written (%s)", type(exc).__name__)


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)  # an older slm-ls made it 0755


def _plain(facts: FileFacts) -> dict[str, Any]:
    return {
        "path": facts.path,
        "language": facts.language,
        "stamp": list(facts.stamp),
        "symbols": [[s.name, s.path, s.line, s.text, s.member] for s in facts.symbols],
        "imports": [[i.module, list(i.names), i.level, i.alias] for i in facts.imports],
    }


def _facts(value: Any) -> FileFacts:
    if not isinstance(value, dict):
        raise BadCache("a file's facts")
    stamp = value["stamp"]
    if not isinstance(stamp, list) or len(stamp) != 2:
        raise BadCache("a stamp")
    return FileFacts(
        _string(value["path"]),
        _string(value["language"]),
        (_int(stamp[0]), _int(stamp[1])),
        tuple(_symbol(s) for s in _list(value["symbols"])),
        tuple(_import(i) for i in _list(value["imports"])),
    )


def _symbol(value: Any) -> Symbol:
    name, path, line, text, member = _list(value, 5)
    if not isinstance(member, bool):
        raise BadCache("a member flag")
    return Symbol(_string(name), _string(path), _int(line), _string(text), member)


def _import(value: Any) -> Import:
    module, names, level, alias = _list(value, 4)
    return Import(
        _string(module), tuple(_string(n) for n in _list(names)), _int(level), _string(alias)
    )


def _list(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise BadCache("a list")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise BadCache("a string")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadCache("an integer")
    return value
