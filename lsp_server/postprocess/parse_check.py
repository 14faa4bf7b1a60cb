"""Parse check: insert the candidate into the document, reparse, and keep the longest
prefix of the candidate that adds no ERROR/MISSING nodes.

Only the region around the cursor is parsed: the top-level definition that holds it
(when it is not huge), else the whole document, incrementally from its tree. Either
way the cost does not grow with the size of the file for the common case.
"""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node, Parser, Tree

MAX_TRIES = 8
MAX_REGION_BYTES = 32_000


def count_errors(node: Node) -> int:
    """ERROR and MISSING nodes under `node` (subtrees without errors are skipped)."""
    total = 1 if node.is_error or node.is_missing else 0
    if node.has_error:
        total += sum(count_errors(child) for child in node.children)
    return total


def _point_after(data: bytes, start: int, inserted: bytes) -> tuple[int, int]:
    row = data.count(b"\n", 0, start)
    column = start - (data.rfind(b"\n", 0, start) + 1)
    lines = inserted.split(b"\n")
    if len(lines) == 1:
        return row, column + len(inserted)
    return row + len(lines) - 1, len(lines[-1])


def _region(tree: Tree, data: bytes, cursor: int) -> tuple[int, int] | None:
    """The byte span of the top-level node around the cursor, when small enough."""
    for node in tree.root_node.children:
        if node.start_byte <= cursor <= node.end_byte:
            start = data.rfind(b"\n", 0, node.start_byte) + 1
            end = data.find(b"\n", node.end_byte)
            end = len(data) if end < 0 else end
            return (start, end) if end - start <= MAX_REGION_BYTES else None
    return None


class Checker:
    """Parses `document[:cursor] + candidate + document[cursor:]` around the cursor."""

    def __init__(self, parser: Parser, data: bytes, cursor: int, tree: Tree | None = None):
        self.parser = parser
        tree = tree if tree is not None else parser.parse(data)
        region = _region(tree, data, cursor)
        if region is not None:
            self.head, self.tail = data[region[0] : cursor], data[cursor : region[1]]
            self.base: Tree | None = None
            self.base_errors = count_errors(parser.parse(self.head + self.tail).root_node)
        else:
            self.head, self.tail = data[:cursor], data[cursor:]
            self.base = tree
            self.base_errors = count_errors(tree.root_node)

    def errors(self, candidate: str) -> int:
        inserted = candidate.encode("utf-8", "surrogatepass")
        text = self.head + inserted + self.tail
        if self.base is None:  # a small region: a fresh parse is cheap
            return count_errors(self.parser.parse(text).root_node)
        start = len(self.head)
        point = _point_after(self.head, start, b"")
        tree = self.base.copy()
        tree.edit(
            start_byte=start,
            old_end_byte=start,
            new_end_byte=start + len(inserted),
            start_point=point,
            old_end_point=point,
            new_end_point=_point_after(self.head, start, inserted),
        )
        return count_errors(self.parser.parse(text, tree).root_node)

    def adds_errors(self, candidate: str) -> bool:
        return self.errors(candidate) > self.base_errors


def shorter_candidates(candidate: str, whole_lines: bool = False) -> Iterator[str]:
    """Prefixes of `candidate`, longest first: whole lines, then (unless
    `whole_lines`) the first line cut after each word."""
    lines = candidate.split("\n")
    for end in range(len(lines) - 1, 0, -1):
        yield "\n".join(lines[:end])
    if whole_lines:
        return
    first = lines[0]
    cuts = [i for i, ch in enumerate(first) if ch in " ,;)]}" and i > 0]
    for cut in reversed(cuts):
        yield first[: cut + 1 if first[cut] in ")]}" else cut].rstrip()


def parse_check(candidate: str, checker: Checker, ending: str = "") -> str:
    """`candidate` if it adds no syntax errors, else its longest prefix that adds
    none (trying at most MAX_TRIES), else "". With an `ending` (what the caller
    inserts after the candidate: a line break before an existing line) each candidate
    is checked followed by it, and only whole lines are tried."""
    if not candidate or not checker.adds_errors(candidate + ending):
        return candidate
    for tries, shorter in enumerate(shorter_candidates(candidate, bool(ending))):
        if tries >= MAX_TRIES:
            break
        if shorter.strip() and not checker.adds_errors(shorter + ending):
            return shorter
    return ""
