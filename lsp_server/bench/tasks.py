"""Benchmark tasks: a hole in a file (prefix + middle + suffix), optionally with tests.

On disk, tasks are JSON lines in our format
`{task_id, language, path?, prefix, suffix, middle, test?, entry_point?}` or in
human-eval-infilling's `{task_id, prompt, suffix, canonical_solution, test, entry_point}`.
Line holes come in two layouts (`in_layout`): where human-eval-infilling puts the
cursor, and where an editor has it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Task:
    task_id: str
    language: str
    prefix: str
    suffix: str
    middle: str
    path: str = ""
    kind: str = ""  # single-line, multi-line, statement, block, ...
    test: str = ""
    entry_point: str = ""
    names: tuple[str, ...] = ()  # names defined in other files that the middle uses

    @property
    def document(self) -> str:
        """The original file: prefix + middle + suffix."""
        return self.prefix + self.middle + self.suffix

    @property
    def has_tests(self) -> bool:
        return bool(self.test and self.entry_point)


LAYOUTS = ("editor", "official")


def in_layout(task: Task, layout: str) -> Task:
    """A line hole (the prefix ends at a line start, the middle is whole lines) in the
    `official` layout of human-eval-infilling — the cursor at column 0 of the line
    after the hole — or in the `editor` layout: the cursor after the hole line's
    indentation, the line break already there (what a person who is about to write
    that line has). prefix + middle + suffix stays the same; other tasks are kept."""
    at_line_start = not task.prefix or task.prefix.endswith("\n")
    if layout == "official" or not at_line_start or not task.middle.strip():
        return task
    first = task.middle.split("\n", 1)[0]
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    middle = task.middle[len(indent) :]
    newline = "\n" if middle.endswith("\n") else ""
    return replace(
        task,
        prefix=task.prefix + indent,
        middle=middle[: len(middle) - len(newline)],
        suffix=newline + task.suffix,
    )


def task_from_json(row: dict[str, Any]) -> Task:
    """A Task from our format or from human-eval-infilling's."""
    if "prompt" in row and "canonical_solution" in row:
        return Task(
            task_id=str(row["task_id"]),
            language="python",
            prefix=row["prompt"],
            suffix=row.get("suffix", ""),
            middle=row["canonical_solution"],
            kind="infilling",
            test=row.get("test", ""),
            entry_point=row.get("entry_point", ""),
        )
    return Task(
        task_id=str(row["task_id"]),
        language=row.get("language", "python"),
        prefix=row["prefix"],
        suffix=row["suffix"],
        middle=row["middle"],
        path=row.get("path", ""),
        kind=row.get("kind", ""),
        test=row.get("test", ""),
        entry_point=row.get("entry_point", ""),
    )


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_tasks(path: Path) -> list[Task]:
    return [task_from_json(row) for row in read_jsonl(path)]


def write_tasks(tasks: Iterable[Task], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for task in tasks:
            handle.write(json.dumps(asdict(task)) + "\n")
