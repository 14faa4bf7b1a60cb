"""`slm-ls bench overhead [FILE]`: time what the pipeline adds around the model —
plan, windows, context, prompt, and post-processing (with the parse check) — at
random cursors of a large file. The model is only used to tokenize."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from lsp_server.bench.metrics import percentile
from lsp_server.completion.chain import postprocess
from lsp_server.completion.pipeline import checker_for, plan_of
from lsp_server.completion.request import build_request
from lsp_server.completion.steps import FULL
from lsp_server.config.settings import CompletionSettings
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import Engine
from lsp_server.prompt.builder import Cursor, PromptCaches, fim_prompt
from lsp_server.syntax.languages import language_of_path


@dataclass(frozen=True)
class Timing:
    context_ms: list[float]
    postprocess_ms: list[float]

    def summary(self) -> dict[str, float]:
        total = [a + b for a, b in zip(self.context_ms, self.postprocess_ms, strict=True)]
        return {
            "samples": len(total),
            "context_p50_ms": percentile(self.context_ms, 50),
            "context_p95_ms": percentile(self.context_ms, 95),
            "postprocess_p50_ms": percentile(self.postprocess_ms, 50),
            "postprocess_p95_ms": percentile(self.postprocess_ms, 95),
            "total_p50_ms": percentile(total, 50),
            "total_p95_ms": percentile(total, 95),
        }


def synthetic_file(lines: int = 10_000) -> str:
    """A Python module of about `lines` lines: classes, methods, helpers, imports."""
    out = ["import os", "import re", "from dataclasses import dataclass", ""]
    index = 0
    while len(out) < lines:
        out += [
            "@dataclass",
            f"class Record{index}:",
            f'    """Record number {index}."""',
            "    name: str",
            "    size: int = 0",
            "",
            "    def describe(self, prefix: str) -> str:",
            '        """Describe the record."""',
            f'        label = f"{{prefix}}-{{self.name}}-{index}"',
            "        if self.size > 10:",
            "            label = label.upper()",
            "        return label",
            "",
            f"def helper_{index}(values: list[int]) -> int:",
            "    total = 0",
            "    for value in values:",
            f"        total += value * {index % 7 + 1}",
            "    return total",
            "",
            "",
        ]
        index += 1
    return "\n".join(out[:lines]) + "\n"


def measure(text: str, language: str, engine: Engine, samples: int, seed: int) -> Timing:
    settings = CompletionSettings()
    document = Snapshot.parse(text, language)
    caches = PromptCaches(engine.tokenize)
    rng = random.Random(seed)
    line_starts = [0, *[i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1]]
    context_ms, post_ms = [], []
    for _ in range(samples):
        start = rng.choice(line_starts)
        end = text.find("\n", start)
        offset = rng.randint(start, end if end > start else start)
        request = build_request(document, offset)
        candidate = text[offset:end]  # what the model might say: the rest of the line
        t0 = time.perf_counter()
        plan = plan_of(request, FULL)
        cursor = Cursor(document, offset)
        fim_prompt(cursor, engine, caches, settings, FULL.prompt_options, plan.healed)
        t1 = time.perf_counter()
        postprocess(candidate, plan, FULL, text[:offset], checker_for(request))
        t2 = time.perf_counter()
        context_ms.append((t1 - t0) * 1000)
        post_ms.append((t2 - t1) * 1000)
    return Timing(context_ms, post_ms)


def run(path: Path | None, engine: Engine, samples: int, seed: int) -> dict[str, float]:
    if path is None:
        text, language = synthetic_file(), "python"
    else:
        text = path.read_text(encoding="utf-8")
        language = language_of_path(path.name)
    summary = measure(text, language, engine, samples, seed).summary()
    summary["lines"] = text.count("\n")
    return summary
