"""The completion pipeline as a chain of plain functions.

request (text + cursor + tree) -> plan (when, how much) -> context windows ->
token-id prompt -> engine -> post-processing -> suggestion. The server,
`slm-ls complete` and the benchmark all call `complete`; nothing here knows LSP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from tree_sitter import Tree

from lsp_server.completion.plan import Plan, plan_for
from lsp_server.completion.steps import FULL, NAIVE, NAIVE_LINE, Steps
from lsp_server.config.settings import CompletionSettings
from lsp_server.context.assemble import OpenFile, build_context
from lsp_server.context.windows import (
    LineCounter,
    TokenMemo,
    Window,
    prefix_window,
    suffix_window,
)
from lsp_server.engines.base import CancelToken, Engine, Generation, GenerationParams
from lsp_server.postprocess import trim
from lsp_server.postprocess.chain import postprocess
from lsp_server.postprocess.parse_check import Checker
from lsp_server.postprocess.suffix import same_line
from lsp_server.prompt.fim import build_prompt
from lsp_server.prompt.fim_formats import PSM, SPM
from lsp_server.prompt.lead import back_off, split_lead, tokenize_in_parts
from lsp_server.prompt.repo import comment_blocks, repo_head
from lsp_server.syntax.languages import new_parser

__all__ = [
    "FULL",
    "NAIVE",
    "NAIVE_LINE",
    "CompletionRequest",
    "OpenFile",
    "Steps",
    "Suggestion",
    "complete",
]

# Room kept free in the context for the FIM control tokens and BOS.
CONTROL_TOKENS = 8
# Room for the repository format's own tokens (names, paths) around the snippets.
REPO_OVERHEAD_TOKENS = 32
# What a simple plugin sends: fixed character windows around the cursor.
NAIVE_PREFIX_CHARS = 4000
NAIVE_SUFFIX_CHARS = 1000


@dataclass(frozen=True)
class CompletionRequest:
    text: str
    offset: int  # str offset of the cursor
    language: str = "plaintext"
    multiline: bool | None = None  # None: decided from the cursor
    tree: Tree | None = None  # the tree of `text`, when the caller keeps one
    invoked: bool = True  # False: an automatic request, which may be skipped
    path: str = ""  # workspace-relative path, for repository context
    others: tuple[OpenFile, ...] = ()  # other open documents of the same language
    repo_name: str = ""
    session: str = ""  # the document: keeps its own KV state in the engine

    encoded: bytes | None = None  # `text` in UTF-8, when the caller already has it

    @cached_property
    def data(self) -> bytes:
        if self.encoded is not None:
            return self.encoded
        return self.text.encode("utf-8", "surrogatepass")

    @cached_property
    def cursor_byte(self) -> int:
        return len(self.text[: self.offset].encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Suggestion:
    text: str
    start: int  # str offsets of the replaced range (empty range: insertion)
    end: int
    multiline: bool
    generation: Generation | None = None
    skipped: str = ""  # why no model call was made, if none was
    cached: bool = False  # answered from the suggestion cache (typing-through)


def windows(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    healed: str = "",
    lead_line: int | None = None,
) -> tuple[Window, Window]:
    """Prefix and suffix windows within the budgets and the model's context;
    the prefix ends before the `healed` whitespace. With `lead_line` (the cursor's
    line, when the prompt will have a lead) the prefix is tokenized as the prompt
    will hold it: the part before the lead, then the lead."""
    room = engine.info.context_length - settings.max_tokens - CONTROL_TOKENS
    prefix_budget = max(0, min(settings.prefix_tokens, room))
    suffix_budget = max(0, min(settings.suffix_tokens, room - prefix_budget))
    if engine.info.fim is None:
        suffix_budget = 0
    prefix_end = request.offset - len(healed)
    count, memo = line_counter(engine), token_memo(engine)
    tokenize = memo if lead_line is None else tokenize_in_parts(memo, lead_line)
    prefix = prefix_window(request.text, prefix_end, prefix_budget, tokenize, count=count)
    suffix = suffix_window(request.text, request.offset, suffix_budget, engine.tokenize, count)
    return prefix, suffix


_MEMOS: dict[int, tuple[Engine, LineCounter, TokenMemo]] = {}


def _memos(engine: Engine) -> tuple[Engine, LineCounter, TokenMemo]:
    found = _MEMOS.get(id(engine))
    if found is None or found[0] is not engine:
        if len(_MEMOS) > 4:
            _MEMOS.clear()
        found = (engine, LineCounter(engine.tokenize), TokenMemo(engine.tokenize))
        _MEMOS[id(engine)] = found
    return found


def line_counter(engine: Engine) -> LineCounter:
    """The engine's memo of line token counts (one per engine)."""
    return _memos(engine)[1]


def token_memo(engine: Engine) -> TokenMemo:
    """The engine's memo of recently tokenized window texts (one per engine)."""
    return _memos(engine)[2]


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
        if any(ln.strip() and trim.indentation(ln) < plan.min_indent for ln in complete):
            return True
        # The model reconnected to the code after the cursor: the middle is written.
        follow = plan.next_lines[:1]
        return any(same_line(ln, f) for ln in complete for f in follow)

    return block_ended


def context_ids(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    windows_shown: tuple[Window, Window],
    prefix_end: int,
) -> tuple[list[int], list[int]]:
    """(head, header): repository context before the FIM part, and same-file context
    before the prefix window, within what the budget and the model's context allow."""
    prefix, suffix = windows_shown
    info = engine.info
    room = info.context_length - settings.max_tokens - CONTROL_TOKENS - REPO_OVERHEAD_TOKENS
    budget = min(settings.context_tokens, room - len(prefix.tokens) - len(suffix.tokens))
    shown = (prefix_end - len(prefix.text), request.offset + len(suffix.text))
    found = build_context(
        request.text,
        request.offset,
        request.tree,
        request.language,
        shown,
        list(request.others),
        budget,
        engine.tokenize,
    )
    head = repo_head(
        found.snippets, request.path, request.repo_name or "workspace", info.fim, engine.tokenize
    )
    header = found.header + ("" if head else comment_blocks(found.snippets, request.language))
    return head, engine.tokenize(header) if header else []


def lead_line(
    request: CompletionRequest, engine: Engine, settings: CompletionSettings, steps: Steps
) -> int | None:
    """The cursor's line when the prompt gets a lead (PSM with FIM), else None."""
    layout = layout_for(engine.info.layout, settings.fim_order)
    if not (steps.lead and layout == PSM and engine.info.fim is not None):
        return None
    return request.text.count("\n", 0, request.offset)


def fim_prompt(
    engine: Engine,
    settings: CompletionSettings,
    shown: tuple[Window, Window],
    context: tuple[list[int], list[int]],
    line: int | None,
) -> tuple[list[int], str]:
    """The token-id prompt, and the text forced on the generation (token healing).
    `context` is (head, header): repository context, then same-file context; `line`
    is the `lead_line`."""
    (prefix, suffix), (head, header) = shown, context
    info = engine.info
    lead: list[int] = []
    forced = ""
    if line is not None:
        prefix, lead = split_lead(prefix, line, token_memo(engine))
        lead, forced = back_off(lead, engine.detokenize)
    layout = layout_for(info.layout, settings.fim_order)
    prompt = build_prompt(
        layout, info.fim, header + prefix.tokens, suffix.tokens, info.bos, head, lead
    )
    return prompt, forced


def generation_params(
    request: CompletionRequest,
    settings: CompletionSettings,
    steps: Steps,
    plan: Plan,
    started: float,
    forced: str,
) -> GenerationParams:
    """Limits and stop rules; the prompt budget only for automatic requests that keep
    their KV progress (see completion.promptBudgetMs)."""
    budget = settings.prompt_budget_ms
    budgeted = budget > 0 and steps.kv_reuse and not request.invoked
    return GenerationParams(
        max_tokens=settings.max_tokens,
        deadline=started + settings.deadline_ms / 1000,
        prompt_deadline=started + budget / 1000 if budgeted else None,
        stop_when=stop_rule(plan) if steps.early_stop else None,
        reuse_cache=steps.kv_reuse,
        session=request.session,
        forced_prefix=forced,
    )


def layout_for(trained: tuple[str, ...], order: str) -> tuple[str, ...]:
    """The FIM layout for the `fimOrder` setting: the family's own ("auto"), or PSM/SPM
    for families whose tokens allow both (Codestral's layout is SPM only)."""
    if order == "auto" or trained not in (PSM, SPM):
        return trained
    return SPM if order == "spm" else PSM


def checker_for(request: CompletionRequest) -> Checker | None:
    """A parse checker over the document around the cursor (None without a grammar)."""
    parser = new_parser(request.language)
    if parser is None:
        return None
    return Checker(parser, request.data, request.cursor_byte, request.tree)


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
    request = replace(request, offset=offset)
    plan = plan_for(
        request.text,
        offset,
        multiline=request.multiline,
        tree=request.tree,
        invoked=request.invoked,
        use_tree=steps.syntax_plan,
        data=request.data if request.tree is not None else None,
        cursor_byte=request.cursor_byte if request.tree is not None else None,
    )
    if plan.skip_reason:
        return Suggestion("", offset, offset, plan.multiline, skipped=plan.skip_reason)
    if not steps.healing:
        plan = replace(plan, healed="")
    head: list[int] = []
    header: list[int] = []
    line = lead_line(request, engine, settings, steps) if steps.line_windows else None
    if steps.line_windows:
        prefix, suffix = windows(request, engine, settings, plan.healed, line)
        if steps.context:
            prefix_end = offset - len(plan.healed)
            head, header = context_ids(request, engine, settings, (prefix, suffix), prefix_end)
    else:
        prefix, suffix = char_windows(request, engine, settings)
    prompt, forced = fim_prompt(engine, settings, (prefix, suffix), (head, header), line)
    params = generation_params(request, settings, steps, plan, started, forced)
    generation = engine.generate(prompt, params, cancel or CancelToken())
    raw = generation.text[len(forced) :] if generation.text.startswith(forced) else ""
    if generation.stop_reason == "deadline":
        raw = trim.whole_lines(raw)  # what is finished is still useful
    checker = checker_for(request) if steps.parse_check else None
    text = postprocess(raw, plan, steps, request.text[:offset], checker)
    return Suggestion(text, offset, offset, plan.multiline, generation)
