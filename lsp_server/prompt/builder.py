"""The FIM prompt for a cursor: windows, context, lead, layout — as token ids.

Everything the completion pipeline sends to a model is built here, from plain values
(a document snapshot, the cursor, where the document lives); nothing here knows about
requests, plans or LSP.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lsp_server.config.settings import CompletionSettings, FimOrder
from lsp_server.context.assemble import OpenFile, build_context
from lsp_server.context.windows import (
    LineCounter,
    Tokenize,
    TokenMemo,
    Window,
    prefix_window,
    suffix_window,
)
from lsp_server.context.workspace import Block, WorkspaceView, workspace_block
from lsp_server.documents.snapshot import Snapshot
from lsp_server.engines.base import Engine
from lsp_server.models.families import PSM, SPM
from lsp_server.prompt.fim import build_prompt
from lsp_server.prompt.lead import LEAD_LINES, back_off, split_lead, tokenize_in_parts
from lsp_server.prompt.repo import comment_blocks, repo_head

# Room kept free in the context for the FIM control tokens and BOS.
CONTROL_TOKENS = 8
# Room for the repository format's own tokens (names, paths) around the snippets.
REPO_OVERHEAD_TOKENS = 32
# What a simple plugin sends: fixed character windows around the cursor.
NAIVE_PREFIX_CHARS = 4000
NAIVE_SUFFIX_CHARS = 1000


# Tokens at the prefix's end looked at to heal its last one.
HEAL_TAIL = 8
# Sessions (documents) whose chosen context is remembered.
CONTEXT_SESSIONS = 64


class PromptCaches:
    """What the prompt builder remembers between requests, for one loaded model:
    token counts of lines, recently tokenized window texts, and per document the
    context chosen for the scope the cursor is in. Owned by whoever holds the engine
    (the completion service, a benchmark run) and dropped with it."""

    def __init__(self, tokenize: Tokenize) -> None:
        self.lines = LineCounter(tokenize)
        self.texts = TokenMemo(tokenize)
        self._context: OrderedDict[str, tuple[tuple[int, ...], Context]] = OrderedDict()
        self._blocks: OrderedDict[str, Block] = OrderedDict()
        self._heads: OrderedDict[str, list[int]] = OrderedDict()

    def context(self, session: str, scope: tuple[int, ...]) -> Context | None:
        found = self._context.get(session)
        if found is None or found[0] != scope:
            return None
        self._context.move_to_end(session)
        return found[1]

    def keep_context(self, session: str, scope: tuple[int, ...], context: Context) -> None:
        _keep(self._context, session, (scope, context))

    def workspace_block(self, session: str, newer: Block) -> Block:
        """The block the session's prompt holds: the one it had while that still covers
        the cursor (`Block.covers`), else `newer`."""
        kept = self._blocks.get(session)
        chosen = kept if kept is not None and kept.covers(newer) else newer
        _keep(self._blocks, session, chosen)
        return chosen

    def head_changed(self, session: str, head: list[int]) -> bool:
        """Whether the session's repository context differs from its previous prompt's."""
        changed = self._heads.get(session, []) != head
        _keep(self._heads, session, head)
        return changed


def _keep(table: OrderedDict[str, Any], session: str, value: Any) -> None:
    table[session] = value
    table.move_to_end(session)
    while len(table) > CONTEXT_SESSIONS:
        table.popitem(last=False)


@dataclass(frozen=True)
class Context:
    """Token ids placed before the prefix window: repository context before the FIM
    part (`head`), same-file context right before the prefix (`header`)."""

    head: list[int]
    header: list[int]
    keys: tuple[str, ...] = ()  # what the workspace block holds ("path:line")


@dataclass(frozen=True)
class PromptOptions:
    """The prompt's switchable parts (the benchmark's naive mode and ablations)."""

    line_windows: bool = True  # token-budget windows cut at lines; off: fixed char windows
    context: bool = True  # imports, enclosing signatures, definitions, other open files
    lead: bool = True  # PSM: the lines before the cursor go after <mid> (lead.py)


@dataclass(frozen=True)
class Cursor:
    """Where the prompt is for: a document, the cursor in it, and its neighbours."""

    document: Snapshot
    offset: int
    path: str = ""  # workspace-relative, for repository context
    repo_name: str = ""
    others: Sequence[OpenFile] = ()
    session: str = ""  # the document, across requests ("" for a one-off request)
    workspace: WorkspaceView | None = None  # None: context from open documents only


@dataclass(frozen=True)
class Prompt:
    ids: list[int]
    forced: str = ""  # text the generation must begin with (token healing)
    context: tuple[str, ...] = ()  # the workspace snippets it holds ("path:line")
    context_changed: bool = False  # its repository context differs from the last prompt's


def fim_prompt(
    cursor: Cursor,
    engine: Engine,
    caches: PromptCaches,
    settings: CompletionSettings,
    options: PromptOptions = PromptOptions(),
    healed: str = "",
) -> Prompt:
    """The token-id prompt for `cursor`; `healed` is the whitespace before the cursor
    left to the model's own tokens (it is kept out of the prefix)."""
    line = lead_line(cursor, engine, settings, options) if options.line_windows else None
    context = Context([], [])
    if options.line_windows:
        shown = windows(cursor, engine, caches, settings, healed, line)
        if options.context:
            context = scoped_context(cursor, engine, caches, settings, shown, healed)
    else:
        shown = char_windows(cursor, engine, settings)
    prompt = assemble(engine, caches, settings, shown, (context.head, context.header), line)
    changed = bool(cursor.session) and caches.head_changed(cursor.session, context.head)
    return replace(prompt, context=context.keys, context_changed=changed)


def scoped_context(
    cursor: Cursor,
    engine: Engine,
    caches: PromptCaches,
    settings: CompletionSettings,
    shown: tuple[Window, Window],
    healed: str,
) -> Context:
    """The context for the cursor's scope: chosen by the first request in it and kept
    while the cursor stays there (the prefix window starts on the same line, the lead
    on the same anchor), so that the prompt's start — and the KV cache built on it —
    does not change with every keystroke. One-off requests (no session) choose anew."""
    prefix_end = cursor.offset - len(healed)
    text = cursor.document.text
    window_line = text.count("\n", 0, prefix_end - len(shown[0].text))
    cursor_line = text.count("\n", 0, cursor.offset)
    workspace = cursor.workspace.tokens if cursor.workspace is not None else -1
    scope = (
        window_line,
        cursor_line - cursor_line % LEAD_LINES,
        settings.context_tokens,
        workspace,
    )
    if cursor.session and (kept := caches.context(cursor.session, scope)) is not None:
        return kept
    block = None
    if cursor.workspace is not None:
        block = workspace_block(cursor.workspace, cursor.document, cursor.offset, engine.tokenize)
        block = caches.workspace_block(cursor.session, block) if cursor.session else block
    head, header = context_ids(cursor, engine, settings, shown, prefix_end, block)
    chosen = Context(head, header, tuple(s.key for s in block.snippets) if block else ())
    if cursor.session:
        caches.keep_context(cursor.session, scope, chosen)
    return chosen


def windows(
    cursor: Cursor,
    engine: Engine,
    caches: PromptCaches,
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
    text = cursor.document.text
    prefix_end = cursor.offset - len(healed)
    memo = caches.texts
    tokenize = memo if lead_line is None else tokenize_in_parts(memo, lead_line)
    prefix = prefix_window(text, prefix_end, prefix_budget, tokenize, count=caches.lines)
    suffix = suffix_window(text, cursor.offset, suffix_budget, engine.tokenize, caches.lines)
    return prefix, suffix


def char_windows(
    cursor: Cursor, engine: Engine, settings: CompletionSettings
) -> tuple[Window, Window]:
    """The naive windows: fixed character spans, cut only to fit the context."""
    room = engine.info.context_length - settings.max_tokens - CONTROL_TOKENS
    text, offset = cursor.document.text, cursor.offset
    before = text[max(0, offset - NAIVE_PREFIX_CHARS) : offset]
    after = text[offset : offset + NAIVE_SUFFIX_CHARS]
    suffix_ids = engine.tokenize(after) if engine.info.fim is not None else []
    suffix_ids = suffix_ids[: max(0, room // 4)]
    prefix_ids = engine.tokenize(before)
    prefix_ids = prefix_ids[max(0, len(prefix_ids) - (room - len(suffix_ids))) :]
    return Window(before, prefix_ids), Window(after, suffix_ids)


def context_ids(
    cursor: Cursor,
    engine: Engine,
    settings: CompletionSettings,
    windows_shown: tuple[Window, Window],
    prefix_end: int,
    block: Block | None = None,
) -> tuple[list[int], list[int]]:
    """(head, header): repository context before the FIM part, and same-file context
    before the prefix window, within what the budget and the model's context allow.
    With a workspace `block`, it is the repository context (open documents are in the
    index with their own text); else the other open documents' definitions are."""
    prefix, suffix = windows_shown
    info = engine.info
    room = info.context_length - settings.max_tokens - CONTROL_TOKENS - REPO_OVERHEAD_TOKENS
    room -= len(prefix.tokens) + len(suffix.tokens)
    budget = min(settings.context_tokens, room)
    shown = (prefix_end - len(prefix.text), cursor.offset + len(suffix.text))
    others = [] if block is not None else list(cursor.others)
    found = build_context(cursor.document, cursor.offset, shown, others, budget, engine.tokenize)
    snippets = found.snippets if block is None else _fitting(block, room - budget, engine)
    head = repo_head(
        snippets, cursor.path, cursor.repo_name or "workspace", info.fim, engine.tokenize
    )
    language = cursor.document.language
    header = found.header + ("" if head else comment_blocks(snippets, language))
    return head, engine.tokenize(header) if header else []


def _fitting(block: Block, room: int, engine: Engine) -> list[tuple[str, str]]:
    """The block's snippets that fit in `room` tokens (a small context length)."""
    kept = []
    for path, code in block.pairs:
        room -= len(engine.tokenize(code)) + 2
        if room < 0:
            break
        kept.append((path, code))
    return kept


def lead_line(
    cursor: Cursor, engine: Engine, settings: CompletionSettings, options: PromptOptions
) -> int | None:
    """The cursor's line when the prompt gets a lead (PSM with FIM), else None."""
    layout = layout_for(engine.info.layout, settings.fim_order)
    if not (options.lead and layout == PSM and engine.info.fim is not None):
        return None
    return cursor.document.text.count("\n", 0, cursor.offset)


def assemble(
    engine: Engine,
    caches: PromptCaches,
    settings: CompletionSettings,
    shown: tuple[Window, Window],
    context: tuple[list[int], list[int]],
    line: int | None,
) -> Prompt:
    """The token-id prompt, and the text forced on the generation (token healing).
    `context` is (head, header): repository context, then same-file context; `line`
    is the `lead_line`."""
    (prefix, suffix), (head, header) = shown, context
    info = engine.info
    lead: list[int] = []
    forced = ""
    if line is not None:
        prefix, lead = split_lead(prefix, line, caches.texts)
        if info.heals and lead:
            lead, forced = back_off(lead, engine.detokenize)
        elif info.heals:  # no lead (the top of a file): the prefix ends at the cursor
            prefix, forced = _healed_prefix(prefix, engine)
    layout = layout_for(info.layout, settings.fim_order)
    ids = build_prompt(
        layout, info.fim, header + prefix.tokens, suffix.tokens, info.bos, head, lead
    )
    return Prompt(ids, forced)


def _healed_prefix(prefix: Window, engine: Engine) -> tuple[Window, str]:
    """Token healing where the prefix itself ends at the cursor: without it, `polyhelp.s`
    ended with the token `s`, and the 0.5B went on `hoeel_area_of_vertices` for
    `shoelace_area_of_vertices` (no token starts a word at `ho`)."""
    if not prefix.text[-1:].strip():  # after whitespace: the indentation tells the line
        return prefix, ""
    # Only the tail is detokenized (the prefix can be a thousand tokens, every keystroke).
    head, tail = prefix.tokens[:-HEAL_TAIL], prefix.tokens[-HEAL_TAIL:]
    kept, forced = back_off(list(tail), engine.detokenize)
    if not forced or not prefix.text.endswith(forced):
        return prefix, ""
    return Window(prefix.text[: len(prefix.text) - len(forced)], [*head, *kept]), forced


def layout_for(trained: tuple[str, ...], order: FimOrder) -> tuple[str, ...]:
    """The FIM layout for the `fimOrder` setting: the family's own ("auto"), or PSM/SPM
    for families whose tokens allow both (Codestral's layout is SPM only)."""
    if order == FimOrder.AUTO or trained not in (PSM, SPM):
        return trained
    return SPM if order == "spm" else PSM
