"""Small texts and a small git history for the next-edit tests (unit and end to end)."""

from __future__ import annotations

import subprocess
from pathlib import Path

# A function and a caller: a signature change of area() is followed at the call.
ROOMS = """def area(width):
    return width * width


def report(rooms):
    total = 0
    for room in rooms:
        total += area(room)
    return total
"""
AREA = 'def area(width):\n    """The area."""\n    return width * width\n\n\nx = 0\n'


def history_repo(root: Path) -> Path:
    """A git repository at `root` with three commits on rooms.py: AREA; a rename of
    the parameter and its use (a scenario with a follow-up, two hunks); two unrelated
    changes (a quiet one)."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (root / "rooms.py").write_text(AREA)
    git("add", ".")
    git("commit", "-qm", "one")
    renamed = AREA.replace("width", "side")
    (root / "rooms.py").write_text(renamed)
    git("commit", "-qam", "rename")
    two = renamed.replace('"""The area."""', '"""The area of a square."""')
    (root / "rooms.py").write_text(two.replace("x = 0", "y = 1"))
    git("commit", "-qam", "two things")
    return root
