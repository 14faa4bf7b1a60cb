"""Next-edit scenarios mined from a repository's git history: a commit that changes a
file in two or more places. The first hunk is applied as the person's edit; the
expected answer is the first later hunk that touches a name the first one changed
(a follow-up), or — when no later hunk does — staying quiet."""

from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lsp_server.syntax.languages import EXTENSIONS

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
WORD = re.compile(r"[A-Za-z_]\w*")
MAX_FILE_BYTES = 200_000
MAX_HUNK_LINES = 6  # a small, local change (the feature's kind)
COMMITS = 3000


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
    follow: Hunk | None  # the expected follow-up, in `edited`'s line numbers; None: quiet


def apply(text: str, hunk: Hunk, shift: int = 0) -> str:
    lines = text.split("\n")
    start = hunk.old_start - 1 + shift if hunk.old else hunk.old_start + shift
    lines[start : start + len(hunk.old)] = list(hunk.new)
    return "\n".join(lines)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, errors="replace"
    )
    return done.stdout if done.returncode == 0 else ""


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


def _touches(hunk: Hunk, names: set[str]) -> bool:
    return _small(hunk) and bool(names & set(WORD.findall("\n".join(hunk.old + hunk.new))))


def _names(hunk: Hunk) -> set[str]:
    """The names a hunk changed: in its new lines but not its old ones, or the other
    way round."""
    old = set(WORD.findall("\n".join(hunk.old)))
    new = set(WORD.findall("\n".join(hunk.new)))
    return old ^ new


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
            names = _names(first)
            shift = len(first.new) - len(first.old)
            related = next(
                (
                    h
                    for h in hunks[1:]
                    if _small(h) and names & set(WORD.findall("\n".join(h.old + h.new)))
                ),
                None,
            )
            edited = apply(before, first)
            sid = f"{commit[:10]}:{path}"
            if related is not None and names and len(follow) < limit // 2:
                moved = Hunk(related.old_start + shift, related.old, related.new)
                follow.append(Scenario(sid, path, language, before, edited, moved))
            elif related is None and len(quiet) < limit - limit // 2:
                quiet.append(Scenario(sid, path, language, before, edited, None))
            break  # one scenario per commit
    return follow + quiet
