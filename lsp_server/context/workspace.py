"""Context from the whole workspace: definitions and similar code from files that may
not be open, chosen from the workspace index for the cursor.

What goes in, most useful first, within a token budget:
1. definitions of the identifiers near the cursor that the file's imports resolve to
   (Go: also its own package's files);
2. definitions of names the file imports but does not use yet (why import them, if
   not to use them here);
3. definitions of the identifiers near the cursor found by name anywhere;
4. definitions of the names used in the lines above the cursor, from imported files;
5. code most similar to the lines before the cursor (Jaccard over identifiers, as
   RepoCoder and llama.vim do), from the imported files, the file's folder and the
   files of the definitions chosen.

The block is written in a fixed order (by path, then line), so that the same choice
gives the same tokens; `Block.covers` tells the prompt builder whether an earlier
block still serves the cursor (see prompt/builder.py: the block stays while it does,
and with it the KV cache built on it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lsp_server.context import symbols
from lsp_server.documents.snapshot import Snapshot
from lsp_server.syntax.languages import spec_for
from lsp_server.workspace.chunks import CHUNK_LINES, WORD, ChunkMemo
from lsp_server.workspace.facts import Import, imports_of
from lsp_server.workspace.index import Found, WorkspaceIndex

# Lines above the cursor whose names count as used in the scope (4.) and that the
# similar code is compared with (5.).
SCOPE_LINES = 40
QUERY_LINES = 12
MAX_CHUNK_FILES = 32
MAX_CHUNKS = 5
MIN_SIMILARITY = 0.15
# Definitions take at most this share of the budget while similar code remains.
DEFINITIONS_SHARE = 0.4
# A method found by name alone (not through an import) counts only when this few
# classes define one of that name.
MAX_SAME_MEMBER = 3
# A definition cut to fit shows at least this many tokens (else it is left out).
MIN_PART_TOKENS = 48


@dataclass(frozen=True)
class Snippet:
    key: str  # "path:line" — what the block holds, for stats and stability checks
    path: str  # as the prompt shows it
    line: int
    code: str


@dataclass(frozen=True)
class Block:
    snippets: tuple[Snippet, ...] = ()
    names: frozenset[str] = frozenset()  # the names whose definitions it holds
    wanted: frozenset[str] = frozenset()  # near-cursor names the index defines

    def covers(self, newer: Block) -> bool:
        """This block still serves a cursor for which `newer` was chosen: every name
        near that cursor that the index knows is already defined here."""
        return newer.wanted <= self.names

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(s.path, s.code) for s in self.snippets]


@dataclass(frozen=True)
class WorkspaceView:
    """What a request needs of the workspace: the index, where the document is in it,
    and the budget."""

    index: WorkspaceIndex
    key: str  # the document's absolute path ("" when not a file of the workspace)
    tokens: int
    max_file_bytes: int = 1_000_000
    similar_code: bool = True  # off: definitions only
    chunks: ChunkMemo = field(default_factory=ChunkMemo, compare=False)


def workspace_block(
    view: WorkspaceView, document: Snapshot, offset: int, tokenize: Callable[[str], list[int]]
) -> Block:
    """The workspace context for the cursor at str `offset` of `document`."""
    if view.tokens <= 0 or document.tree is None or not view.index.ready.is_set():
        return Block()
    text = document.text
    spec = spec_for(document.language)
    imports = tuple(imports_of(document.tree.root_node, document.data, spec))
    resolved = view.index.resolve(view.key, document.language, imports)
    home = set(resolved) | set(view.index.neighbours(view.key))
    near = symbols.identifiers_near(text, offset)
    modules = view.index.modules_bound(view.key, document.language, imports)
    ranked = _ranked(view, text, offset, near, imports, home, modules)
    wanted = frozenset(f.symbol.name for f in ranked if f.symbol.name in near)
    left = view.tokens
    chosen: list[Snippet] = []
    names: set[str] = set()
    share = DEFINITIONS_SHARE if view.similar_code else 1.0
    definitions_room = int(view.tokens * share)
    for found in ranked:
        room = left - (view.tokens - definitions_room)
        shown = _fitted(found.symbol.text, room, tokenize)
        if shown:
            chosen.append(_snippet(found, shown))
            names.add(found.symbol.name)
            left -= len(tokenize(shown)) + 2
    files = [*resolved, *sorted(home - set(resolved)), *(f.key for f in ranked)]
    pool = list(dict.fromkeys(files)) if view.similar_code else []
    for snippet in _similar(view, text, offset, pool, chosen):
        cost = len(tokenize(snippet.code)) + 2
        if cost <= left:
            chosen.append(snippet)
            left -= cost
    chosen.sort(key=lambda s: (s.path, s.line))
    return Block(tuple(chosen), frozenset(names), wanted)


def _snippet(found: Found, text: str) -> Snippet:
    symbol = found.symbol
    return Snippet(f"{symbol.path}:{symbol.line + 1}", symbol.path, symbol.line, text)


def _fitted(text: str, room: int, tokenize: Callable[[str], list[int]]) -> str:
    """`text` within `room` tokens: whole, else its first lines (a long class's head
    and first members), else nothing."""
    if len(tokenize(text)) + 2 <= room:
        return text
    if room < MIN_PART_TOKENS:
        return ""
    kept: list[str] = []
    for line in text.split("\n"):
        if len(tokenize("\n".join([*kept, line]))) + 2 > room:
            break
        kept.append(line)
    return "\n".join(kept)


def _ranked(
    view: WorkspaceView,
    text: str,
    offset: int,
    near: list[str],
    imports: tuple[Import, ...],
    home: set[str],
    modules: dict[str, list[str]],
) -> list[Found]:
    imported = [n for item in imports for n in item.names]
    unused = [n for n in imported if len(re.findall(rf"\b{re.escape(n)}\b", text)) <= 1]
    before = text[:offset]
    scope_start = max(0, _line_start(before, SCOPE_LINES))
    in_scope = list(dict.fromkeys(WORD.findall(before[scope_start:])))
    order: list[Found] = []
    seen: set[tuple[str, int]] = set()

    def add(names: list[str], home_only: bool) -> None:
        for name in names:
            if name.startswith("__"):  # __init__, __rich__: every class has one
                continue
            every = view.index.named(name)
            for found in every:
                spot = (found.key, found.symbol.line)
                if found.key == view.key or spot in seen or (home_only and found.key not in home):
                    continue
                if not home_only and found.symbol.member and len(every) > MAX_SAME_MEMBER:
                    continue  # a method name many classes share says little
                seen.add(spot)
                order.append(found)

    add(near, True)
    for name in near:  # `module.` being typed: what the module offers
        for key in modules.get(name, []):
            for found in view.index.defined_in(key):
                if (spot := (found.key, found.symbol.line)) not in seen:
                    seen.add(spot)
                    order.append(found)
    add(unused, True)
    add(near, False)
    add(in_scope[::-1], True)
    add(imported, True)
    return order


def _line_start(text: str, lines: int) -> int:
    position = len(text)
    for _ in range(lines):
        position = text.rfind("\n", 0, position)
        if position < 0:
            return 0
    return position + 1


def _similar(
    view: WorkspaceView, text: str, offset: int, files: list[str], chosen: list[Snippet]
) -> list[Snippet]:
    """The chunks of `files` most like the lines before the cursor."""
    query = frozenset(WORD.findall(text[_line_start(text[:offset], QUERY_LINES) : offset]))
    if len(query) < 3:
        return []
    taken = {(s.path, s.line) for s in chosen}
    scored: list[tuple[float, str, int, str]] = []
    for key in files[:MAX_CHUNK_FILES]:
        entry = view.index.entry(key)
        if entry is None or key == view.key:
            continue
        read = functools.partial(view.index.text, key, view.max_file_bytes)
        for start, words, chunk in view.chunks.chunks(key, entry.facts.stamp, read):
            score = len(query & words) / len(query | words)
            if score >= MIN_SIMILARITY:
                scored.append((score, entry.facts.path, start, chunk))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    found: list[Snippet] = []
    for _, path, start, chunk in scored:
        overlaps = any(p == path and abs(line - start) < CHUNK_LINES for p, line in taken)
        if not overlaps:
            found.append(Snippet(f"{path}:{start + 1}", path, start, chunk))
            taken.add((path, start))
        if len(found) == MAX_CHUNKS:
            break
    return found
