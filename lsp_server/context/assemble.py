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

from tree_sitter import Tree

from lsp_server.context import symbols

LINE_COMMENT = {"python": "#", "ruby": "#", "shellscript": "#", "lua": "--"}


@dataclass(frozen=True)
class OpenFile:
    """Another open document (plain values: the pipeline never sees LSP objects)."""

    path: str
    text: str
    tree: Tree | None


@dataclass(frozen=True)
class Context:
    header: str = ""  # same-file text placed right before the prefix window
    snippets: list[tuple[str, str]] = field(default_factory=list)  # (path, code) from others


def comment(language: str, text: str) -> str:
    mark = LINE_COMMENT.get(language, "//")
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
    text: str,
    offset: int,
    tree: Tree | None,
    language: str,
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
    wanted = symbols.identifiers_near(text, offset)
    header = _same_file(text, offset, tree, language, window, wanted, budget) if tree else ""
    snippets = _other_files(others, wanted, budget)
    return Context(header, snippets)


def _same_file(
    text: str,
    offset: int,
    tree: Tree,
    language: str,
    window: tuple[int, int],
    wanted: list[str],
    budget: _Budget,
) -> str:
    data = text.encode("utf-8", "surrogatepass")
    start_byte = len(text[: window[0]].encode("utf-8", "surrogatepass"))
    end_byte = start_byte + len(text[window[0] : window[1]].encode("utf-8", "surrogatepass"))
    parts: list[tuple[int, str]] = []
    for begin, end in symbols.imports(tree, data):
        if end <= start_byte and budget.take(piece := data[begin:end].decode()):
            parts.append((begin, piece))
    byte = len(text[:offset].encode("utf-8", "surrogatepass"))
    for node in symbols.enclosing(tree, byte):
        if node.start_byte < start_byte and budget.take(piece := symbols.signature(node, data)):
            parts.append((node.start_byte, " " * node.start_point[1] + piece))
    local = {
        d.name: d
        for d in symbols.definitions(tree, data)
        if d.end <= start_byte or d.start >= end_byte
    }
    for name in wanted:
        found = local.get(name)
        if found is not None and budget.take(found.summary):
            parts.append((found.start, comment(language, found.summary)))
    parts.sort()
    return "".join(piece + "\n" for _, piece in parts)


def _other_files(
    others: list[OpenFile], wanted: list[str], budget: _Budget
) -> list[tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for other in others:
        if other.tree is None:
            continue
        data = other.text.encode("utf-8", "surrogatepass")
        for definition in symbols.definitions(other.tree, data):
            index.setdefault(definition.name, (other.path, definition.summary))
    snippets = []
    for name in wanted:
        if name in index and budget.take(index[name][1]):
            snippets.append(index.pop(name))
    return snippets
