"""engines/cpu_share.py: threads for a generation from the cores other programs keep
busy while we generate (issue 18, item 8: two threads on a busy 2-core machine
stalled each other)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.engines.cpu_share import CpuShare, machine_busy_seconds


class Machine:
    """A clock, the machine's busy seconds and ours, moved by hand."""

    def __init__(self) -> None:
        self.now, self.busy, self.ours = 0.0, 0.0, 0.0

    def run(self, seconds: float, others: float, ours: float) -> None:
        self.now += seconds
        self.busy += seconds * (others + ours)
        self.ours += seconds * ours

    def share(self, cores: int) -> CpuShare:
        return CpuShare(cores, lambda: self.busy, lambda: self.ours, lambda: self.now)

    def generate(self, share: CpuShare, seconds: float, others: float) -> None:
        share.started()
        self.run(seconds, others, 1.0)
        share.ended()


@pytest.mark.parametrize(
    ("cores", "others", "most", "threads"),
    [
        (2, 0.0, 2, 2),  # an idle machine: every thread
        (2, 2.0, 2, 1),  # two busy programs: one thread, never none
        (2, 1.0, 2, 1),
        (2, 0.3, 2, 2),  # an editor's sliver of a core: kept
        (8, 3.0, 8, 5),
        (8, 0.0, 4, 4),  # never more than the configured count
        (16, 15.8, 8, 1),
    ],
)
def test_threads_are_the_cores_left_free(
    cores: int, others: float, most: int, threads: int
) -> None:
    machine = Machine()
    share = machine.share(cores)
    machine.generate(share, 1.0, others)
    assert share.threads(most) == threads


def test_only_what_others_do_while_we_generate_counts() -> None:
    machine = Machine()
    share = machine.share(2)
    machine.run(30.0, 2.0, 0.0)  # a client computing while the server waits: not contention
    machine.generate(share, 1.0, 0.0)
    assert share.threads(2) == 2
    machine.generate(share, 1.0, 2.0)  # busy programs beside our generation
    assert share.threads(2) == 1
    machine.generate(share, 0.1, 0.0)  # too short to tell: the estimate stays
    assert share.threads(2) == 1
    machine.generate(share, 0.3, 0.0)  # 0.4 s gathered: the others are gone
    assert share.threads(2) == 2


def test_without_proc_stat_the_configured_count(tmp_path: Path) -> None:
    share = CpuShare(4, busy=lambda: None)
    share.started()
    share.ended()
    assert share.threads(3) == 3
    assert machine_busy_seconds(tmp_path / "missing") is None
    (tmp_path / "stat").write_text("intr 1 2 3\n")
    assert machine_busy_seconds(tmp_path / "stat") is None
    (tmp_path / "stat").write_text("cpu  100 0 100 500 0 0 0 0 0 0\n")
    assert machine_busy_seconds(tmp_path / "stat") is not None
