"""`slm-ls bench hover FILE...`: hover explanations of real code, through the real
server over LSP (client/hovering.py), scored here.

Symbols: names at call sites and definition names in the given files, sampled with a
seed. Per symbol: a cold hover (the model writes the explanation) and the same hover
again (the cache). Metrics: latency cold and cached, how many hovers came back with
an explanation (not only the tree's signature), its length, and a grounding rate —
of the names in the explanation's code spans, the share that exist in the document,
the other open documents, or the language's builtins (a name found nowhere is likely
made up)."""

from __future__ import annotations

import builtins
import keyword
import random
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_server.bench.metrics import percentile
from lsp_server.bench.report import Metric, metric_table
from lsp_server.syntax.languages import language_of_path

CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w{2,})\s*\(|\.([A-Za-z_]\w{2,})\s*\(")
DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.M)
SPAN = re.compile(r"`([^`\n]+)`")
NAME = re.compile(r"[A-Za-z_]\w*")
FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
PYTHON_KNOWN = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"self", "cls"}


@dataclass(frozen=True)
class Symbol:
    path: Path
    name: str
    offset: int  # str offset of the name's first character
    kind: str  # call, definition


def symbols(paths: list[Path], limit: int, seed: int) -> list[Symbol]:
    """`limit` distinct (file, name) symbols, definitions and call sites mixed."""
    found: dict[tuple[Path, str], Symbol] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for match in DEFINITION.finditer(text):
            found.setdefault(
                (path, match.group(1)), Symbol(path, match.group(1), match.start(1), "definition")
            )
        for match in CALL.finditer(text):
            group = 1 if match.group(1) else 2
            name = match.group(group)
            if keyword.iskeyword(name):
                continue
            found.setdefault((path, name), Symbol(path, name, match.start(group), "call"))
    pool = sorted(found.values(), key=lambda s: (str(s.path), s.offset))
    random.Random(seed).shuffle(pool)
    return pool[:limit]


def explanation(markdown: str) -> str:
    """The model's part of a hover: the Markdown without its code blocks."""
    return FENCED.sub("", markdown).strip()


def grounding(text: str, known: set[str]) -> tuple[int, int]:
    """(grounded, all) names in the code spans of `text`."""
    names = [name for span in SPAN.findall(text) for name in NAME.findall(span)]
    return sum(name in known for name in names), len(names)


def known_names(texts: list[str]) -> set[str]:
    """Every identifier in the open documents, and Python's builtins and keywords."""
    return {name for text in texts for name in NAME.findall(text)} | set(PYTHON_KNOWN)


@dataclass
class HoverRow:
    path: str
    name: str
    kind: str
    cold_ms: float
    cached_ms: float
    markdown: str
    explained: bool  # the model's explanation is in it (not only the tree's signature)
    words: int
    grounded: int
    spans_names: int


def row(
    symbol: Symbol, cold_ms: float, cached_ms: float, markdown: str, known: set[str]
) -> HoverRow:
    said = explanation(markdown)
    grounded, total = grounding(said, known)
    return HoverRow(
        str(symbol.path),
        symbol.name,
        symbol.kind,
        cold_ms,
        cached_ms,
        markdown,
        bool(said),
        len(said.split()),
        grounded,
        total,
    )


def summarise(rows: list[HoverRow]) -> dict[str, Any]:
    explained = [r for r in rows if r.explained]
    names = sum(r.spans_names for r in rows)
    return {
        "symbols": len(rows),
        "explained_share": len(explained) / len(rows) if rows else 0.0,
        "answered_share": sum(bool(r.markdown) for r in rows) / len(rows) if rows else 0.0,
        "cold_p50_ms": percentile([r.cold_ms for r in rows], 50),
        "cold_p95_ms": percentile([r.cold_ms for r in rows], 95),
        "cached_p50_ms": percentile([r.cached_ms for r in rows], 50),
        "cached_p95_ms": percentile([r.cached_ms for r in rows], 95),
        "words_p50": statistics.median([r.words for r in explained]) if explained else 0,
        "span_names": names,
        "grounded_share": sum(r.grounded for r in rows) / names if names else None,
    }


def markdown(summaries: dict[str, dict[str, Any]]) -> str:
    rows: list[Metric] = [
        ("symbols", "symbols", "{:.0f}"),
        ("explained by the model", "explained_share", "{:.1%}"),
        ("any hover (explanation or signature)", "answered_share", "{:.1%}"),
        ("cold p50 ms", "cold_p50_ms", "{:.0f}"),
        ("cold p95 ms", "cold_p95_ms", "{:.0f}"),
        ("again (cached) p50 ms", "cached_p50_ms", "{:.1f}"),
        ("again (cached) p95 ms", "cached_p95_ms", "{:.1f}"),
        ("explanation words p50", "words_p50", "{:.0f}"),
        ("names in code spans", "span_names", "{:.0f}"),
        ("grounded (names that exist)", "grounded_share", "{:.1%}"),
    ]
    return metric_table(rows, summaries)


def languages_ok(paths: list[Path]) -> list[Path]:
    """The files the benchmark can use (Python: its builtins are what grounding knows)."""
    return [p for p in paths if language_of_path(p.name) == "python"]
