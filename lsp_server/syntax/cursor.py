"""What the syntax tree says about the cursor: inside a comment or string, in the
middle of an identifier, right after a block opener."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node, Tree

# ":" opens a block only as part of a definition, statement or clause (Python);
# in dicts, slices, annotations or lambdas it does not.
COLON_OPENER_PARENTS = ("_definition", "_statement", "_clause")


@dataclass(frozen=True)
class CursorSyntax:
    in_comment: bool = False
    in_string: bool = False
    in_docstring: bool = False  # a string that documents its definition or module
    # A string that spans lines (a template literal, a triple-quoted string): text the
    # person writes line by line (markup, SQL, a message), not a short literal.
    in_long_string: bool = False
    after_opener: bool = False  # the text before the cursor ends a block opener line


def _node_at(tree: Tree, byte: int) -> Node | None:
    if byte < 0:
        return None
    return tree.root_node.descendant_for_byte_range(byte, byte)


def _ancestors(node: Node | None):  # type: ignore[no-untyped-def]
    while node is not None:
        yield node
        node = node.parent


# Code inside a string: `${...}` in a template literal, `{...}` in an f-string.
CODE_IN_STRING = ("substitution", "interpolation")


def _enclosing(tree: Tree, byte: int, data: bytes, kind: str) -> Node | None:
    """The innermost node whose type mentions `kind` that `byte` is strictly inside
    (code inside a string's interpolation is not inside the string)."""
    for probe in (byte, byte - 1):
        for node in _ancestors(_node_at(tree, probe)):
            code = kind != "comment" and any(part in node.type for part in CODE_IN_STRING)
            if code and node.start_byte < byte < node.end_byte:
                break
            if kind in node.type and node.start_byte < byte:
                if byte < node.end_byte:
                    return node
                # A line comment runs to the end of its line, where the cursor may sit.
                at_line_end = byte >= len(data) or data[byte : byte + 1] in (b"\n", b"\r")
                if kind == "comment" and byte == node.end_byte and at_line_end:
                    return node
    return None


def _inside(tree: Tree, byte: int, data: bytes, kind: str) -> bool:
    """Is `byte` strictly inside a node whose type mentions `kind`?"""
    return _enclosing(tree, byte, data, kind) is not None


def _after_opener(tree: Tree, data: bytes, byte: int, openers: frozenset[str]) -> bool:
    line_start = data.rfind(b"\n", 0, byte) + 1
    line_end = data.find(b"\n", byte)
    rest = data[byte : len(data) if line_end < 0 else line_end].strip()
    before = data[line_start:byte].rstrip()
    if not before or rest not in (b"", b"}", b")", b"]", b"end"):
        return False
    token = _node_at(tree, line_start + len(before) - 1)
    if token is None or token.is_named or token.type not in openers:
        return False
    if token.type != ":":
        return True
    return token.parent is not None and token.parent.type.endswith(COLON_OPENER_PARENTS)


def _in_docstring(tree: Tree, byte: int) -> bool:
    """Is `byte` inside a string that is the first statement of a body (Python's
    docstrings: a module's, a class's or a function's)?"""
    for probe in (byte, byte - 1):
        for node in _ancestors(_node_at(tree, probe)):
            if node.type != "string" or not node.start_byte < byte:
                continue
            statement = node.parent
            if statement is None or statement.type != "expression_statement":
                return False
            body = statement.parent
            return body is not None and body.named_children[:1] == [statement]
    return False


def analyse(
    tree: Tree | None, data: bytes, byte: int, openers: frozenset[str] = frozenset()
) -> CursorSyntax:
    """The cursor's syntactic situation; all False without a tree. `openers` are the
    language's block-opening tokens (syntax/languages.py)."""
    if tree is None:
        return CursorSyntax()
    string = _enclosing(tree, byte, data, "string") or _enclosing(tree, byte, data, "char")
    in_string = string is not None
    return CursorSyntax(
        in_comment=_inside(tree, byte, data, "comment"),
        in_string=in_string,
        in_docstring=in_string and _in_docstring(tree, byte),
        in_long_string=string is not None and string.start_point[0] != string.end_point[0],
        after_opener=_after_opener(tree, data, byte, openers),
    )
