"""The completion pipeline as a chain of plain functions.

request (text + cursor offset) -> mode -> prefix/suffix windows -> token-id prompt
-> engine -> trimmed suggestion. The server, `slm-ls complete` and the benchmark
all call `complete`; nothing here knows about LSP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from lsp_server.config.settings import CompletionSettings
from lsp_server.context.windows import Window, prefix_window, suffix_window
from lsp_server.engines.base import CancelToken, Engine, Generation, GenerationParams
from lsp_server.postprocess import trim
from lsp_server.prompt.fim import build_prompt

# Room kept free in the context for the FIM control tokens and BOS.
CONTROL_TOKENS = 8
# What a simple plugin sends: fixed character windows around the cursor.
NAIVE_PREFIX_CHARS = 4000
NAIVE_SUFFIX_CHARS = 1000


@dataclass(frozen=True)
class Steps:
    """Pipeline steps that can be switched off (the benchmark's `naive` mode and ablations)."""

    line_windows: bool = True  # token-budget windows cut at lines; off: fixed char windows
    healing: bool = True  # trailing whitespace left to the model's tokens
    trimming: bool = True  # one line or one block, suffix overlap removed
    early_stop: bool = True  # stop generating once the trimmed result is final
    kv_reuse: bool = True  # reuse the KV cache of the previous evaluation

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


FULL = Steps()
NAIVE = Steps(line_windows=False, healing=False, trimming=False, early_stop=False, kv_reuse=False)


@dataclass(frozen=True)
class CompletionRequest:
    text: str
    offset: int  # str offset of the cursor
    language: str = "plaintext"
    multiline: bool | None = None  # None: decided from the cursor


@dataclass(frozen=True)
class Plan:
    """What kind of completion the cursor calls for."""

    multiline: bool
    cursor_indent: int  # column of the cursor when its line is blank before it
    line_rest: str  # the cursor line after the cursor
    next_lines: list[str]  # following non-blank lines (a few)
    # Spaces/tabs typed after code, left out of the prompt: a lone trailing space is
    # a rare token, while the model's own " word" tokens carry it (token healing).
    healed: str = ""


@dataclass(frozen=True)
class Suggestion:
    text: str
    start: int  # str offsets of the replaced range (empty range: insertion)
    end: int
    multiline: bool
    generation: Generation | None = None


def plan_for(text: str, offset: int, multiline: bool | None = None) -> Plan:
    """Single line in the middle of code; a block when the cursor line is blank."""
    offset = min(max(offset, 0), len(text))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    before, rest = text[line_start:offset], text[offset:line_end]
    blank = not before.strip() and not rest.strip()
    following = [ln for ln in text[line_end + 1 :].split("\n", 8)[:8] if ln.strip()]
    healed = before[len(before.rstrip(" \t")) :] if before.strip() else ""
    return Plan(
        multiline=blank if multiline is None else multiline,
        cursor_indent=len(before) if not before.strip() else trim.indentation(before),
        line_rest=rest,
        next_lines=following[:3],
        healed=healed,
    )


def windows(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    healed: str = "",
) -> tuple[Window, Window]:
    """Prefix and suffix windows within the budgets and the model's context;
    the prefix ends before the `healed` whitespace."""
    room = engine.info.context_length - settings.max_tokens - CONTROL_TOKENS
    prefix_budget = max(0, min(settings.prefix_tokens, room))
    suffix_budget = max(0, min(settings.suffix_tokens, room - prefix_budget))
    if engine.info.fim is None:
        suffix_budget = 0
    prefix_end = request.offset - len(healed)
    prefix = prefix_window(request.text, prefix_end, prefix_budget, engine.tokenize)
    suffix = suffix_window(request.text, request.offset, suffix_budget, engine.tokenize)
    return prefix, suffix


def char_windows(
    request: CompletionRequest, engine: Engine, settings: CompletionSettings
) -> tuple[Window, Window]:
    """The naive windows: fixed character spans, cut only to fit the context."""
    room = engine.info.context_length - settings.max_tokens - CONTROL_TOKENS
    before = request.text[max(0, request.offset - NAIVE_PREFIX_CHARS) : request.offset]
    after = request.text[request.offset : request.offset + NAIVE_SUFFIX_CHARS]
    suffix_ids = engine.tokenize(after) if engine.info.fim is not None else []
    suffix_ids = suffix_ids[: max(0, room // 4)]
    prefix_ids = engine.tokenize(before)
    prefix_ids = prefix_ids[max(0, len(prefix_ids) - (room - len(suffix_ids))) :]
    return Window(before, prefix_ids), Window(after, suffix_ids)


def stop_rule(plan: Plan) -> Callable[[str], bool]:
    """Stop generating once the trimmed result can no longer change."""
    if not plan.multiline:
        return lambda text: "\n" in text.lstrip("\n") and bool(text.strip())

    def block_ended(text: str) -> bool:
        lines = text.split("\n")
        complete = lines[1:-1]  # the last line may still grow
        return any(ln.strip() and trim.indentation(ln) < plan.cursor_indent for ln in complete)

    return block_ended


def postprocess(raw: str, plan: Plan) -> str:
    """Raw model text -> what the editor shows."""
    raw = trim.unheal(raw, plan.healed)
    text = trim.block(raw, plan.cursor_indent) if plan.multiline else trim.first_line(raw)
    text = trim.drop_suffix_overlap(text, plan.line_rest, plan.next_lines)
    return trim.finish(text)


def complete(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
    steps: Steps = FULL,
) -> Suggestion:
    """The suggestion for the cursor in `request` (empty text when there is none)."""
    started = time.monotonic()
    offset = min(max(request.offset, 0), len(request.text))
    request = CompletionRequest(request.text, offset, request.language, request.multiline)
    plan = plan_for(request.text, offset, request.multiline)
    if not steps.healing:
        plan = replace(plan, healed="")
    if steps.line_windows:
        prefix, suffix = windows(request, engine, settings, plan.healed)
    else:
        prefix, suffix = char_windows(request, engine, settings)
    info = engine.info
    prompt = build_prompt(info.layout, info.fim, prefix.tokens, suffix.tokens, info.bos)
    params = GenerationParams(
        max_tokens=settings.max_tokens,
        deadline=started + settings.deadline_ms / 1000,
        stop_when=stop_rule(plan) if steps.early_stop else None,
        reuse_cache=steps.kv_reuse,
    )
    generation = engine.generate(prompt, params, cancel or CancelToken())
    text = postprocess(generation.text, plan) if steps.trimming else generation.text
    return Suggestion(text, offset, offset, plan.multiline, generation)
