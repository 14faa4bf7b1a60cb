"""`slm-ls bench` end to end with the real qwen2.5-coder-0.5b on a few tasks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.conftest import slm_ls
from tests.support.history_repo import history_repo


def test_bench_runs_both_modes_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = slm_ls(
        "bench",
        "humaneval-single",
        "--model",
        "qwen2.5-coder-0.5b",
        "--mode",
        "naive,full",
        "--limit",
        "3",
        "--seed",
        "1",
        "--max-tokens",
        "48",
        "--out",
        str(out),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| qwen2.5-coder-0.5b | naive |" in result.stdout
    data = json.loads((out / "results.json").read_text())
    summary = data["summary"]["qwen2.5-coder-0.5b"]
    assert set(summary) == {"naive", "full"}
    for stats in summary.values():
        assert stats["tasks"] == 3 and stats["pass_at_1"] is not None
        assert stats["latency_p50_ms"] > 0 and stats["peak_rss_mb"] > 100
    assert len(data["rows"]) == 6 and all(r["test_status"] for r in data["rows"])
    assert (out / "quality.png").stat().st_size > 0 and (out / "results.md").exists()


def _repository(root: Path) -> None:
    """A git repository of two Python files, one using the other's functions."""
    (root / "shapes.py").write_text(
        "def area_of_circle(radius: float) -> float:\n    return 3.14159 * radius * radius\n\n\n"
        "def area_of_square(side: float) -> float:\n    return side * side\n"
    )
    (root / "report.py").write_text(
        "from shapes import area_of_circle, area_of_square\n\n\n"
        "def total(radius: float, side: float) -> float:\n"
        "    circle = area_of_circle(radius)\n"
        "    square = area_of_square(side)\n"
        "    return circle + square\n"
    )
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=root, check=True)


def test_bench_repo_compares_contexts_on_cross_file_holes(tmp_path: Path) -> None:
    _repository(tmp_path)
    out = tmp_path / "out"
    result = slm_ls(
        "bench",
        "repo",
        str(tmp_path),
        "--model",
        "qwen2.5-coder-0.5b",
        "--holes",
        "cross-file",
        "--context",
        "open,workspace",
        "--limit",
        "2",
        "--out",
        str(out),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((out / "results.json").read_text())["summary"]["qwen2.5-coder-0.5b"]
    assert set(summary) == {
        "full@open · cross-file",
        "full@workspace · cross-file",
        "full@open · cross-file · python",
        "full@workspace · cross-file · python",
    }
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert {tuple(r["names"]) for r in rows} <= {("area_of_circle",), ("area_of_square",)}
    assert all(r["identifier_match"] is not None for r in rows)
    # The workspace prompt holds the other file's definitions: more prompt tokens.
    tokens = {m: s["prompt_tokens_p50"] for m, s in summary.items()}
    assert tokens["full@workspace · cross-file"] > tokens["full@open · cross-file"]


def test_bench_index_reports_time_and_memory(tmp_path: Path) -> None:
    _repository(tmp_path)
    result = slm_ls("bench", "index", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "index.json").read_text())["summary"]
    assert summary["files"] == 2 and summary["definitions"] == 3 and summary["from_cache"] == 2


def test_bench_next_edit_on_a_repository_history(tmp_path: Path) -> None:
    """`bench next-edit`: scenarios from the history, the product beside its baselines;
    the renamed parameter's next use is found and written."""
    repo = history_repo(tmp_path / "repo")
    out = tmp_path / "out"
    result = slm_ls("bench", "next-edit", str(repo), "--limit", "4", "--out", str(out),
                    timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((out / "results.json").read_text())
    product = data["summary"]["qwen2.5-coder-0.5b · next-edit"]
    assert product["with_follow_up"] == 1 and product["location_accuracy"] == 1.0
    assert product["chrf_on_follow_ups"] == 1.0
    assert data["summary"]["qwen2.5-coder-0.5b · always-quiet"]["shown_on_follow_ups"] == 0.0
    assert {row["mode"] for row in data["rows"]} == {"next-edit", "naive-rewrite", "always-quiet"}
