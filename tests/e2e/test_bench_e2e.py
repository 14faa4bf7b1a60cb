"""`slm-ls bench` end to end with the real qwen2.5-coder-0.5b on a few tasks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import slm_ls


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
