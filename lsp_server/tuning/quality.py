"""What each model gives a person: the one table of our benchmarks that `model: "auto"`
chooses by (docs/benchmarks.md, "Typing: 0.5B, 1.5B, the cascade, warm").

`accepted` is the share of the typed text accepted in time in the typing replay (1 s
patience, human pauses, five files in three languages) and `late` the share of
keystrokes that got no answer within the patience on the machine that measured it;
accepted / (1 - late) is what the model gives when its answers come in time — what
another machine's speed then scales. `workspace_pays`: context from the workspace index
raised that model's exact matches on held-out repository holes (docs/benchmarks.md,
"The workspace as context")."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lsp_server.models.catalog import find_entry


@dataclass(frozen=True)
class Quality:
    accepted: float  # share of the typed text accepted in time, where it was measured
    late: float  # share of keystrokes without an answer in time, there
    workspace_pays: bool
    measured: bool = True  # False: estimated from the model's size (see `estimate`)

    @property
    def in_time(self) -> float:
        """The accepted share when every answer comes in time."""
        return self.accepted / max(1e-9, 1.0 - self.late)


MEASURED: dict[str, Quality] = {
    "qwen2.5-coder-0.5b": Quality(0.284, 0.018, workspace_pays=False),
    "qwen2.5-coder-1.5b": Quality(0.363, 0.135, workspace_pays=True),
}


def quality(name: str, size_bytes: int) -> Quality:
    """The table's row for the catalog model `name` (or its alias); a model we have not
    measured gets an estimate from its size (`estimate`)."""
    entry = find_entry(name)
    found = MEASURED.get(entry.name if entry is not None else name)
    return found if found is not None else estimate(size_bytes)


def estimate(size_bytes: int) -> Quality:
    """A model not measured: the in-time share interpolated on the log of its size
    between the 0.5B and the 1.5B (Q4_K_M files), half the slope above them (larger
    models gain less per doubling), the whole slope below, never below 0. An estimate: `slm-ls tune`
    measures it on the person's code."""
    small, large = MEASURED["qwen2.5-coder-0.5b"], MEASURED["qwen2.5-coder-1.5b"]
    small_bytes, large_bytes = 491_400_064, 1_117_320_768
    slope = (large.in_time - small.in_time) / math.log(large_bytes / small_bytes)
    steps = math.log(max(size_bytes, 1) / small_bytes)
    if size_bytes > large_bytes:
        steps = math.log(large_bytes / small_bytes) + 0.5 * math.log(size_bytes / large_bytes)
    share = max(0.0, small.in_time + slope * steps)
    return Quality(min(share, 0.9), 0.0, workspace_pays=size_bytes >= large_bytes, measured=False)
