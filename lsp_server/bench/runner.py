"""Run tasks through the completion pipeline for each (model, mode) and score them."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lsp_server.bench import metrics
from lsp_server.bench.sandbox import check_program
from lsp_server.bench.tasks import Task
from lsp_server.completion.pipeline import complete
from lsp_server.completion.request import CompletionRequest, request_for
from lsp_server.completion.steps import FULL, NAIVE, NAIVE_LINE, Steps
from lsp_server.config.settings import Settings
from lsp_server.context.workspace import WorkspaceView
from lsp_server.engines.base import Engine, Generation, evaluated
from lsp_server.prompt.builder import PromptCaches

# Where context comes from, as `MODE@CONTEXT` (bench repo --context): nothing beyond
# the windows, the open documents (only the task's own), or the workspace index.
CONTEXTS = ("none", "open", "workspace")


def context_of(mode: str) -> str:
    return mode.partition("@")[2] or "open"


def steps_for(mode: str) -> Steps:
    """`full`, `naive`, or `full-no-STEP` (full with one step switched off), with an
    optional `@none|@open|@workspace` (where context comes from)."""
    mode, _, context = mode.partition("@")
    if context and context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}: {', '.join(CONTEXTS)}")
    steps = _steps(mode)
    return replace(steps, context=False) if context == "none" else steps


def _steps(mode: str) -> Steps:
    if mode == "full":
        return FULL
    if mode == "naive":
        return NAIVE
    if mode == "naive-line":
        return NAIVE_LINE
    if mode.startswith("full-no-") and mode[8:].replace("-", "_") in Steps.names():
        return replace(FULL, **{mode[8:].replace("-", "_"): False})
    raise ValueError(
        f"unknown mode {mode!r}: full, naive or full-no-STEP "
        f"(STEP in {', '.join(s.replace('_', '-') for s in Steps.names())})"
    )


@dataclass
class Row:
    model: str
    mode: str
    task_id: str
    kind: str
    language: str
    prediction: str
    reference: str
    latency_ms: float
    prompt_tokens: int
    evaluated_tokens: int  # prompt tokens processed (not reused from the KV cache)
    generated_tokens: int
    prompt_ms: float
    generate_ms: float
    stop_reason: str
    exact_match: bool
    edit_similarity: float
    syntax_valid: bool | None
    empty: bool
    passed: bool | None = None  # None: the task has no tests
    test_status: str = ""
    drafted_tokens: int = 0  # speculative decoding: tokens guessed
    accepted_tokens: int = 0  # and of those, taken
    names: tuple[str, ...] = ()  # names from other files the reference uses
    identifier_match: float | None = None  # share of `names` the prediction has
    # With completion.candidates > 1: every suggestion, best first (the prediction is
    # the first); whether any of them is exact, and whether any passes the tests.
    candidates: tuple[str, ...] = ()
    exact_any: bool = False
    passed_any: bool | None = None


def current_rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), else the peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_request(task: Task, workspace: WorkspaceView | None = None) -> CompletionRequest:
    """The request an editor sends for the task's cursor: an invoked completion in the
    document without its middle (parsed, as the server has it), with the workspace
    index when the editor's server would have one."""
    text = task.prefix + task.suffix
    return request_for(text, len(task.prefix), task.language, path=task.path, workspace=workspace)


Views = Callable[[Task], WorkspaceView | None]


def run_task(
    task: Task,
    engine: Engine,
    caches: PromptCaches,
    settings: Settings,
    model: str,
    mode: str,
    views: Views | None = None,
) -> Row:
    view = views(task) if views is not None and context_of(mode) == "workspace" else None
    request = task_request(task, view)
    # Tasks are independent: every completion starts from a cold KV cache, so no mode
    # profits from the prompt another mode (or task) left behind.
    steps = replace(steps_for(mode), kv_reuse=False)
    started = time.perf_counter()
    suggestion = complete(request, engine, settings.completion, steps=steps, caches=caches)
    latency = (time.perf_counter() - started) * 1000
    gen = suggestion.generation or Generation("")
    row = _row(task, model, mode, suggestion.text, gen, latency, suggestion.skipped)
    row.candidates = suggestion.candidates or (suggestion.text,)
    row.exact_any = any(metrics.exact_match(c, task.middle) for c in row.candidates)
    return row


def _row(
    task: Task,
    model: str,
    mode: str,
    text: str,
    gen: Generation,
    latency: float,
    skipped: str = "",
) -> Row:
    """A result row; `skipped` says why no model call was made, when none was."""
    return Row(
        model=model,
        mode=mode,
        task_id=task.task_id,
        kind=task.kind,
        language=task.language,
        prediction=text,
        reference=task.middle,
        latency_ms=latency,
        prompt_tokens=gen.prompt_tokens,
        evaluated_tokens=evaluated(gen),
        generated_tokens=len(gen.tokens),
        prompt_ms=gen.prompt_ms,
        generate_ms=gen.generate_ms,
        drafted_tokens=gen.drafted_tokens,
        accepted_tokens=gen.accepted_tokens,
        stop_reason=gen.stop_reason or skipped,
        exact_match=metrics.exact_match(text, task.middle),
        edit_similarity=metrics.edit_similarity(text, task.middle),
        syntax_valid=metrics.syntax_valid(
            task.language, task.prefix, text, task.middle, task.suffix
        ),
        empty=not text.strip(),
        names=task.names,
        identifier_match=metrics.identifier_match(text, task.names) if task.names else None,
    )


def score_tests(rows: list[Row], tasks: dict[str, Task], workers: int = 2) -> None:
    """pass@1 for rows whose task has tests (sandboxed subprocesses, in parallel)."""
    todo = [row for row in rows if tasks[row.task_id].has_tests]

    def check(row: Row) -> None:
        task = tasks[row.task_id]
        outcome = check_program(
            task.prefix, row.prediction, task.suffix, task.test, task.entry_point
        )
        row.passed, row.test_status = outcome.passed, outcome.status
        row.passed_any = outcome.passed or any(
            check_program(task.prefix, other, task.suffix, task.test, task.entry_point).passed
            for other in row.candidates[1:]
        )

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(check, todo))


def summarise(rows: list[Row], peak_rss: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Per model, per mode: the metrics of docs/benchmarks.md."""
    summary: dict[str, dict[str, Any]] = {}
    for model in dict.fromkeys(r.model for r in rows):
        summary[model] = {}
        for mode in dict.fromkeys(r.mode for r in rows if r.model == model):
            group = [r for r in rows if r.model == model and r.mode == mode]
            summary[model][mode] = _summary(group, peak_rss.get(model, 0.0))
    return summary


def hole_group(row: Row) -> str:
    return "cross-file" if row.kind == "cross-file" else "in-file"


def summarise_groups(rows: list[Row], peak_rss: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Per model: per mode and hole group (cross-file, in-file), then per mode, group
    and language."""
    summary: dict[str, dict[str, Any]] = {}
    for model in dict.fromkeys(r.model for r in rows):
        mine = [r for r in rows if r.model == model]
        summary[model] = {}
        groups = [(hole_group(r), "") for r in mine] + [(hole_group(r), r.language) for r in mine]
        for group, language in dict.fromkeys(groups):
            for mode in dict.fromkeys(r.mode for r in mine):
                chosen = [
                    r
                    for r in mine
                    if r.mode == mode
                    and hole_group(r) == group
                    and (not language or r.language == language)
                ]
                label = f"{mode} · {group}" + (f" · {language}" if language else "")
                if chosen:
                    summary[model][label] = _summary(chosen, peak_rss.get(model, 0.0))
    return summary


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _rate(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _summary(group: list[Row], rss: float) -> dict[str, Any]:
    latencies = [r.latency_ms for r in group]
    prompt_ms = sum(r.prompt_ms for r in group)
    generate_ms = sum(r.generate_ms for r in group)
    return {
        "tasks": len(group),
        "pass_at_1": _rate([bool(r.passed) for r in group if r.passed is not None]),
        "exact_match": _rate([r.exact_match for r in group]),
        "candidates_mean": _mean([float(len(r.candidates) or 1) for r in group]),
        "pass_at_k": _rate([bool(r.passed_any) for r in group if r.passed_any is not None]),
        "exact_at_k": _rate([r.exact_any or r.exact_match for r in group]),
        "edit_similarity": sum(r.edit_similarity for r in group) / len(group),
        "syntax_valid": _rate([bool(r.syntax_valid) for r in group if r.syntax_valid is not None]),
        "empty": _rate([r.empty for r in group]),
        "identifier_match": _mean([r.identifier_match for r in group]),
        "prompt_tokens_p50": metrics.percentile([float(r.prompt_tokens) for r in group], 50),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
        "prompt_tokens_per_s": sum(r.evaluated_tokens for r in group) / prompt_ms * 1000
        if prompt_ms
        else None,
        "generated_tokens_per_s": sum(r.generated_tokens for r in group) / generate_ms * 1000
        if generate_ms
        else None,
        "drafted_accepted": _share(
            sum(r.accepted_tokens for r in group), sum(r.drafted_tokens for r in group)
        ),
        "peak_rss_mb": rss,
    }


def run_bench(
    tasks: list[Task],
    models: list[str],
    modes: list[str],
    settings: Callable[[str], Settings],
    load: Callable[[str], Engine],
    time_budget: float | None = None,
    on_row: Callable[[Row], None] | None = None,
    views: Views | None = None,
) -> tuple[list[Row], dict[str, float]]:
    """Every task in every mode (interleaved, so a time budget cuts all modes alike),
    model after model (each with its `settings(model)`: a model named with settings of
    its own, `common.variant`); each model gets an equal share of `time_budget` seconds.
    Returns the rows and each model's peak RSS in MB."""
    rows: list[Row] = []
    peak: dict[str, float] = {}
    share = time_budget / len(models) if time_budget is not None else None
    for model in models:
        started = time.monotonic()
        engine = load(model)
        caches = PromptCaches(engine.tokenize)
        peak[model] = current_rss_mb()
        for task in tasks:
            if share is not None and time.monotonic() - started > share:
                break
            for mode in modes:
                row = run_task(task, engine, caches, settings(model), model, mode, views)
                rows.append(row)
                peak[model] = max(peak[model], current_rss_mb())
                if on_row is not None:
                    on_row(row)
        engine.close()
    return rows, peak


def rows_as_dicts(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]
