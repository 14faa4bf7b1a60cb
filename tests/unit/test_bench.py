from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest

from lsp_server.bench import humaneval, metrics, runner
from lsp_server.bench.repo_holes import KINDS, repo_tasks, tracked_sources
from lsp_server.bench.sandbox import check_program, run_program
from lsp_server.bench.tasks import Task, in_layout, load_tasks, write_tasks
from lsp_server.completion.steps import FULL, NAIVE
from lsp_server.config.settings import Settings
from tests.support.fake_engine import FakeEngine

PROBLEMS = humaneval.load_problems()


def test_single_line_task_masks_exactly_one_line_in_both_layouts() -> None:
    tasks = humaneval.single_line_tasks(PROBLEMS)
    assert len(tasks) == 1033  # as in Bavarian et al. 2022
    for official in tasks[:200]:
        program = PROBLEMS[int(official.task_id.split("/")[1])]
        assert official.document == program["prompt"] + program["canonical_solution"]
        # Official layout: the whole line (indentation, line break) is masked and the
        # cursor is at column 0 of the line after it.
        assert official.prefix.endswith("\n") and official.middle.count("\n") <= 1
        editor = in_layout(official, "editor")
        assert editor.document == official.document
        indent = official.middle[: len(official.middle) - len(official.middle.lstrip())]
        # Editor layout: the cursor after the line's indentation, its break kept.
        assert editor.prefix == official.prefix + indent
        assert editor.middle == official.middle.strip("\n")[len(indent) :]
        assert "\n" not in editor.middle and editor.middle.strip()
        assert editor.suffix == ("\n" if official.middle.endswith("\n") else "") + official.suffix
        assert in_layout(official, "official") == official


@pytest.mark.parametrize(
    ("prefix", "middle", "suffix", "editor"),
    [
        (
            "def f():\n",
            "    a = 1\n",
            "    return a\n",
            ("def f():\n    ", "a = 1", "\n    return a\n"),
        ),
        ("x = 1\n", "y = 2", "", ("x = 1\n", "y = 2", "")),  # last line, no break
        ("x = f(", "1", ")\n", ("x = f(", "1", ")\n")),  # not a line hole: kept
        ("if a:\n", "  b()\n  c()\n", "d\n", ("if a:\n  ", "b()\n  c()", "\nd\n")),
    ],
)
def test_editor_layout_conversion(
    prefix: str, middle: str, suffix: str, editor: tuple[str, str, str]
) -> None:
    task = Task("t", "python", prefix, suffix, middle)
    moved = in_layout(task, "editor")
    assert (moved.prefix, moved.middle, moved.suffix) == editor
    assert moved.document == task.document


def test_multi_line_tasks_span_several_lines_and_sampling_is_seeded() -> None:
    tasks = [in_layout(t, "editor") for t in humaneval.multi_line_tasks(PROBLEMS)]
    assert all(t.middle.count("\n") >= 1 and not t.middle.endswith("\n") for t in tasks)
    first = humaneval.sample(tasks, 50, seed=7)
    assert first == humaneval.sample(tasks, 50, seed=7)
    assert first != humaneval.sample(tasks, 50, seed=8)


def test_canonical_solutions_pass_and_wrong_ones_fail() -> None:
    task = in_layout(humaneval.single_line_tasks(PROBLEMS[:1])[0], "editor")
    assert check_program(task.prefix, task.middle, task.suffix, task.test, task.entry_point).passed
    assert not check_program(task.prefix, "pass\n", task.suffix, task.test, task.entry_point).passed


def test_sandbox_times_out_and_blocks_the_network() -> None:
    assert run_program("while True:\n    pass\n", timeout=2).status == "timeout"
    outcome = run_program("import socket\nsocket.socket().connect(('127.0.0.1', 9))\n")
    assert outcome.status == "failed" and "network access is disabled" in outcome.detail
    assert run_program("print('ok')\n").passed


@pytest.mark.parametrize(
    ("prediction", "reference", "exact", "similarity"),
    [
        ("return x + 1", "return  x + 1\n", True, 1.0),
        ("return x", "return y", False, 1 - 1 / 8),
        ("", "abc", False, 0.0),
        ("", "", True, 1.0),
    ],
)
def test_text_metrics(prediction: str, reference: str, exact: bool, similarity: float) -> None:
    assert metrics.exact_match(prediction, reference) is exact
    assert metrics.edit_similarity(prediction, reference) == pytest.approx(similarity)


def test_syntax_validity_and_percentiles() -> None:
    assert metrics.syntax_valid("python", "x = ", "f(1)", "1", "\n")
    assert not metrics.syntax_valid("python", "x = ", "f(1", "1", "\n")
    assert metrics.syntax_valid("plaintext", "", "a", "b", "") is None
    assert metrics.percentile([5, 1, 3, 2, 4], 50) == 3
    assert metrics.percentile([1, 2, 3, 4, 100], 95) == 100


def _git_repo(root: Path) -> Path:
    (root / "src").mkdir()
    (root / "tests").mkdir()
    for i in range(3):
        (root / "src" / f"m{i}.py").write_text(
            f"def f{i}(a, b):\n    total = a + b\n    print(total, a)\n    return total * {i}\n"
        )
    (root / "tests" / "test_m.py").write_text("def test():\n    assert True\n")
    (root / "src" / "app.js").write_text("function g(x) {\n  return Math.max(x, 1);\n}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    return root


def test_repo_sampler_is_deterministic_and_skips_tests(tmp_path: Path) -> None:
    root = _git_repo(tmp_path)
    assert all("tests/" not in p.as_posix() for p in tracked_sources(root))
    tasks = repo_tasks(root, 12, seed=3)
    assert tasks == repo_tasks(root, 12, seed=3)
    assert {t.kind for t in tasks} <= set(KINDS) and len({t.kind for t in tasks}) >= 3
    for task in tasks:
        assert (root / task.path).read_text() == task.document


def test_task_files_in_both_formats(tmp_path: Path) -> None:
    ours = humaneval.single_line_tasks(PROBLEMS[:2])
    write_tasks(ours, tmp_path / "t.jsonl")
    assert load_tasks(tmp_path / "t.jsonl") == ours
    infilling = {
        "task_id": "X/0",
        "prompt": "def f():\n    ",
        "suffix": "\n",
        "canonical_solution": "return 1",
        "test": "def check(c):\n    pass\n",
        "entry_point": "f",
    }
    with gzip.open(tmp_path / "h.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(infilling) + "\n")
    (task,) = load_tasks(tmp_path / "h.jsonl.gz")
    assert task.middle == "return 1" and task.has_tests and task.language == "python"


def test_modes_and_summary_with_a_fake_engine() -> None:
    assert runner.steps_for("full") == FULL and runner.steps_for("naive") == NAIVE
    assert not runner.steps_for("full-no-healing").healing
    with pytest.raises(ValueError):
        runner.steps_for("turbo")
    tasks = [in_layout(t, "editor") for t in humaneval.single_line_tasks(PROBLEMS[:1])[:2]]
    rows, peak = runner.run_bench(
        tasks,
        ["fake"],
        ["naive", "full"],
        lambda _: Settings(),
        lambda _: FakeEngine("return 1\nx"),
    )
    runner.score_tests(rows, {t.task_id: t for t in tasks})
    summary = runner.summarise(rows, peak)["fake"]
    assert summary["naive"]["tasks"] == summary["full"]["tasks"] == 2
    # naive shows the raw output (with the extra line); full cuts it at the line's end
    # (and drops it where it would not parse).
    assert all(r.prediction == "return 1\nx" for r in rows if r.mode == "naive")
    assert next(r.prediction for r in rows if r.mode == "full") == "return 1"
    assert all("x" not in r.prediction for r in rows if r.mode == "full")
    assert summary["full"]["pass_at_1"] is not None
