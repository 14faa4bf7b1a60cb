"""The pictures in docs/editors/, taken from the real editors, not drawn.

- VS Code: the end-to-end test (tests/e2e/test_vscode.py: code-server in headless
  Chromium) saves a screenshot of the ghost text;
- Neovim 0.12: the plugin's test script (tests/e2e/neovim/inline_completion.lua) runs
  in Neovim's terminal UI inside a pseudo-terminal; pyte (a terminal emulator)
  follows the screen, and the screen with the ghost text is drawn to a PNG.

    python scripts/screenshots.py      (after scripts/editors.sh; needs pyte)
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pyte
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "editors" / "images"
ROWS, COLUMNS = 16, 84
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
NAMED = {
    "black": "000000", "red": "cd3131", "green": "0dbc79", "brown": "e5e510",
    "blue": "2472c8", "magenta": "bc3fbc", "cyan": "11a8cd", "white": "e5e5e5",
}  # fmt: skip
FOREGROUND, BACKGROUND = "e0e2ea", "14161b"  # Neovim's default dark scheme


def vscode() -> None:
    env = {**os.environ, "SLM_LS_SCREENSHOTS": str(IMAGES)}
    test = "tests/e2e/test_vscode.py"
    subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, env=env, check=True)


def _color(value: str, default: str) -> tuple[int, int, int]:
    code = NAMED.get(value, value)
    if len(code) != 6:
        code = default
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def draw(screen: pyte.Screen, path: Path) -> None:
    font = ImageFont.truetype(FONT, 15) if Path(FONT).exists() else ImageFont.load_default()
    width, height = 9, 19
    image = Image.new("RGB", (COLUMNS * width, ROWS * height), _color(BACKGROUND, BACKGROUND))
    pen = ImageDraw.Draw(image)
    for row in range(ROWS):
        line = screen.buffer[row]
        for column in range(COLUMNS):
            char = line[column]
            fg, bg = char.fg, char.bg
            if char.reverse:
                fg, bg = bg, fg
            x, y = column * width, row * height
            if bg != "default":
                pen.rectangle([x, y, x + width, y + height], fill=_color(bg, BACKGROUND))
            if char.data.strip():
                pen.text((x, y + 1), char.data, font=font, fill=_color(fg, FOREGROUND))
    image.save(path)


def neovim() -> None:
    nvim = shutil.which("nvim", path=str(Path(sys.executable).parent)) or "nvim"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "fibonacci.py"
        shutil.copy(ROOT / "examples/fibonacci.py", source)
        out = Path(tmp) / "out.txt"
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "SLM_LS_OUT": str(out),
            "SLM_LS_PLUGIN": str(ROOT / "editor-configs/neovim"),
            "SLM_LS_PYTHON": sys.executable,
            "SLM_LS_FILE": str(source),
            "SLM_LS_LINE": "5",
            "SLM_LS_SETTINGS": json.dumps({"completion": {"deadlineMs": 30000}}),
            "SLM_LS_HOLD_MS": "3000",
            "XDG_STATE_HOME": str(Path(tmp) / "state"),
        }
        script = ROOT / "tests/e2e/neovim/inline_completion.lua"
        screen = pyte.Screen(COLUMNS, ROWS)
        stream = pyte.ByteStream(screen)
        pid, fd = pty.fork()
        if pid == 0:  # the child: Neovim's terminal UI on the pseudo-terminal
            os.chdir(ROOT)
            os.execvpe(nvim, [nvim, "--clean", "-c", f"luafile {script}"], env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        shot = _follow(fd, stream, out, screen)
        os.waitpid(pid, 0)
        if shot is None:
            sys.exit(f"no ghost text seen: {out.read_text() if out.exists() else 'no output'}")
        draw(shot, IMAGES / "neovim.png")


def _follow(fd: int, stream: pyte.ByteStream, out: Path, screen: pyte.Screen) -> pyte.Screen | None:
    """Feed Neovim's output to the emulator; the screen 1 s after the ghost text."""
    shot, seen = None, None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                stream.feed(os.read(fd, 65536))
            except OSError:
                break  # Neovim quit
        if seen is None and Path(f"{out}.ghost").exists():
            seen = time.monotonic()
        if seen is not None and shot is None and time.monotonic() - seen > 1.0:
            shot = copy.deepcopy(screen)
    return shot


if __name__ == "__main__":
    IMAGES.mkdir(parents=True, exist_ok=True)
    which = sys.argv[1:] or ["neovim", "vscode"]
    if "neovim" in which:
        neovim()
    if "vscode" in which:
        vscode()
