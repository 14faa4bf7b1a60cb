"""The completion pipeline as a chain of plain functions.

request (text + cursor offset) -> mode -> prefix/suffix windows -> token-id prompt
-> engine -> trimmed suggestion. The server, `slm-ls complete` and the benchmark
all call `complete`; nothing here knows about LSP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from lsp_server.config.settings import CompletionSettings
from lsp_server.context.windows import Window, prefix_window, suffix_window
from lsp_server.engines.base import CancelToken, Engine, Generation, GenerationParams
from lsp_server.postprocess import trim
from lsp_server.prompt.fim import build_prompt

# Room kept free in the context for the FIM control tokens and BOS.
CONTROL_TOKENS = 8


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
) -> Suggestion:
    """The suggestion for the cursor in `request` (empty text when there is none)."""
    started = time.monotonic()
    offset = min(max(request.offset, 0), len(request.text))
    request = CompletionRequest(request.text, offset, request.language, request.multiline)
    plan = plan_for(request.text, offset, request.multiline)
    prefix, suffix = windows(request, engine, settings, plan.healed)
    info = engine.info
    prompt = build_prompt(info.layout, info.fim, prefix.tokens, suffix.tokens, info.bos)
    params = GenerationParams(
        max_tokens=settings.max_tokens,
        deadline=started + settings.deadline_ms / 1000,
        stop_when=stop_rule(plan),
    )
    generation = engine.generate(prompt, params, cancel or CancelToken())
    text = postprocess(generation.text, plan)
    return Suggestion(text, offset, offset, plan.multiline, generation)
