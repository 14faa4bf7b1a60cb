"""The VS Code extension's own checks: its settings mirror the server's settings tree
(scripts/vscode_settings.py --check) and its pure parts pass their node:test suite
(editor-configs/vscode/test: finding the server, nesting the settings)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT


def test_contributed_settings_match_the_settings_tree() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/vscode_settings.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_extension_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node not found: scripts/editors.sh installs it")
        pytest.skip("node not found")
    result = subprocess.run(
        [node, "--test", "test/"],
        cwd=ROOT / "editor-configs/vscode",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "# fail 0" in result.stdout
