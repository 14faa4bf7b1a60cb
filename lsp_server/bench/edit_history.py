"""Next-edit scenarios mined from a repository's git history: a commit that changes a
file in two or more places. The first hunk is applied as the person's edit; the
expected answers are the later hunks related to it (follow-ups), or — when none
is — staying quiet.

A later hunk is related when it touches a name the first one changed (an identifier
of the code in its old or new lines but not both — keywords, comments and strings
are not names; tree-sitter says which is which), or when it repeats the first one's
replacement (a word replaced by another, as in a typo fixed twice). Any related
hunk is a right answer: the commit does not say in which order they were made."""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from pathlib import Path

from lsp_server.documents.snapshot import Snapshot
from lsp_server.nextedit.candidates import names_on_lines, replacement
from lsp_server.nextedit.history import diff
from lsp_server.syntax.languages import EXTENSIONS
from lsp_server.workspace import git

TOKEN = re.compile(r"\$?[A-Za-z_]\w*")
MIN_NEW_WORD = 3
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
MAX_FILE_BYTES = 200_000
MAX_HUNK_LINES = 6  # a small, local change (the feature's kind)
COMMITS = 3000
HISTORY_TIMEOUT_S = 120.0  # one `git log` or `git show` of a large history


@dataclass(frozen=True)
class Hunk:
    old_start: int  # 1-based; with no old lines, the line after which they are inserted
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    scenario_id: str  # commit:path:hunk
    path: str
    language: str
    before: str  # the file before the commit
    edited: str  # ... with the first hunk applied (the person's edit)
    follows: tuple[Hunk, ...]  # the related later hunks, in `edited`'s line numbers

    @property
    def follow(self) -> Hunk | None:
        """The first follow-up (None: the right answer is to stay quiet)."""
        return self.follows[0] if self.follows else None


def apply(text: str, hunk: Hunk) -> str:
    lines = text.split("\n")
    start = hunk.old_start - 1 if hunk.old else hunk.old_start
    lines[start : start + len(hunk.old)] = list(hunk.new)
    return "\n".join(lines)


def _git(repo: Path, *args: str) -> str:
    return git.text(repo, *args, timeout=HISTORY_TIMEOUT_S)


def _hunks(patch: str) -> dict[str, list[Hunk]]:
    """Per file, the hunks of a `git show -U0` patch."""
    files: dict[str, list[tuple[int, list[str], list[str]]]] = {}
    path = ""
    current: tuple[int, list[str], list[str]] | None = None
    for line in patch.split("\n"):
        if line.startswith(("+++ ", "--- ")):
            if line.startswith("+++ "):
                path = line[6:] if line.startswith("+++ b/") else ""
            current = None
            continue
        match = HUNK.match(line)
        if match and path:
            current = (int(match.group(1)), [], [])
            files.setdefault(path, []).append(current)
        elif current is not None and line[:1] in ("-", "+"):
            (current[1] if line[0] == "-" else current[2]).append(line[1:])
    return {p: [Hunk(a, tuple(old), tuple(new)) for a, old, new in hs] for p, hs in files.items()}


@functools.lru_cache(maxsize=4)  # a commit's hunks are read against the same texts
def _parsed(text: str, language: str) -> Snapshot:
    return Snapshot.parse(text, language)


def _lines_names(text: str, language: str, first: int, count: int) -> set[str]:
    """The identifiers of the code on lines [first, first + count) (0-based)."""
    return names_on_lines(_parsed(text, language), first, first + count)


def _hunk_names(hunk: Hunk, before: str, language: str) -> set[str]:
    """The names a hunk changed: on its new lines but not its old ones, or the other
    way round (each side read from the parsed file it is in)."""
    first = hunk.old_start - 1 if hunk.old else hunk.old_start
    old = _lines_names(before, language, first, len(hunk.old)) if hunk.old else set()
    after = apply(before, hunk)
    new = _lines_names(after, language, first, len(hunk.new)) if hunk.new else set()
    return old ^ new


def _new_words(hunk: Hunk, before: str) -> set[str]:
    """Words of the hunk's new lines the file did not have before (a new name, also
    one inside a string of another language, as a shell script in Python)."""
    words = set(TOKEN.findall("\n".join(hunk.new))) - set(TOKEN.findall(before))
    return {w for w in words if len(w) >= MIN_NEW_WORD}


def _repeats(hunk: Hunk, replaced: tuple[str, str] | None) -> bool:
    """The hunk makes the same word replacement as the first one (and nothing else)."""
    if replaced is None:
        return False
    old, new = "\n".join(hunk.old), "\n".join(hunk.new)
    return replaced[0] in old and old.replace(replaced[0], replaced[1]) == new


def _small(hunk: Hunk) -> bool:
    sizes = (len(hunk.old), len(hunk.new))
    return sum(sizes) > 0 and max(sizes) <= MAX_HUNK_LINES


def scenarios(repo: Path, limit: int, seed: int) -> list[Scenario]:
    """Up to `limit` scenarios, about half with a follow-up and half quiet when the
    history has them, from commits sampled with `seed`."""
    commits = _git(repo, "log", "--no-merges", "--format=%H", f"-n{COMMITS}").split()
    random.Random(seed).shuffle(commits)
    follow: list[Scenario] = []
    quiet: list[Scenario] = []
    for commit in commits:
        if len(follow) >= limit // 2 and len(quiet) >= limit - limit // 2:
            break
        patch = _git(repo, "show", "--format=", "-U0", "--no-color", "--no-renames", commit)
        for path, hunks in _hunks(patch).items():
            language = EXTENSIONS.get(Path(path).suffix.lower())
            if language is None or len(hunks) < 2 or not _small(hunks[0]):
                continue
            before = _git(repo, "show", f"{commit}^:{path}")
            if not before or len(before) > MAX_FILE_BYTES:
                continue
            first = hunks[0]
            edited = apply(before, first)
            names = _hunk_names(first, before, language)
            new_words = _new_words(first, before)
            edit = diff(before, edited)
            replaced = replacement(before, edit) if edit is not None else None
            shift = len(first.new) - len(first.old)
            moved = [Hunk(h.old_start + shift, h.old, h.new) for h in hunks[1:]]
            related = [
                h
                for h in moved
                if _repeats(h, replaced)
                or new_words & set(TOKEN.findall("\n".join(h.new)))
                or (names and names & _hunk_names(h, edited, language))
            ]
            if any(not _small(h) for h in related):
                continue  # a large related change: not the feature's kind, nor a quiet one
            sid = f"{commit[:10]}:{path}"
            if related and len(follow) < limit // 2:
                follow.append(Scenario(sid, path, language, before, edited, tuple(related)))
            elif not related and len(quiet) < limit - limit // 2:
                quiet.append(Scenario(sid, path, language, before, edited, ()))
            break  # one scenario per commit
    return follow + quiet
