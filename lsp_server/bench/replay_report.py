"""Summaries and charts for the replay benchmark (pure functions over its records)."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp_server.bench.metrics import percentile
from lsp_server.bench.report import Metric, metric_table

PATIENCE_S = 1.0
BY_LANGUAGE = "in_time_language:"  # a summary's key per language (by_language)


def summarise(
    mode: str,
    steps: list[dict[str, Any]],
    server: list[dict[str, Any]],
    hole_chars: int,
    rss_mb: float | None,
    open_files: int,
    hovers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One mode's numbers; `server` records pair with `steps` in order."""
    paired = server[: len(steps)]
    latencies = [s["latency_ms"] for s in steps]
    hits = [r for r in paired if r["cache_hit"]]
    calls = [r for r in paired if not r["cache_hit"] and not r["skipped"]]
    processed = [r["evaluated_tokens"] for r in paired]
    return {
        "mode": mode,
        "requests": len(steps),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "server_p50_ms": percentile([r["seconds"] * 1000 for r in paired], 50),
        "server_p95_ms": percentile([r["seconds"] * 1000 for r in paired], 95),
        # Keystrokes answered while the workspace index was being built.
        "during_indexing": sum(bool(r.get("indexing")) for r in paired),
        "during_indexing_p50_ms": _while_indexing(steps, paired, 50),
        "during_indexing_p95_ms": _while_indexing(steps, paired, 95),
        "cache_hits": len(hits),
        "cache_hit_rate": len(hits) / len(paired) if paired else 0.0,
        "cache_hit_server_p95_ms": percentile([r["seconds"] * 1000 for r in hits], 95),
        "model_calls": len(calls),
        # Keystrokes that called the model (a cancelled one at the patience included):
        # what model "auto" predicts (tuning/predict.py).
        "model_call_p50_ms": percentile(_model_calls(paired), 50),
        "model_call_p95_ms": percentile(_model_calls(paired), 95),
        "tokens_processed_p50": statistics.median(processed) if processed else 0,
        "tokens_processed_p50_per_model_call": statistics.median(
            [r["evaluated_tokens"] for r in calls]
        )
        if calls
        else 0,
        "generated_tokens_p50_per_model_call": statistics.median(
            [r["generated_tokens"] for r in calls]
        )
        if calls
        else 0,
        "nonempty_share": _share([bool(s["suggestion"]) for s in steps]),
        "latency_nonempty_p50_ms": percentile(
            [s["latency_ms"] for s in steps if s["suggestion"]], 50
        ),
        **_first_accepted(steps),
        # The first suggestion from the full prompt (not the quick start's short one).
        "first_full_p50_s": _first_full(steps, paired),
        # Keystrokes whose prompt's repository context differed from the previous one
        # (the KV cache after it lost): the workspace block's stability.
        "context_changed_share": _share([bool(r.get("context_changed")) for r in paired]),
        # Model calls answered by a stand-in (the model's full prompt was cold): the
        # quick start's short prompt, or the cascade's fast model.
        "stand_in_share": _share([bool(r.get("quick")) for r in calls]),
        "fast_share": _share([bool(r.get("fast")) for r in calls]),
        # Decoding speed: generated tokens per second of generation (the prompt apart).
        "decode_tokens_per_s": sum(r["generated_tokens"] for r in calls)
        / max(1e-9, sum(r.get("generate_ms", 0.0) for r in calls) / 1000)
        if any(r.get("generate_ms") for r in calls)
        else None,
        "drafted_accepted": sum(r.get("accepted_tokens", 0) for r in calls)
        / max(1, sum(r.get("drafted_tokens", 0) for r in calls)),
        "accepted_chars": sum(s["accepted"] for s in steps),
        # Accept keys (a Tab, a word, a line) per character the person did not type.
        "keys_per_saved_char": sum(s.get("keys", 0) for s in steps)
        / max(1, sum(s["accepted"] for s in steps))
        if any(s["accepted"] for s in steps)
        else None,
        "accepted_share": sum(s["accepted"] for s in steps) / hole_chars if hole_chars else 0.0,
        # What arrived within the patience of a person who types on: a suggestion that
        # came later is counted as not there (the replay's person waited for it).
        "accepted_in_time_share": sum(
            s["accepted"] for s in steps if s["latency_ms"] <= PATIENCE_S * 1000
        )
        / hole_chars
        if hole_chars
        else 0.0,
        # Taken whole with one Tab (the rest of the line or block), not line by line.
        "accepted_whole_share": sum(s["accepted"] for s in steps if s.get("whole")) / hole_chars
        if hole_chars
        else 0.0,
        # Keystrokes with no answer within the person's patience (`--patience`).
        "late_share": _share([bool(s.get("late")) for s in steps]),
        "hole_chars": hole_chars,
        "rss_mb": rss_mb,
        "open_files": open_files,
        **_hovers(hovers or []),
    }


def _model_calls(paired: list[dict[str, Any]]) -> list[float]:
    return [
        r["seconds"] * 1000
        for r in paired
        if not r["cache_hit"] and (r.get("stop_reason") or r.get("skipped") == "cancelled")
    ]


def _hovers(hovers: list[dict[str, Any]]) -> dict[str, Any]:
    """The hovers sent while typing: how many, how many answered with an explanation
    or the tree's signature, how many the next hover superseded, and their latency."""
    answered = [h for h in hovers if h["answered"]]
    return {
        "hovers": len(hovers),
        "hovers_answered": len(answered),
        "hovers_cancelled": sum(h["cancelled"] for h in hovers),
        "hover_answered_p50_ms": percentile([h["latency_ms"] for h in answered], 50)
        if answered
        else None,
    }


def by_language(steps: list[dict[str, Any]], holes: list[tuple[str, int]]) -> dict[str, float]:
    """The share of each language's typed text accepted in time; `holes` gives each
    hole's (language, characters), in the order typed (a step's `document`)."""
    typed: dict[str, int] = {}
    for language, chars in holes:
        typed[language] = typed.get(language, 0) + chars
    taken = dict.fromkeys(typed, 0)
    for step in steps:
        index = step.get("document", 0)
        if index < len(holes) and step["latency_ms"] <= PATIENCE_S * 1000:
            taken[holes[index][0]] += step["accepted"]
    return {f"{BY_LANGUAGE}{lang}": taken[lang] / n for lang, n in typed.items() if n}


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def _first_accepted(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds from opening a document to its first non-empty suggestion and to its
    first accepted one (medians over the documents that got one), and how many
    documents got one."""
    documents = sorted({s.get("document", 0) for s in steps})
    shown = _firsts(steps, documents, lambda s: bool(s["suggestion"]))
    accepted = _firsts(steps, documents, lambda s: bool(s["accepted"]))
    return {
        "first_nonempty_p50_s": statistics.median(shown) if shown else None,
        "first_accepted_p50_s": statistics.median(accepted) if accepted else None,
        "documents": len(documents),
        "documents_with_accepted": len(accepted),
    }


def _first_full(steps: list[dict[str, Any]], paired: list[dict[str, Any]]) -> float | None:
    """Seconds from opening a document to its first non-empty suggestion computed from
    the full prompt (median over the documents that got one); a cache hit is not
    counted (the cache does not say which prompt gave it)."""
    full = [
        {**s, "quick": r.get("quick", False) or r["cache_hit"]}
        for s, r in zip(steps, paired, strict=False)
    ]
    documents = sorted({s.get("document", 0) for s in steps})
    firsts = _firsts(full, documents, lambda s: bool(s["suggestion"]) and not s["quick"])
    return statistics.median(firsts) if firsts else None


def _firsts(
    steps: list[dict[str, Any]], documents: list[int], wanted: Callable[[dict[str, Any]], bool]
) -> list[float]:
    """Per document, the seconds after opening of its first step that is `wanted`."""
    firsts = []
    for document in documents:
        times = [
            s["since_open_s"]
            for s in steps
            if s.get("document", 0) == document and wanted(s) and "since_open_s" in s
        ]
        if times:
            firsts.append(min(times))
    return firsts


def markdown(summary: dict[str, dict[str, Any]]) -> str:
    rows: list[Metric] = [
        ("configuration (the server's stats)", "configuration", "{}"),
        ("requests", "requests", "{:.0f}"),
        ("p50 ms", "latency_p50_ms", "{:.0f}"),
        ("p95 ms", "latency_p95_ms", "{:.0f}"),
        ("requests while the index was built", "during_indexing", "{:.0f}"),
        ("p50 ms of those", "during_indexing_p50_ms", "{:.0f}"),
        ("p95 ms of those", "during_indexing_p95_ms", "{:.0f}"),
        ("cache hits", "cache_hit_rate", "{:.1%}"),
        ("hit p95 ms (server)", "cache_hit_server_p95_ms", "{:.2f}"),
        ("tokens/request p50", "tokens_processed_p50", "{:.0f}"),
        ("tokens/model call p50", "tokens_processed_p50_per_model_call", "{:.0f}"),
        ("model call p50 ms (server)", "model_call_p50_ms", "{:.0f}"),
        ("model call p95 ms (server)", "model_call_p95_ms", "{:.0f}"),
        ("non-empty answers", "nonempty_share", "{:.1%}"),
        ("p50 ms of non-empty answers", "latency_nonempty_p50_ms", "{:.0f}"),
        ("accepted (share of the typed text)", "accepted_share", "{:.1%}"),
        ("accepted in time (answer within 1 s)", "accepted_in_time_share", "{:.1%}"),
        ("accepted whole (one Tab)", "accepted_whole_share", "{:.1%}"),
        ("accept keys per character not typed", "keys_per_saved_char", "{:.3f}"),
        ("no answer within the patience", "late_share", "{:.1%}"),
        ("repository context changed (share of requests)", "context_changed_share", "{:.1%}"),
        ("first non-empty, s after open (p50)", "first_nonempty_p50_s", "{:.1f}"),
        ("first accepted, s after open (p50)", "first_accepted_p50_s", "{:.1f}"),
        ("first from the full prompt, s after open (p50)", "first_full_p50_s", "{:.1f}"),
        ("model calls by a stand-in (quick start or fast model)", "stand_in_share", "{:.1%}"),
        ("model calls answered by the fast model", "fast_share", "{:.1%}"),
        ("drafted tokens taken (speculative decoding)", "drafted_accepted", "{:.1%}"),
        ("generated tokens/s (decoding only)", "decode_tokens_per_s", "{:.1f}"),
        ("RSS MB", "rss_mb", "{:.0f}"),
        ("messages shown to the person (window/showMessage)", "messages", "{:.0f}"),
        ("engine: generated tokens/s (all people)", "generated_tokens_per_s", "{:.1f}"),
        ("hovers sent while typing", "hovers", "{:.0f}"),
        ("hovers answered (non-empty)", "hovers_answered", "{:.0f}"),
        ("hovers superseded by the next one", "hovers_cancelled", "{:.0f}"),
        ("answered hover p50 ms", "hover_answered_p50_ms", "{:.0f}"),
    ]
    languages = sorted({k for s in summary.values() for k in s if k.startswith(BY_LANGUAGE)})
    rows += [(f"accepted in time: {k.removeprefix(BY_LANGUAGE)}", k, "{:.1%}") for k in languages]
    return metric_table(rows, summary, keep=_measured)


def _while_indexing(
    steps: list[dict[str, Any]], paired: list[dict[str, Any]], q: float
) -> float | None:
    """The q-th percentile latency of the keystrokes answered during indexing."""
    found = [s["latency_ms"] for s, r in zip(steps, paired, strict=False) if r.get("indexing")]
    return percentile(found, q) if found else None


def _measured(key: str, values: list[Any]) -> bool:
    """Leave out a row no run measured (hovers, indexing, a team's engine rate)."""
    unused = key.startswith(("hover", "during_indexing")) and not any(values)
    return not (all(v is None for v in values) or unused)


def write(
    out: Path,
    config: dict[str, Any],
    summary: dict[str, dict[str, Any]],
    runs: dict[str, dict[str, Any]],
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps({"config": config, "summary": summary, "runs": runs}, indent=1, default=str)
    )
    (out / "results.md").write_text(f"Command: `{config['command']}`\n\n{markdown(summary)}\n")
    written = [out / "results.json", out / "results.md"]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return written
    fig, ax = plt.subplots(figsize=(7, 4))
    for mode, run in runs.items():
        values = sorted(max(step["latency_ms"], 0.1) for step in run["steps"])
        if values:
            ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], label=mode)
    ax.set_xscale("log")
    ax.set_xlabel("latency per request, ms (client side, log scale)")
    ax.set_ylabel("share of requests")
    ax.set_title("Replay: latency distribution")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    return [*written, out / "latency.png"]
