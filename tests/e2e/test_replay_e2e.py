"""`slm-ls bench replay` end to end: real servers (naive and full), real model."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import slm_ls


def test_replay_writes_both_modes(tmp_path: Path) -> None:
    out = tmp_path / "replay"
    result = slm_ls(
        "bench",
        "replay",
        "examples/fibonacci.py",
        "--mode",
        "naive,full",
        "--holes",
        "1",
        "--max-steps",
        "3",
        "--open-files",
        "2",
        "--pauses",
        "human",
        "--out",
        str(out),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((out / "results.json").read_text())
    for mode in ("naive", "full"):
        summary = data["summary"][mode]
        assert summary["requests"] == 3 and summary["latency_p50_ms"] > 0
        assert summary["rss_mb"] and summary["open_files"] == 2
        assert 0 <= summary["nonempty_share"] <= 1 and summary["documents"] == 1
        steps = data["runs"][mode]["steps"]
        # The person waited 2 s after opening the document before typing.
        assert steps[0]["since_open_s"] >= 2.0
    assert data["summary"]["naive"]["cache_hits"] == 0
    assert data["config"]["pauses"] == "human"
    assert (out / "latency.png").stat().st_size > 0


def test_replay_with_the_workspace_index_beside_without(tmp_path: Path) -> None:
    """`--workspace`: each mode also as MODE@workspace, the server indexing the folder;
    the records say whether the repository context changed."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "helpers.py").write_text("def fib_memo(n: int) -> int:\n    return n\n")
    (folder / "fibonacci.py").write_text((Path("examples") / "fibonacci.py").read_text())
    out = tmp_path / "replay"
    result = slm_ls(
        "bench",
        "replay",
        str(folder / "fibonacci.py"),
        "--holes",
        "1",
        "--max-steps",
        "3",
        "--open-files",
        "0",
        "--workspace",
        str(folder),
        "--out",
        str(out),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads((out / "results.json").read_text())
    assert set(data["summary"]) == {"full", "full@workspace"}
    for mode in ("full", "full@workspace"):
        summary = data["summary"][mode]
        assert summary["requests"] == 3 and 0 <= summary["context_changed_share"] <= 1
        assert 0 <= summary["accepted_in_time_share"] <= summary["accepted_share"]
    server = data["runs"]["full@workspace"]["server"]
    assert any(record["context"] for record in server), server  # helpers.py was in it


def test_a_person_who_does_not_wait_types_on(tmp_path: Path) -> None:
    """`--patience`: a suggestion that does not come in time is cancelled and never
    shown; each request still leaves one server record (the pairing holds)."""
    out = tmp_path / "replay"
    result = slm_ls(
        "bench",
        "replay",
        "examples/fibonacci.py",
        "--holes",
        "1",
        "--max-steps",
        "3",
        "--open-files",
        "0",
        "--patience",
        "0.001",
        "--out",
        str(out),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Unable to handle message" not in result.stderr, result.stderr[-2000:]
    data = json.loads((out / "results.json").read_text())
    summary, run = data["summary"]["full"], data["runs"]["full"]
    assert summary["late_share"] > 0 and data["config"]["patience_s"] == 0.001
    late = [step for step in run["steps"] if step["late"]]
    assert all(not step["suggestion"] and not step["accepted"] for step in late)
    assert len(run["server"]) == len(run["steps"]) == 3
