"""`model: "auto"`: the configuration that gives the most accepted text in time on this
machine, decided from measured speeds, model sizes, memory and the person's patience.

A pure function with table tests over machine classes (tests/unit/test_auto_choice.py);
the server, `slm-ls doctor` and `slm-ls tune --dry-run` call it (docs/tuning.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsp_server.tuning.predict import PROCESS_BYTES, Prediction, Rates, predict
from lsp_server.tuning.quality import Quality, pair_quality

# The first suggestion from a full prompt this long after a file opens (the short
# prompt warmed first, then the full one, then its suggestion), less a margin for the
# editor and the request around the model.
FIRST_FULL_S = 3.0
MARGIN_S = 0.5
SHORT_TOKENS = 160  # the quick start's prompt (128 before the cursor, 32 after)
FULL_GENERATED = 24  # tokens generated for the first full-prompt suggestion
# Today's fixed budgets: the most a full prompt holds, and the shares it is split in.
PREFIX, SUFFIX, CONTEXT, WORKSPACE = 1024, 256, 256, 1024
SMALL_PROMPT = 512  # below this, no room for the context block (imports, definitions)
MIN_WORKSPACE = 256  # less than one definition's room: the workspace block does not pay
# A model paired with a fast one answers at least this share of keystrokes in time
# itself (measured pair, estimated one): else it mostly burns the idle time.
PAIR_MIN_IN_TIME = {True: 0.3, False: 0.5}
# A model not on disk is suggested when it would give this much more.
BETTER_BY = 1.1


@dataclass(frozen=True)
class Candidate:
    name: str  # a catalog name
    size_bytes: int
    on_disk: bool
    fim: bool
    quality: Quality


@dataclass(frozen=True)
class Machine:
    """What was measured here: rates on one model (None: not yet), the memory a model
    may take, and the rates of models measured themselves (better than scaled)."""

    rates: Rates | None
    memory_bytes: int
    own: dict[str, Rates] = field(default_factory=dict)


@dataclass(frozen=True)
class Budgets:
    prefix: int = PREFIX
    suffix: int = SUFFIX
    context: int = CONTEXT
    workspace: int = WORKSPACE
    quick_start: bool = True
    # completion.promptBudgetMs: None keeps the default (500 ms: a long cold prompt
    # must not block a keystroke). A full prompt as short as the quick start's gets
    # the person's patience, as the quick start's own prompt does: cut at 500 ms, a
    # line crossed on the 1.5B here answered nothing where 1 s would have answered.
    prompt_budget_ms: int | None = None


@dataclass(frozen=True)
class Choice:
    model: str
    fast_model: str | None
    workspace: bool
    budgets: Budgets
    prediction: Prediction | None
    expected: float  # the share of typed text expected accepted in time
    reason: str
    better: str | None = None  # a model not on disk that would give more
    better_prediction: Prediction | None = None


def decide(
    machine: Machine, candidates: list[Candidate], patience_ms: float, model: str | None = None
) -> Choice:
    """The configuration for `machine`: the model (`model` when the person named one,
    else the best on disk), and what follows it — the fast model, the workspace context,
    the full prompt's size."""
    usable = [c for c in candidates if c.on_disk] or candidates
    fixed = next((c for c in candidates if c.name == model), None) if model else None
    if model and (fixed is None or machine.rates is None):
        why = "speed not measured yet" if fixed else "not in the catalog: nothing to predict"
        reason = f"named in the settings: {model} ({why})"
        return Choice(model, None, False, Budgets(), None, 0.0, reason)
    if machine.rates is None:
        smallest = min(_fim_first(usable), key=lambda c: c.size_bytes)
        why = "speed not measured yet: the smallest model until the probe has run"
        return Choice(
            smallest.name, None, False, Budgets(), None, 0.0, f"auto: {smallest.name}, {why}"
        )
    scored = {c.name: _score(machine, c, patience_ms) for c in candidates}
    if fixed is not None:
        chosen, fast, expected = fixed, None, scored[fixed.name][1]
    else:
        chosen, fast, expected = _best(usable, scored, machine, patience_ms)
    prediction = scored[chosen.name][0]
    budgets = _budgets(prediction.rates, chosen.quality.workspace_pays, patience_ms)
    better = _better(candidates, scored, machine, expected)
    reason = _reason(chosen, prediction, expected, fast, fixed is not None)
    return Choice(
        chosen.name,
        fast,
        budgets.workspace > 0,
        budgets,
        prediction,
        expected,
        reason,
        better.name if better else None,
        scored[better.name][0] if better else None,
    )


def _fim_first(candidates: list[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.fim] or candidates


def _score(machine: Machine, candidate: Candidate, patience_ms: float) -> tuple[Prediction, float]:
    measured = machine.own.get(candidate.name) or machine.rates
    assert measured is not None
    prediction = predict(measured, candidate.size_bytes)
    return prediction, candidate.quality.in_time * prediction.in_time(patience_ms)


def _best(
    usable: list[Candidate],
    scored: dict[str, tuple[Prediction, float]],
    machine: Machine,
    patience_ms: float,
) -> tuple[Candidate, str | None, float]:
    """The model, its fast model (None: alone) and the expected share: the best of each
    model that fits the memory, alone or paired (`_with_fast`)."""
    fitting = [c for c in usable if scored[c.name][0].rss_bytes <= machine.memory_bytes]
    pool = _fim_first(fitting or [min(usable, key=lambda c: c.size_bytes)])
    options = []
    for model in pool:
        fast, share = _with_fast(model, scored[model.name][1], pool, scored, machine, patience_ms)
        # A quality only estimated must win by BETTER_BY over one measured.
        measured = model.quality.measured and (fast is None or _measured_pair(model.name, fast))
        rank = share if measured else share / BETTER_BY
        options.append((rank, fast is None, -model.size_bytes, model, fast, share))
    _, _, _, model, fast, share = max(options, key=lambda o: o[:3])
    return model, fast, share


def _measured_pair(model: str, fast: str) -> bool:
    return pair_quality(model, fast) is not None


def _budgets(rates: Rates, workspace_pays: bool, patience_ms: float) -> Budgets:
    """The full prompt sized so that its first suggestion comes within FIRST_FULL_S of
    opening a file. The quick start's short prompt is warmed first; where the full
    prompt that leaves is hardly longer than the short one, the short one is dropped."""
    engine_s = FIRST_FULL_S - MARGIN_S - FULL_GENERATED / max(rates.decode, 1e-6)
    tokens = (engine_s - SHORT_TOKENS / max(rates.prompt_short, 1e-6)) * rates.prompt_full
    quick = tokens >= 2 * SHORT_TOKENS
    if not quick:
        tokens = engine_s * rates.prompt_full
    total = PREFIX + SUFFIX + CONTEXT + (WORKSPACE if workspace_pays else 0)
    share = max(SHORT_TOKENS, min(total, int(tokens))) / total
    workspace = int(WORKSPACE * share) if workspace_pays else 0
    if workspace < MIN_WORKSPACE:
        total, workspace = PREFIX + SUFFIX + CONTEXT, 0
        share = max(SHORT_TOKENS, min(total, int(tokens))) / total
    if share * total < SMALL_PROMPT:  # all of a small prompt goes to the cursor's lines
        size = int(share * total)
        budget = None if quick else int(patience_ms)
        return Budgets(size * 4 // 5, size // 5, 0, 0, quick, budget)
    return Budgets(int(PREFIX * share), int(SUFFIX * share), int(CONTEXT * share), workspace, quick)


def _with_fast(
    chosen: Candidate,
    expected: float,
    usable: list[Candidate],
    scored: dict[str, tuple[Prediction, float]],
    machine: Machine,
    patience_ms: float,
) -> tuple[str | None, float]:
    """The fast model to pair `chosen` with (None: alone) and the pair's expected share:
    the pair answers the keystrokes `chosen` has not warmed with the fast model, so it is
    as late as the fast model, and gives what the table measured for the pair."""
    best: tuple[str | None, float] = (None, expected)
    for fast in usable:
        if not fast.fim or fast.size_bytes >= chosen.size_bytes:
            continue
        both = scored[chosen.name][0].rss_bytes + scored[fast.name][0].rss_bytes - PROCESS_BYTES
        if both > machine.memory_bytes:
            continue
        value = _pair_value(chosen, fast, scored[chosen.name][0].in_time(patience_ms))
        if value is None:
            continue
        share = value * scored[fast.name][0].in_time(patience_ms)
        if share > best[1]:
            best = (fast.name, share)
    return best


def _pair_value(model: Candidate, fast: Candidate, model_in_time: float) -> float | None:
    """What the pair gives when its answers come in time. The model answers the
    keystrokes whose prompt it has warmed, the fast model the others: the pair gives the
    fast model's share plus the part of the measured gain that the model's own speed
    here keeps (its in-time share here against there). A pair not measured: halfway
    between the two models. Only where the model answers enough keystrokes in time
    itself (PAIR_MIN_IN_TIME)."""
    found = pair_quality(model.name, fast.name)
    if model_in_time < PAIR_MIN_IN_TIME[found is not None]:
        return None
    if found is None:
        pair, there = (model.quality.in_time + fast.quality.in_time) / 2, 1.0
    else:
        pair, there = found[0].in_time, found[1]
    low = fast.quality.in_time
    return low + (pair - low) * min(1.0, model_in_time / there)


def _better(
    candidates: list[Candidate],
    scored: dict[str, tuple[Prediction, float]],
    machine: Machine,
    expected: float,
) -> Candidate | None:
    """The catalog model not on disk that would give the most, when it fits the memory
    and beats the choice by BETTER_BY: one whose quality we measured first, else one
    estimated from its size (the message says so)."""
    missing = [
        c
        for c in candidates
        if not c.on_disk and c.fim and scored[c.name][0].rss_bytes <= machine.memory_bytes
    ]
    wins = [c for c in missing if scored[c.name][1] > expected * BETTER_BY]
    measured = [c for c in wins if c.quality.measured] or wins
    return max(measured, key=lambda c: (scored[c.name][1], -c.size_bytes)) if measured else None


def _reason(
    chosen: Candidate, prediction: Prediction, expected: float, fast: str | None, named: bool
) -> str:
    how = "named in the settings" if named else "auto"
    said = (
        f"{how}: {chosen.name}, predicted {prediction.p50_ms:.0f} ms a keystroke "
        f"(p95 {prediction.p95_ms:.0f} ms) on this machine, "
        f"{expected * 100:.0f} % of typed text expected accepted in time"
    )
    if not chosen.quality.measured:
        said += " (its quality estimated from its size)"
    if fast:
        said += f"; {fast} answers while its prompt is cold"
    return said
