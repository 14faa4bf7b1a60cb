"""Definitions, imports and enclosing signatures, read from a document's syntax tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from lsp_server.documents.snapshot import Snapshot
from lsp_server.syntax.languages import spec_for

IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")


@dataclass(frozen=True)
class Definition:
    name: str
    start: int  # byte span of the whole definition
    end: int
    node: Node = field(repr=False, compare=False)
    data: bytes = field(repr=False, compare=False)

    @property
    def summary(self) -> str:
        """Signature, plus the docstring where the language has one."""
        return summary(self.node, self.data)


def _text(data: bytes, start: int, end: int) -> str:
    return data[start:end].decode("utf-8", "replace")


def signature(node: Node, data: bytes) -> str:
    """The definition's head: its text up to the body (or its first line)."""
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    head = _text(data, node.start_byte, end).rstrip()
    return head if body is not None else head.split("\n", 1)[0]


def _docstring(node: Node, data: bytes) -> str:
    body = node.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return ""
    first = body.named_children[0]
    if (
        first.type == "expression_statement"
        and first.named_child_count
        and (first.named_children[0].type == "string")
    ):
        return _text(data, first.start_byte, first.end_byte)
    return ""


def summary(node: Node, data: bytes) -> str:
    head = signature(node, data)
    doc = _docstring(node, data)
    if not doc:
        return head
    indent = " " * (node.start_point[1] + 4)
    return f"{head}\n{indent}{doc}"


def find_definitions(
    tree: Tree,
    data: bytes,
    names: list[str],
    partial: str = "",
    per_name: int = 64,
    kinds: frozenset[str] = frozenset(),
) -> list[Definition]:
    """Definitions of `names` (and of names starting with `partial`), found by searching
    the text for each name and asking the tree whether that spot names a definition:
    the cost follows the names' occurrences, not the size of the file. `kinds` are the
    language's definition node types."""
    found: dict[int, Definition] = {}
    for needle in ([partial] if partial else []) + names:
        raw = needle.encode("utf-8")
        position = data.find(raw)
        for _ in range(per_name):
            if position < 0:
                break
            definition = _definition_named_at(
                tree, data, position, len(raw), needle == partial, kinds
            )
            if definition is not None:
                found.setdefault(definition.start, definition)
            position = data.find(raw, position + 1)
    return list(found.values())


def _definition_named_at(
    tree: Tree, data: bytes, start: int, length: int, prefix_ok: bool, kinds: frozenset[str]
) -> Definition | None:
    node = tree.root_node.descendant_for_byte_range(start, start + length)
    if node is None or node.start_byte != start or node.child_count:
        return None
    if not prefix_ok and node.end_byte != start + length:
        return None
    parent = node.parent
    if parent is None or parent.type not in kinds:
        return None
    name = parent.child_by_field_name("name")
    if name is None or name.start_byte != node.start_byte:
        return None
    return Definition(
        _text(data, node.start_byte, node.end_byte),
        parent.start_byte,
        parent.end_byte,
        parent,
        data,
    )


def imports(tree: Tree, kinds: frozenset[str]) -> list[tuple[int, int]]:
    """Byte spans of the top-level import statements (`kinds`: the language's)."""
    return [(n.start_byte, n.end_byte) for n in tree.root_node.named_children if n.type in kinds]


def enclosing(tree: Tree, byte: int, kinds: frozenset[str]) -> list[Node]:
    """Definitions (node types in `kinds`) that contain `byte`, outermost first."""
    probe = max(byte - 1, 0)  # the character before the cursor: at EOF there is none after
    node: Node | None = tree.root_node.descendant_for_byte_range(probe, probe)
    chain = []
    while node is not None and node.parent is not None:  # the root is never one
        if node.type in kinds:
            chain.append(node)
        node = node.parent
    return list(reversed(chain))


def identifiers_near(text: str, offset: int, lines: int = 3) -> list[str]:
    """Identifiers on the lines around the cursor, nearest first, without repeats."""
    start = offset
    for _ in range(lines):
        start = text.rfind("\n", 0, max(start - 1, 0)) + 1 if start > 0 else 0
    end = offset
    for _ in range(2):
        found = text.find("\n", end + 1)
        end = len(text) if found < 0 else found
    matches = IDENTIFIER.finditer(text, start, end)
    ranked = sorted(matches, key=lambda m: min(abs(m.start() - offset), abs(m.end() - offset)))
    return list(dict.fromkeys(m.group(0) for m in ranked))


PARTIAL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def partial_at(text: str, offset: int) -> str:
    """The identifier that ends at the cursor (being typed), or ""."""
    match = PARTIAL.search(text, max(0, offset - 200), offset)
    return match.group(0) if match else ""


def definitions_around(snapshot: Snapshot, offset: int) -> list[Node]:
    """The definitions (the language's kinds) containing str `offset`, outermost first."""
    kinds = spec_for(snapshot.language).definitions
    if snapshot.tree is None or not kinds:
        return []
    byte = len(snapshot.text[: offset + 1].encode("utf-8", "surrogatepass"))
    return enclosing(snapshot.tree, byte, kinds)


def str_offset(snapshot: Snapshot, byte: int) -> int:
    """The str offset of a byte offset in the snapshot's UTF-8 data."""
    return len(snapshot.data[:byte].decode("utf-8", "replace"))
