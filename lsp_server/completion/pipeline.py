"""The completion pipeline as a chain of plain functions.

request (a document snapshot + cursor) -> plan (when, how much) -> prompt (prompt/)
-> engine -> post-processing (chain.py) -> suggestion. The server, `slm-ls complete`
and the benchmark all call `complete` with a request from `build_request`; nothing
here knows LSP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from lsp_server.completion import chain
from lsp_server.completion.plan import Plan, plan_for
from lsp_server.completion.request import CompletionRequest
from lsp_server.completion.steps import FULL, Steps
from lsp_server.config.settings import CompletionSettings
from lsp_server.engines.base import (
    CancelToken,
    Engine,
    Generation,
    GenerationParams,
    StopReason,
)
from lsp_server.postprocess import trim
from lsp_server.postprocess.parse_check import Checker
from lsp_server.postprocess.suffix import same_line
from lsp_server.prompt.builder import Cursor, Prompt, PromptCaches, fim_prompt
from lsp_server.syntax.languages import new_parser

# A line of prose (a comment, a docstring line) needs few tokens; generating no more
# keeps these suggestions as quick as code ones.
PROSE_MAX_TOKENS = 40
# The quick start's short prompt (see quick_prompt), kept in its own KV session.
QUICK_PREFIX_TOKENS = 128
QUICK_SUFFIX_TOKENS = 32
QUICK_SESSION = "#quick"
# The idle look-ahead past a shown suggestion (completion/idle.py) in a KV session of
# its own beside the document's: each starts from the other's state when that shares
# more of its prompt, and neither throws the other's away (the next keystroke, typed
# instead of accepting, finds the document's state as it left it).
AHEAD_SESSION = "#ahead"


def alternate_session(session: str) -> str:
    """The session whose KV state `session` may start from ("" for none)."""
    if session.endswith(AHEAD_SESSION):
        return session[: -len(AHEAD_SESSION)]
    return session + AHEAD_SESSION if session and not session.endswith(QUICK_SESSION) else ""


@dataclass(frozen=True)
class Suggestion:
    text: str
    start: int  # str offsets of the replaced range (empty range: insertion)
    end: int
    multiline: bool
    generation: Generation | None = None
    skipped: str = ""  # why no model call was made, if none was
    cached: bool = False  # answered from the suggestion cache (typing-through)
    # Answered from the quick start's short prompt: the full one is still cold.
    warming: bool = False
    # Answered by the cascade's fast model (its own full prompt) while `model` warms.
    fast: bool = False
    context: tuple[str, ...] = ()  # the workspace snippets in the prompt ("path:line")
    context_changed: bool = False  # the prompt's repository context changed
    # An invoked request's distinct suggestions, best first (`text` is the first);
    # empty when one was asked (automatic requests) or the engine gives one.
    candidates: tuple[str, ...] = ()


def stop_rule(plan: Plan) -> Callable[[str], bool]:
    """Stop generating once the trimmed result can no longer change."""
    if not plan.multiline:
        return first_line_done

    def block_ended(text: str) -> bool:
        lines = text.split("\n")
        complete = lines[1:-1]  # the last line may still grow
        if any(ln.strip() and trim.indentation(ln) < plan.min_indent for ln in complete):
            return True
        if plan.min_indent == 0 and any(
            trim.starts_top_level(lines[:i], ln) for i, ln in enumerate(lines[:-1]) if i > 0
        ):
            return True
        if plan.body_indent >= 0 and trim.body_end(lines[:-1], plan.body_indent) < len(lines[:-1]):
            return True  # it began re-writing the body the document has
        # The model reconnected to the code after the cursor: the middle is written.
        follow = plan.next_lines[:1]
        return any(same_line(ln, f) for ln in complete for f in follow)

    return block_ended


def first_line_done(text: str) -> bool:
    """A line with code in it has ended."""
    return "\n" in text.lstrip("\n") and bool(text.strip())


def after_forced(stop: Callable[[str], bool], forced: str) -> Callable[[str], bool]:
    """`stop` applied to what the model writes after the forced text (the prompt's
    backed-off last token, which may itself end a line, such as `:\\n`)."""
    if not forced:
        return stop
    return lambda text: text.startswith(forced) and stop(text[len(forced) :])


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
    stop = stop_rule(plan) if steps.early_stop else None
    if stop is None and steps.first_line_only:
        stop = first_line_done  # naive-line: the plugin knows only one line is wanted
    return GenerationParams(
        max_tokens=min(settings.max_tokens, PROSE_MAX_TOKENS)
        if plan.prose
        else settings.max_tokens,
        deadline=started + settings.deadline_ms / 1000,
        prompt_deadline=started + budget / 1000 if budgeted else None,
        stop_when=after_forced(stop, forced) if stop is not None else None,
        reuse_cache=steps.kv_reuse,
        session=request.session,
        alternate=alternate_session(request.session),
        forced_prefix=forced,
        candidates=settings.candidates if request.invoked else 1,
    )


def checker_for(request: CompletionRequest) -> Checker | None:
    """A parse checker over the document around the cursor (None without a grammar)."""
    parser = new_parser(request.language)
    if parser is None:
        return None
    return Checker(parser, request.data, request.cursor_byte, request.tree)


def plan_of(request: CompletionRequest, steps: Steps) -> Plan:
    """When and how much to complete at the request's cursor."""
    plan = plan_for(
        request.text,
        request.offset,
        multiline=request.multiline,
        tree=request.tree,
        invoked=request.invoked,
        use_tree=steps.syntax_plan,
        data=request.data,
        cursor_byte=request.cursor_byte,
        language=request.language,
    )
    return plan if steps.healing else replace(plan, healed="")


def cursor_of(request: CompletionRequest) -> Cursor:
    """What the prompt builder needs of a request."""
    return Cursor(
        request.document,
        request.offset,
        request.path,
        request.repo_name,
        request.others,
        request.session,
        request.workspace,
    )


def complete(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    cancel: CancelToken | None = None,
    steps: Steps = FULL,
    caches: PromptCaches | None = None,
    fast: tuple[Engine, PromptCaches] | None = None,
) -> Suggestion:
    """The suggestion for the cursor in `request` (empty text when there is none).
    `caches` are the engine's tokenizer memos (fresh ones when not given); `fast` is
    the cascade's fast model, which answers when `engine` is too cold (`stand_in`)."""
    started = time.monotonic()
    if not 0 <= request.offset <= len(request.text):
        request = replace(request, offset=min(max(request.offset, 0), len(request.text)))
    offset = request.offset
    plan = plan_of(request, steps)
    if plan.skip_reason:
        return Suggestion("", offset, offset, plan.multiline, skipped=plan.skip_reason)
    cursor = cursor_of(request)
    caches = caches or PromptCaches(engine.tokenize)
    prompt = full = fim_prompt(cursor, engine, caches, settings, steps.prompt_options, plan.healed)
    params = generation_params(request, settings, steps, plan, started, prompt.forced)
    warming = _too_cold(request, engine, settings, steps, prompt.ids, params)
    answering = engine
    if warming:
        answering, prompt, params = stand_in(
            request, (engine, caches), fast, cursor, settings, steps, plan, started
        )
    generation = answering.generate(prompt.ids, params, cancel or CancelToken())
    checker = checker_for(request) if steps.parse_check else None

    def finish(raw: str, stop: StopReason) -> str:
        return _finish(raw, stop, prompt.forced, plan, steps, request.text[:offset], checker)

    text = finish(generation.text, generation.stop_reason)
    candidates = ranked(
        [(finish(c.text, c.stop_reason), c.mean_logprob) for c in generation.candidates]
    )
    if candidates:
        text = candidates[0]
    return Suggestion(
        text,
        offset,
        offset,
        plan.multiline,
        generation,
        warming=warming,
        fast=answering is not engine,
        context=full.context,
        context_changed=full.context_changed,
        candidates=candidates if len(candidates) > 1 else (),
    )


def _finish(
    raw: str,
    stop: StopReason,
    forced: str,
    plan: Plan,
    steps: Steps,
    prefix: str,
    checker: Checker | None,
) -> str:
    """A generated text made a suggestion: the forced text taken off, only whole
    lines when the deadline cut it, then the post-processing chain."""
    raw = raw[len(forced) :] if raw.startswith(forced) else ""
    if stop == StopReason.DEADLINE:
        raw = trim.whole_lines(raw)  # what is finished is still useful
    return chain.postprocess(raw, plan, steps, prefix, checker)


def ranked(scored: list[tuple[str, float]]) -> tuple[str, ...]:
    """Distinct, non-empty suggestions: the first of `scored` (the greedy one) first —
    ranking it among the others by likelihood lowered pass@1 (docs/benchmarks.md,
    issue 17) —, then the others likeliest first (the model's mean log-probability per
    token of what it wrote). Texts that differ only in trailing whitespace are one."""
    seen: set[str] = set()
    distinct: list[tuple[str, float]] = []
    for text, score in scored:
        key = text.rstrip()
        if key and key not in seen:
            seen.add(key)
            distinct.append((text, score))
    if not scored or not scored[0][0].rstrip():
        return tuple(text for text, _ in sorted(distinct, key=lambda pair: -pair[1]))
    first, rest = distinct[0], sorted(distinct[1:], key=lambda pair: -pair[1])
    return tuple(text for text, _ in [first, *rest])


def stand_in(
    request: CompletionRequest,
    model: tuple[Engine, PromptCaches],
    fast: tuple[Engine, PromptCaches] | None,
    cursor: Cursor,
    settings: CompletionSettings,
    steps: Steps,
    plan: Plan,
    started: float,
) -> tuple[Engine, Prompt, GenerationParams]:
    """Who answers, and from which prompt, when the model's full prompt is too cold.
    Without a fast model: the quick start's short prompt on the model. With one (the
    cascade), the first of these that fits the budget: the model's own short prompt
    (the better model, once the idle time has warmed it: `short_prompt_job`), the fast
    model's full prompt (its KV cache follows the typing); else the fast model's short
    prompt, the cheapest answer there is."""

    def short(on: tuple[Engine, PromptCaches]) -> tuple[Prompt, GenerationParams]:
        prompt = quick_prompt(cursor, on[0], on[1], settings, steps, plan.healed)
        params = generation_params(request, settings, steps, plan, started, prompt.forced)
        return prompt, replace(params, session=request.session + QUICK_SESSION, alternate="")

    prompt, params = short(model)
    if fast is None:
        return model[0], prompt, replace(params, prompt_deadline=None)
    if not _too_cold(request, model[0], settings, steps, prompt.ids, params):
        return model[0], prompt, params
    small, memo = fast
    prompt = fim_prompt(cursor, small, memo, settings, steps.prompt_options, plan.healed)
    params = generation_params(request, settings, steps, plan, started, prompt.forced)
    if not _too_cold(request, small, settings, steps, prompt.ids, params):
        return small, prompt, params
    prompt, params = short(fast)
    return small, prompt, replace(params, prompt_deadline=None)


def short_prompt_job(
    request: CompletionRequest,
    engine: Engine,
    caches: PromptCaches,
    settings: CompletionSettings,
    cancel: CancelToken,
) -> Generation:
    """Idle work for the cascade: process the model's short prompt (the quick start's)
    for `request` in its KV session, within the request's prompt budget, so that the
    model answers from it once it is warm (`stand_in`). Generates one token: only the
    cache matters."""
    started = time.monotonic()
    steps = FULL
    plan = plan_of(request, steps)
    cursor = cursor_of(request)
    prompt = quick_prompt(cursor, engine, caches, settings, steps, plan.healed)
    params = generation_params(request, settings, steps, plan, started, prompt.forced)
    params = replace(params, session=request.session + QUICK_SESSION, alternate="", max_tokens=1)
    return engine.generate(prompt.ids, params, cancel)


def _too_cold(
    request: CompletionRequest,
    engine: Engine,
    settings: CompletionSettings,
    steps: Steps,
    ids: list[int],
    params: GenerationParams,
) -> bool:
    """The quick start applies: an automatic request of a document session whose full
    prompt would not be processed within its budget."""
    if not (steps.quick_start and settings.quick_start and request.session):
        return False
    if params.prompt_deadline is None:
        return False
    left = params.prompt_deadline - time.monotonic()
    return engine.prompt_seconds(ids, params.session, params.alternate) > left


def quick_prompt(
    cursor: Cursor,
    engine: Engine,
    caches: PromptCaches,
    settings: CompletionSettings,
    steps: Steps,
    healed: str,
) -> Prompt:
    """The quick start's prompt: the lines just around the cursor (QUICK_PREFIX_TOKENS
    before, QUICK_SUFFIX_TOKENS after), no context; a few hundred milliseconds of
    prompt processing on a CPU, so the first keystrokes in a cold document get an
    answer while the full prompt is warmed in idle time (completion/idle.py)."""
    short = replace(settings, prefix_tokens=QUICK_PREFIX_TOKENS, suffix_tokens=QUICK_SUFFIX_TOKENS)
    options = replace(steps.prompt_options, context=False)
    quick_cursor = replace(cursor, session=cursor.session + QUICK_SESSION)
    return fim_prompt(quick_cursor, engine, caches, short, options, healed)
