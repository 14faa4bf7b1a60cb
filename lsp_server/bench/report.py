"""Benchmark output: a Markdown table, results.json, results.md and PNG charts."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS = (
    ("tasks", "tasks", "{:.0f}"),
    ("pass@1", "pass_at_1", "{:.1%}"),
    ("exact", "exact_match", "{:.1%}"),
    ("cands", "candidates_mean", "{:.2f}"),
    ("pass@k", "pass_at_k", "{:.1%}"),
    ("exact@k", "exact_at_k", "{:.1%}"),
    ("edit sim", "edit_similarity", "{:.3f}"),
    ("syntax ok", "syntax_valid", "{:.1%}"),
    ("empty", "empty", "{:.1%}"),
    ("ident match", "identifier_match", "{:.1%}"),
    ("prompt tok p50", "prompt_tokens_p50", "{:.0f}"),
    ("p50 ms", "latency_p50_ms", "{:.0f}"),
    ("p95 ms", "latency_p95_ms", "{:.0f}"),
    ("prompt tok/s", "prompt_tokens_per_s", "{:.0f}"),
    ("gen tok/s", "generated_tokens_per_s", "{:.1f}"),
    ("drafts taken", "drafted_accepted", "{:.1%}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
)


def _cell(value: Any, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def markdown_table(summary: dict[str, dict[str, Any]]) -> str:
    header = "| model | mode | " + " | ".join(name for name, _, _ in COLUMNS) + " |"
    rule = "|" + "---|" * (len(COLUMNS) + 2)
    lines = [header, rule]
    for model, modes in summary.items():
        for mode, stats in modes.items():
            cells = [_cell(stats.get(key), fmt) for _, key, fmt in COLUMNS]
            lines.append(f"| {model} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_outputs(
    out: Path,
    config: dict[str, Any],
    rows: list[dict[str, Any]],
    summary: dict[str, dict[str, Any]],
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    results = {"config": config, "summary": summary, "rows": rows}
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    table = markdown_table(summary)
    command = config.get("command", "")
    (out / "results.md").write_text(f"Command: `{command}`\n\n{table}\n")
    return [out / "results.json", out / "results.md", *charts(out, summary)]


def charts(out: Path, summary: dict[str, dict[str, Any]]) -> list[Path]:
    """quality.png (grouped bars per metric) and latency.png (p50/p95 per model and mode)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    labels = [f"{model}\n{mode}" for model, modes in summary.items() for mode in modes]
    stats = [s for modes in summary.values() for s in modes.values()]
    quality = [
        ("pass@1", "pass_at_1"),
        ("exact", "exact_match"),
        ("edit sim", "edit_similarity"),
        ("syntax ok", "syntax_valid"),
    ]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(labels) + 3), 4))
    width = 0.8 / len(quality)
    for i, (name, key) in enumerate(quality):
        values = [s.get(key) or 0.0 for s in stats]
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title("Completion quality")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "quality.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(labels) + 3), 4))
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [s["latency_p50_ms"] for s in stats], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [s["latency_p95_ms"] for s in stats], 0.4, label="p95")
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("ms per completion")
    ax.set_title("Latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    return [out / "quality.png", out / "latency.png"]


Metric = tuple[str, str, str]  # (row title, summary key, format)


def metric_table(
    metrics: list[Metric],
    columns: dict[str, dict[str, Any]],
    keep: Callable[[str, list[Any]], bool] = lambda key, values: True,
) -> str:
    """One row per metric, one column per summary (a model, a mode); a missing or NaN
    value shows as "–"; `keep` may leave out rows (by key and values)."""
    names = list(columns)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for title, key, fmt in metrics:
        values = [columns[name].get(key) for name in names]
        if not keep(key, values):
            continue
        cells = ["–" if v is None or v != v else fmt.format(v) for v in values]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
