"""The benchmark measures what editors get: for the same document and cursor, the
suggestion `slm-ls bench` records equals the one the server returns over LSP, text
for text, for tasks of every kind (a line, a block, the middle of a line, the start
of a line that has code)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.bench import humaneval, runner
from lsp_server.bench.tasks import Task, in_layout
from lsp_server.config.settings import CompletionSettings, EngineSettings, Settings
from lsp_server.documents.positions import Encoding, offset_to_position
from lsp_server.engines.base import Engine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve
from lsp_server.prompt.builder import PromptCaches
from tests.e2e.conftest import init_params

DEADLINE_MS = 30_000  # the benchmark's: no answer is cut by the clock
MODEL = "qwen2.5-coder-0.5b"


def _mid_line(task: Task) -> Task:
    """The same hole, cut after the first word of the line: the rest of the line."""
    cut = task.middle.find(" ") + 1
    return replace(
        task,
        task_id=task.task_id + "/mid",
        prefix=task.prefix + task.middle[:cut],
        middle=task.middle[cut:],
        kind="mid-line",
    )


def _tasks() -> list[Task]:
    problems = humaneval.load_problems()
    single = humaneval.sample(humaneval.single_line_tasks(problems), 40, seed=5)
    multi = humaneval.sample(humaneval.multi_line_tasks(problems), 20, seed=5)
    lines = [in_layout(t, "editor") for t in single[:3]]
    mid = [_mid_line(t) for t in lines if " " in t.middle][:2]
    blocks = [in_layout(t, "editor") for t in multi[:3]]
    starts = [t for t in single[3:] if t.suffix.strip()][:3]  # official: column 0
    return [*lines, *mid, *blocks, *starts]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine(resolve(MODEL), EngineSettings())


async def test_bench_records_what_the_server_returns(
    bare_client: LanguageClient, engine: Engine
) -> None:
    options = {"model": MODEL, "completion": {"deadlineMs": DEADLINE_MS}}
    await bare_client.initialize_session(init_params(options))
    settings = Settings(completion=replace(CompletionSettings(), deadline_ms=DEADLINE_MS))
    caches = PromptCaches(engine.tokenize)
    tasks = _tasks()
    assert len(tasks) >= 10
    kinds = set()
    compared = []
    for index, task in enumerate(tasks):
        row = runner.run_task(task, engine, caches, settings, MODEL, "full")
        served = await _served(bare_client, f"file:///tmp/same/{index}.py", task)
        compared.append((task.task_id, row.prediction, served))
        kinds.add(_kind(task))
    assert kinds == {"line", "mid-line", "block", "start-of-line"}
    differing = [(task, bench, server) for task, bench, server in compared if bench != server]
    assert not differing, differing
    assert sum(bool(bench.strip()) for _, bench, _ in compared) >= len(compared) // 2


def _kind(task: Task) -> str:
    if task.kind == "mid-line":
        return "mid-line"
    if task.prefix.endswith("\n") and task.suffix.strip():
        return "start-of-line"
    return "block" if "\n" in task.middle else "line"


async def _served(client: LanguageClient, uri: str, task: Task) -> str:
    text = task.prefix + task.suffix
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    line, column = offset_to_position(text, len(task.prefix), Encoding.UTF16)
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(line, column),
        )
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    assert isinstance(result, types.InlineCompletionList)
    if not result.items:
        return ""
    insert = result.items[0].insert_text
    return insert if isinstance(insert, str) else insert.value
