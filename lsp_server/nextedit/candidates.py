"""Where the next edit goes, from the syntax tree: after a rename, the other uses of
the old name in the same definition (or the file, for a top-level name); after a
change to a function's parameters, the calls of that function in the file. Each
candidate is one line; the model writes its new text (predict.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from tree_sitter import Node

from lsp_server.documents.snapshot import Snapshot
from lsp_server.nextedit.history import Edit
from lsp_server.syntax.languages import spec_for

WORD = re.compile(r"[A-Za-z_]\w*")
NAMES = frozenset({"identifier", "type_identifier"})  # a variable's or a type's name
# `obj.name` (the member is another name) and `f(name=...)` (a keyword) are not uses.
MEMBERS = {
    "attribute": "attribute",
    "member_expression": "property",
    "selector_expression": "field",
    "keyword_argument": "name",
}
PARAMETERS = frozenset({"parameters", "formal_parameters", "parameter_list"})
CALLS = frozenset({"call", "call_expression"})


class Kind:
    RENAME = "rename"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class Change:
    """What the last edit was, as the tree sees it."""

    kind: str
    old: str  # the renamed name, or the function whose parameters changed
    new: str  # the new name ("" for a signature change)


@dataclass(frozen=True)
class Candidate:
    """A line that may need the follow-up: str offsets of its code (indentation not
    included) in the current text; for a rename, the old name's uses on it."""

    start: int
    end: int
    line: int
    change: Change
    uses: tuple[tuple[int, int], ...] = ()

    def expected(self, text: str) -> str:
        """The line with the rename applied to its uses (a rename's only right answer)."""
        out, at = [], self.start
        for start, end in self.uses:
            out += [text[at:start], self.change.new]
            at = end
        return "".join(out) + text[at : self.end]


def change_of(before: str, edit: Edit, snapshot: Snapshot) -> Change | None:
    """A rename (one name became another) or a parameter-list change, else None."""
    renamed = _renamed(before, edit, snapshot.text)
    if renamed is not None:
        return Change(Kind.RENAME, *renamed)
    function = _function_with_parameters_at(snapshot, edit.start)
    if function is not None:
        return Change(Kind.SIGNATURE, function, "")
    return None


def _renamed(before: str, edit: Edit, after: str) -> tuple[str, str] | None:
    old = _word_around(before, edit.start, edit.start + len(edit.old))
    new = _word_around(after, edit.start, edit.end_after)
    if old is None or new is None or old[0] != new[0]:
        return None
    old_name, new_name = before[old[0] : old[1]], after[new[0] : new[1]]
    if old_name == new_name or not WORD.fullmatch(old_name) or not WORD.fullmatch(new_name):
        return None
    return old_name, new_name


def _word_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The identifier span holding [start, end) (None when the span is not in one)."""
    if not 0 <= start <= end <= len(text):
        return None
    if any(not (ch.isalnum() or ch == "_") for ch in text[start:end]):
        return None
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return (start, end) if end > start else None


def _function_with_parameters_at(snapshot: Snapshot, offset: int) -> str | None:
    tree = snapshot.tree
    if tree is None:
        return None
    at = len(snapshot.text[:offset].encode("utf-8", "surrogatepass"))
    node: Node | None = tree.root_node.descendant_for_byte_range(at, at)
    while node is not None and node.type not in PARAMETERS:
        node = node.parent
    owner = node.parent if node is not None else None
    name = owner.child_by_field_name("name") if owner is not None else None
    if name is None or name.text is None:
        return None
    return name.text.decode("utf-8", "replace")


def candidates(snapshot: Snapshot, edit: Edit, change: Change) -> list[Candidate]:
    """The lines to look at, nearest after the edit first, then those above it;
    never the edited line itself (the person just typed it)."""
    tree = snapshot.tree
    if tree is None:
        return []
    text, data = snapshot.text, snapshot.data
    edited_line = text.count("\n", 0, edit.start)
    if change.kind == Kind.RENAME:
        scope = _scope(snapshot, edit.start)
        old = change.old.encode()
        nodes = [n for n in _walk(scope) if n.type in NAMES and n.text == old and _bare(n)]
    else:
        nodes = [n for n in _walk(tree.root_node) if n.type in CALLS and _calls(n, change.old)]
    found: dict[int, Candidate] = {}
    for node in nodes:
        line = node.start_point[0]
        if line == edited_line:
            continue
        if line not in found:
            start, end = _line_code(text, data, node.start_byte)
            found[line] = Candidate(start, end, line, change)
        if change.kind == Kind.RENAME:
            at = len(data[: node.start_byte].decode("utf-8", "replace"))
            use = (at, at + len(change.old))
            found[line] = replace(found[line], uses=(*found[line].uses, use))
    after = sorted((c for c in found.values() if c.line > edited_line), key=lambda c: c.line)
    above = sorted((c for c in found.values() if c.line < edited_line), key=lambda c: -c.line)
    return after + above


def _scope(snapshot: Snapshot, offset: int) -> Node:
    """The smallest definition holding `offset` (a renamed parameter or local lives
    there), else the whole file."""
    tree = snapshot.tree
    assert tree is not None
    definitions = spec_for(snapshot.language).definitions
    at = len(snapshot.text[:offset].encode("utf-8", "surrogatepass"))
    node: Node | None = tree.root_node.descendant_for_byte_range(at, at)
    while node is not None and node.type not in definitions:
        node = node.parent
    return node if node is not None else tree.root_node


def _bare(node: Node) -> bool:
    """A use of the name itself: not a member after a dot, not a keyword argument's name."""
    parent = node.parent
    field = MEMBERS.get(parent.type) if parent is not None else None
    return parent is None or field is None or parent.child_by_field_name(field) != node


def _calls(node: Node, name: str) -> bool:
    function = node.child_by_field_name("function")
    if function is None or function.text is None:
        return False
    called = function.text.decode("utf-8", "replace")
    return called == name or called.endswith("." + name)


def _line_code(text: str, data: bytes, at_byte: int) -> tuple[int, int]:
    """str offsets of the code on the line holding byte `at_byte` (no indentation)."""
    at = len(data[:at_byte].decode("utf-8", "replace"))
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    while start < end and text[start] in " \t":
        start += 1
    return start, end


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)
