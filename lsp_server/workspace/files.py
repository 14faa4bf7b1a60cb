"""Reading a workspace file: every read the index makes, at scan time and later from
the completion worker, goes through `read_inside`.

A file can be swapped after the scan with no watcher event (a client without
watchers sends none), so each read checks what it opens, not what was there: the
path, links resolved, lies inside the workspace folder; it is opened without
following a last link and without blocking (a FIFO opens at once and is refused);
the opened file is a regular one (not /dev/zero, a socket or a device) within the
size limit, and the read takes at most that many bytes. On Linux the opened file's
own path is checked again, so a folder swapped for a link between the check and
the open is caught too.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
PROC_FD = Path("/proc/self/fd")


@dataclass(frozen=True)
class Refused:
    """Why a file was not read."""

    reason: str


def read_inside(root: Path, path: Path, max_bytes: int) -> bytes | Refused:
    """The bytes of the regular file at `path` if, once links are resolved, it lies
    inside `root` (a resolved folder) and holds at most `max_bytes` bytes."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop
        return Refused(f"unreadable ({type(exc).__name__})")
    if not resolved.is_relative_to(root):
        return Refused("a link to a file outside the workspace")
    try:
        fd = os.open(resolved, FLAGS)
    except OSError as exc:
        return Refused(f"unreadable ({type(exc).__name__})")
    try:
        return _read_open(fd, root, max_bytes)
    finally:
        os.close(fd)


def _read_open(fd: int, root: Path, max_bytes: int) -> bytes | Refused:
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        return Refused("not a regular file")
    if status.st_size > max_bytes:
        return Refused(f"{status.st_size} bytes, over {max_bytes}")
    opened = _opened_path(fd)
    if opened is not None and not opened.is_relative_to(root):
        return Refused("a link to a file outside the workspace")
    os.set_blocking(fd, True)
    chunks, left = [], max_bytes + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # it grew since fstat
        return Refused(f"over {max_bytes} bytes")
    return data


def _opened_path(fd: int) -> Path | None:
    """The path the kernel says `fd` is (None where /proc is not there)."""
    try:
        return Path(os.readlink(PROC_FD / str(fd)))
    except OSError:
        return None
