"""When to complete, and how much: one line or a block, decided from the cursor's
line and (when there is one) the syntax tree."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Tree

from lsp_server.postprocess.indent import indent_style
from lsp_server.postprocess.trim import indentation
from lsp_server.syntax.cursor import analyse
from lsp_server.syntax.languages import spec_for


@dataclass(frozen=True)
class Plan:
    multiline: bool
    min_indent: int  # a later line indented less ends a multi-line completion
    line_rest: str  # the cursor line after the cursor
    next_lines: list[str]  # following non-blank lines (a few)
    line_before: str = ""  # the cursor line before the cursor
    # Spaces/tabs typed after code, left out of the prompt: a lone trailing space is
    # a rare token, while the model's own " word" tokens carry it (token healing).
    healed: str = ""
    skip_reason: str = ""  # non-empty: no automatic completion here
    # The cursor is at the start of a line that has code (only indentation before it):
    # the completion is whole new lines inserted before that line (completion/chain.py).
    new_line: bool = False
    # Natural language (a comment, a docstring) typed by the person: one line, a
    # short generation.
    prose: bool = False
    # A blank line above code indented deeper than the cursor: that body is already
    # there, so a block ends with the line that opens it (its indentation; -1: none).
    body_indent: int = -1
    # A blank cursor line: the deepest its code can be indented (the line above's
    # indentation, one unit more after an opener); -1 when not a blank line.
    deepest_indent: int = -1


# How a line that opens a block ends (its body is indented one unit deeper).
OPENING_ENDS = ("{", "(", "[", ":", "=>", " do", " then", "else")
ABOVE_LINES = 50  # how far up the line above a blank one is looked for


def deepest_indent(text: str, line_start: int, indent: str) -> int:
    """The deepest indentation (characters) code on the blank line starting at
    `line_start`, whose cursor stands at `indent`, can have: the nearest non-blank line
    above's, one unit more when that line opens a block; 0 at the top of the text. The
    unit is the document's, else the step from that line to the cursor (the editor's)."""
    above = text[max(0, line_start - 4000) : line_start].split("\n")[-ABOVE_LINES - 1 : -1]
    for line in reversed(above):
        if not line.strip():
            continue
        if not line.split("#", 1)[0].rstrip().endswith(OPENING_ENDS):
            return indentation(line)
        style = indent_style(text[max(0, line_start - 8000) : line_start])
        step = len(indent) - indentation(line)
        unit = len(style) if style is not None else (step if step > 0 else 4)
        return indentation(line) + unit
    return 0


def _line(text: str, offset: int) -> tuple[str, str, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return text[start:offset], text[offset:end], end


def plan_for(
    text: str,
    offset: int,
    *,
    multiline: bool | None = None,
    tree: Tree | None = None,
    invoked: bool = True,
    use_tree: bool = True,
    data: bytes | None = None,
    cursor_byte: int | None = None,
    language: str = "plaintext",
) -> Plan:
    """A block on a blank line or (with the tree) right after a block opener; one
    line in the middle of code; on a blank line above a deeper-indented body, a block
    that ends with the header of that body; at the start of a line that has code, a
    new line before it (a block only when `multiline` asks for one). A block ends where a line
    is dedented below the cursor, or where the model reconnects to the code after the
    cursor. Automatic
    requests in the middle of an identifier or in a string literal are skipped; in a
    comment or a docstring they get one line of prose. `data`
    and `cursor_byte` (the text in UTF-8 and the cursor in it) spare re-encoding when
    the caller has them."""
    offset = min(max(offset, 0), len(text))
    before, rest, line_end = _line(text, offset)
    following = [ln for ln in text[line_end + 1 :].split("\n", 8)[:8] if ln.strip()][:3]
    # Only whitespace typed after code is healed: a blank line's indentation tells
    # the model which line belongs there, and measured worse without it.
    healed = before[len(before.rstrip(" \t")) :] if before.strip() else ""
    blank = not before.strip() and not rest.strip()
    new_line = not before.strip() and bool(rest.strip())
    syntax = (
        analyse(
            tree,
            data if data is not None else text.encode("utf-8", "surrogatepass"),
            cursor_byte
            if cursor_byte is not None
            else len(text[:offset].encode("utf-8", "surrogatepass")),
            spec_for(language).block_openers,
        )
        if (use_tree and tree is not None)
        else None
    )
    opener = bool(syntax and syntax.after_opener)
    skip = ""
    # Typing prose: automatic requests in comments, docstrings and strings that span
    # lines (template literals: markup, SQL, messages) get one line of it.
    prose = bool(syntax and (syntax.in_comment or syntax.in_docstring)) and not invoked
    prose = prose or bool(syntax and syntax.in_long_string and not invoked)
    if use_tree and not invoked:
        if rest[:1].isalnum() or rest[:1] == "_":
            skip = "middle of an identifier"
        elif syntax is not None and syntax.in_string and not prose:
            skip = "string"
    if new_line:
        return Plan(
            multiline=bool(multiline),
            min_indent=indentation(before + rest),
            line_rest=rest,
            next_lines=[before + rest, *following[:2]],
            line_before=before,
            skip_reason=skip,
            new_line=True,
        )
    # A blank line above code indented deeper than the cursor: the body is there and
    # what is missing ends with its header (`try:`, `if ...:`): see trim.before_body.
    header = blank and bool(following) and indentation(following[0]) > len(before)
    if multiline is None:
        multiline = (blank or opener) and not prose
    return Plan(
        multiline=multiline,
        min_indent=len(before) if blank else indentation(before) + (1 if opener else 0),
        line_rest=rest,
        next_lines=following,
        line_before=before,
        healed=healed,
        skip_reason=skip,
        prose=prose,
        body_indent=indentation(following[0]) if header else -1,
        deepest_indent=deepest_indent(text, offset - len(before), before) if blank else -1,
    )
