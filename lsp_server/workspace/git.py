"""Git, run in a folder we do not trust: every git call slm-ls makes goes through `run`.

A folder that ships its own `.git` (an archive, a download, a shared drive) can set
in `.git/config` programs that git runs on its own: `core.fsmonitor` on any command
that reads the index, `diff.<driver>.textconv` and external diff commands on `log -p`
and `diff`, `filter.<driver>.clean` when a work-tree file is compared, `gpg.program`
with `log.showSignature`, an ssh command or a credential helper when a partial clone
fetches a missing object. Command-line `-c` settings win over every config file, so
`run`:

- sets every fixed key that names a program to nothing (or `false`),
- lists the keys of the config git reads there (`git config --list --name-only`:
  reading config runs nothing) and sets every per-driver key named (`filter.x.clean`,
  `diff.x.textconv`, `merge.x.driver`, `credential.*.helper`, …) to nothing as well,
- forbids every transport (`protocol.allow=never`, no lazy fetch), hooks, pagers,
  automatic gc and maintenance, and bare repositories found by walking up,
- passes `--no-ext-diff --no-textconv` where a command shows diffs,
- keeps git's own `safe.directory` check: a repository owned by another user is
  refused by git and the caller falls back to what it does without git;
- runs with no standard input, a time limit, and the environment without the
  `GIT_*` variables that could point git elsewhere.

docs/reliability.md, "Opening a folder runs nothing", says this for users.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT_S = 30.0
# Fixed keys git reads for a program to run, a hook or a fetch; set to these values.
FIXED = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", "true"),
    ("core.sshCommand", "false"),
    ("core.gitProxy", ""),
    ("core.askPass", ""),
    ("core.alternateRefsCommand", ""),
    ("core.untrackedCache", "false"),
    ("diff.external", ""),
    ("gpg.program", "false"),
    ("gpg.ssh.program", "false"),
    ("gpg.x509.program", "false"),
    ("log.showSignature", "false"),
    ("credential.helper", ""),
    ("protocol.allow", "never"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("safe.bareRepository", "explicit"),
    ("uploadpack.packObjectsHook", ""),
    ("sequence.editor", "true"),
)
# Per-driver keys (`<section>.<name>.<key>`) whose value is a program.
DRIVER_KEY = re.compile(
    r"^(filter|diff|merge|credential|difftool|mergetool|remote)\..*\."
    r"(clean|smudge|process|command|textconv|driver|helper|cmd|receivepack|uploadpack|vcs|proxy)$",
    re.IGNORECASE,
)
# Commands that show diffs take these too (diff drivers never run).
SHOWS_DIFFS = {"log", "show", "diff", "whatchanged"}
# Environment variables that point git at another repository, config or program.
UNSAFE_ENV = re.compile(r"^GIT_(?!CEILING_DIRECTORIES$)")


class GitError(Exception):
    """Git could not answer (not a repository, refused, too slow, not installed)."""


def run(folder: Path, *args: str, timeout: float = TIMEOUT_S) -> bytes:
    """`git ARGS` in `folder`, with nothing the folder configures allowed to run.
    Raises GitError when git fails or refuses the repository."""
    command = [*_overrides(folder), *args[:1]]
    if args and args[0] in SHOWS_DIFFS:
        command += ["--no-ext-diff", "--no-textconv"]
    return _git(folder, [*command, *args[1:]], timeout)


def _git(folder: Path, arguments: list[str], timeout: float) -> bytes:
    """`git --no-pager ARGUMENTS` in `folder`: no standard input, a time limit, no
    `GIT_*` variable of ours; its standard output, or GitError."""
    what = next((a for a in arguments if not a.startswith("-") and "=" not in a), "")
    try:
        done = subprocess.run(
            ["git", "--no-pager", *arguments],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=_environment(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {what}: {type(exc).__name__}") from None
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().split("\n")[0][:200]
        raise GitError(f"git {what}: {first}")
    return done.stdout


def text(folder: Path, *args: str, timeout: float = TIMEOUT_S) -> str:
    """`run`'s standard output as text ("" when git fails)."""
    try:
        return run(folder, *args, timeout=timeout).decode("utf-8", "replace")
    except GitError as exc:
        log.debug("%s", exc)
        return ""


def _overrides(folder: Path) -> list[str]:
    drivers = [part for key in _driver_keys(folder) for part in ("-c", f"{key}=")]
    return _fixed() + drivers


def _driver_keys(folder: Path) -> list[str]:
    """The program-naming per-driver keys set in any config git reads here (the
    repository's own, its includes, the user's): git's own parser lists their names;
    reading config runs nothing."""
    try:
        listed = _git(
            folder, [*_fixed(), "config", "--list", "--name-only", "--includes"], TIMEOUT_S
        )
    except GitError:
        return []
    names = listed.decode("utf-8", "replace").split("\n")
    return sorted({n for n in names if DRIVER_KEY.match(n)})


def _fixed() -> list[str]:
    return [part for key, value in FIXED for part in ("-c", f"{key}={value}")]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not UNSAFE_ENV.match(k)}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_NO_LAZY_FETCH="1",
        GIT_PAGER="cat",
        GIT_OPTIONAL_LOCKS="0",
        LC_ALL="C",
    )
    return env
