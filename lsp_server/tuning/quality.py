"""What each model gives a person: the one table of our benchmarks that `model: "auto"`
chooses by (docs/tuning.md, "The table").

`accepted` is the share of the typed text accepted in time in the typing replay (1 s
patience, human pauses), pooled by characters over two runs on nine files in three
languages — the issue-13 run (click `termui.py`, `formatting.py`, rich `table.py`, chi
`mux.go`, rxjs `mergeInternals.ts`; 1,213 characters) and the issue-16 run at commit
abdd2db (jinja2 `lexer.py`, httpx `_urlparse.py`, gorilla/mux `route.go`, TanStack
`queryObserver.ts`; 1,245 characters) — and `late` the share of keystrokes that got no
answer within the patience on the machine that measured it (this 2-core CPU);
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
    "qwen2.5-coder-0.5b": Quality(0.271, 0.022, workspace_pays=False),  # 28.4 % and 25.9 %
    "qwen2.5-coder-1.5b": Quality(0.310, 0.130, workspace_pays=True),  # 36.3 % and 25.9 %
}

# Pairs measured as the cascade (the model, its fast model): the fast model answers the
# keystrokes whose prompt the model has not warmed, so the pair is as late as the fast
# model (its `late` is the pair's own, measured). 31.1 % and 27.8 %; the model alone
# answered 87 % of its keystrokes in time there (PAIR_MODEL_IN_TIME).
PAIRS: dict[tuple[str, str], Quality] = {
    ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"): Quality(0.294, 0.045, workspace_pays=True),
}
PAIR_MODEL_IN_TIME = 0.87


def pair_quality(model: str, fast: str) -> tuple[Quality, float] | None:
    """The table's row for `model` with `fast` as its fast model, and the share of the
    model's own keystrokes in time where it was measured (None: not measured)."""
    found = PAIRS.get((model, fast))
    return (found, PAIR_MODEL_IN_TIME) if found is not None else None


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
