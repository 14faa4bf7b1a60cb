"""Ignore files where git cannot say: the workspace walk without a repository honours
every `.gitignore` and `.ignore` (ripgrep's, with the same syntax) from the folder
down, as git would: a deeper file's rule wins over a shallower one's, the last
matching rule of a file wins, `!` re-includes, and nothing below an ignored folder is
looked at. Matching is pathspec's `GitIgnoreSpec` (git's wildmatch rules, kept up to
date by its authors; docs/decisions.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from lsp_server.workspace.files import Refused, read_inside

log = logging.getLogger(__name__)

IGNORE_FILES = (".gitignore", ".ignore")
MAX_IGNORE_BYTES = 256_000


@dataclass(frozen=True)
class Rules:
    """The ignore rules of one folder (`base`: its path below the root, posix, "" for
    the root)."""

    base: str
    spec: GitIgnoreSpec


def folder_rules(root: Path, folder: Path, base: str) -> Rules | None:
    """The rules the ignore files of `folder` set (None when it has none)."""
    lines: list[str] = []
    for name in IGNORE_FILES:
        path = folder / name
        if not path.is_file():
            continue
        data = read_inside(root, path, MAX_IGNORE_BYTES)
        if isinstance(data, Refused):
            log.debug("workspace index: %s/%s not read: %s", base or ".", name, data.reason)
            continue
        lines += data.decode("utf-8", "replace").splitlines()
    return Rules(base, GitIgnoreSpec.from_lines(lines)) if lines else None


def ignored(rules: list[Rules], relative: str, folder: bool = False) -> bool:
    """Whether `relative` (posix, below the root) is ignored by `rules` (the rules of
    its ancestors, shallowest first)."""
    for rule in reversed(rules):
        if rule.base and not relative.startswith(rule.base + "/"):
            continue
        below = relative[len(rule.base) + 1 :] if rule.base else relative
        decided = rule.spec.check_file(below + "/" if folder else below).include
        if decided is not None:
            return decided
    return False
