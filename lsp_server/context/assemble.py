"""Context beyond the windows: what the model should know that the prefix/suffix
windows do not show.

- from the same file: imports and the signatures of the enclosing definitions
  (as code, in file order, placed before the prefix window), and the definitions
  (signature + docstring) of identifiers used near the cursor (as comments);
- from other open documents of the same language: the definitions of those
  identifiers, most relevant (nearest to the cursor) first, as repository
  snippets (the model's repo format where it has one, see prompt/repo.py).

Nothing already inside the windows is repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lsp_server.context import symbols
from lsp_server.documents.snapshot import Snapshot
from lsp_server.syntax.languages import spec_for


@dataclass(frozen=True)
class OpenFile:
    """Another open document (plain values: the pipeline never sees LSP objects)."""

    path: str
    document: Snapshot


@dataclass(frozen=True)
class Context:
    header: str = ""  # same-file text placed right before the prefix window
    snippets: list[tuple[str, str]] = field(default_factory=list)  # (path, code) from others


def comment(language: str, text: str) -> str:
    mark = spec_for(language).line_comment
    return "\n".join(f"{mark} {line}" if line.strip() else mark for line in text.split("\n"))


class _Budget:
    def __init__(self, tokens: int, tokenize: Callable[[str], list[int]]) -> None:
        self.left = tokens
        self.tokenize = tokenize

    def take(self, text: str) -> bool:
        cost = len(self.tokenize(text)) + 1
        if cost > self.left:
            return False
        self.left -= cost
        return True


def build_context(
    document: Snapshot,
    offset: int,
    window: tuple[int, int],
    others: list[OpenFile],
    budget_tokens: int,
    tokenize: Callable[[str], list[int]],
) -> Context:
    """Context for the cursor at `offset`; `window` is the str span the prefix and
    suffix windows already show."""
    if budget_tokens <= 0:
        return Context()
    budget = _Budget(budget_tokens, tokenize)
    text = document.text
    wanted = _Wanted(symbols.identifiers_near(text, offset), symbols.partial_at(text, offset))
    header = _same_file(document, offset, window, wanted, budget)
    snippets = _other_files(others, wanted, budget)
    return Context(header, snippets)


def _same_file(
    document: Snapshot, offset: int, window: tuple[int, int], wanted: _Wanted, budget: _Budget
) -> str:
    text, tree, data, language = document.text, document.tree, document.data, document.language
    if tree is None:
        return ""
    start_byte = len(text[: window[0]].encode("utf-8", "surrogatepass"))
    end_byte = start_byte + len(text[window[0] : window[1]].encode("utf-8", "surrogatepass"))
    parts: list[tuple[int, str]] = []
    spec = spec_for(language)
    for begin, end in symbols.imports(tree, spec.imports):
        if end <= start_byte and budget.take(piece := data[begin:end].decode()):
            parts.append((begin, piece))
    byte = len(text[:offset].encode("utf-8", "surrogatepass"))
    for node in symbols.enclosing(tree, byte, spec.definitions):
        if node.start_byte < start_byte and budget.take(piece := symbols.signature(node, data)):
            parts.append((node.start_byte, " " * node.start_point[1] + piece))
    outside = [d for d in wanted.find(document) if d.end <= start_byte or d.start >= end_byte]
    for found in wanted.rank(outside):
        if budget.take(found.summary):
            parts.append((found.start, comment(language, found.summary)))
    parts.sort()
    return "".join(piece + "\n" for _, piece in parts)


def _other_files(others: list[OpenFile], wanted: _Wanted, budget: _Budget) -> list[tuple[str, str]]:
    found: list[tuple[str, symbols.Definition]] = []
    for other in others:
        doc = other.document
        if doc.tree is not None:
            found += [(other.path, d) for d in wanted.find(doc)]
    path_of = {id(d): path for path, d in found}
    chosen = [d for d in wanted.rank([d for _, d in found]) if budget.take(d.summary)]
    # Chosen by relevance, written in a fixed order: the prompt's start then stays the
    # same while the cursor moves, and its KV cache stays valid.
    chosen.sort(key=lambda d: (path_of[id(d)], d.start))
    return [(path_of[id(d)], d.summary) for d in chosen]


class _Wanted:
    """Names to look up: the identifier being typed matches definitions that start
    with it; the identifiers around the cursor match exactly, nearest first."""

    def __init__(self, names: list[str], partial: str) -> None:
        self.names = names
        self.partial = partial if len(partial) >= 3 else ""

    def find(self, document: Snapshot) -> list[symbols.Definition]:
        """Definitions of the wanted names in `document` (which has a tree)."""
        assert document.tree is not None
        kinds = spec_for(document.language).definitions
        return symbols.find_definitions(
            document.tree, document.data, self.names, self.partial, kinds=kinds
        )

    def rank(self, definitions: list[symbols.Definition]) -> list[symbols.Definition]:
        order = {name: i for i, name in enumerate(self.names)}
        chosen: dict[str, tuple[int, symbols.Definition]] = {}
        for d in definitions:
            if self.partial and d.name.startswith(self.partial) and d.name != self.partial:
                rank = -1
            elif d.name in order:
                rank = order[d.name]
            else:
                continue
            if d.name not in chosen or rank < chosen[d.name][0]:
                chosen[d.name] = (rank, d)
        return [d for _, d in sorted(chosen.values(), key=lambda item: item[0])]
