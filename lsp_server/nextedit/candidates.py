"""Where the next edit goes, from the syntax tree and the edit itself. Each kind of
change names its candidate lines, nearest after the edit first:

- moved: a line the edit inserted already stood elsewhere (exactly once) — the old
  copy goes (the tree decides);
- repeated: the lines the edit changed stand, the same, once or twice elsewhere —
  they change the same way;
- rename: one word became another — its other uses (a variable's in its definition,
  a member's on the same object, a word of a comment or string in the others)
  follow (the tree decides); replaced: a name or dotted name became another text
  (`t.NoReturn` → `"te.NoReturn"`) — its other copies in the file follow;
- extracted: the edit assigned an expression to a new name — the expression's
  later copies in the same definition become the name (the tree decides);
- sibling: the edit added a line that is its neighbour with a new name in place of
  an old one (a field beside a field) — after the other lines naming the old one,
  the same line for the new one (the tree decides);
- signature: a function's parameters changed — its calls (the model writes them);
- removed: a name the edit stopped defining is still used — a line that only
  assigns it goes (the tree decides), another one the model rewrites without it.

The model writes only the lines the tree cannot (predict.py)."""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from tree_sitter import Node

from lsp_server.documents.positions import byte_to_offset, offset_to_byte
from lsp_server.documents.snapshot import Snapshot
from lsp_server.nextedit.history import Edit, diff
from lsp_server.syntax.languages import Binding, LanguageSpec, spec_for

WORD = re.compile(r"[A-Za-z_]\w*")
TOKENS = re.compile(r"\w+|\S")
NAME_PART = re.compile(r"[A-Za-z_]\w")  # a name of two characters or more
NAMES = frozenset({"identifier", "type_identifier"})  # a variable's or a type's name
# An assignment of a new name to an expression: `x = e`, `x := e`, `const x = e;`, `$x = e`.
ASSIGNED = re.compile(r"^\s*(?:(?:const|let|var)\s+)?(\$?[A-Za-z_]\w*)\s*:?=\s*(.+?);?\s*$")
# A parameter's entry in a docstring: `:param name:`, `:param type name:`, `@param
# {type} name` (group 1: its indentation; 2 or 3: the name).
PARAM_DOC = re.compile(
    r"^([ \t]*)(?:\*[ \t]*)?"
    r"(?::param\s+(?:[\w\[\], .|]+\s+)?(\w+):|@param\s+(?:\{[^}]*\}\s*)?\[?(\w+))",
    re.MULTILINE,
)
TARGET = re.compile(r"\s*(?:[-+*/|&]?=|:=)[^=]")  # what follows an assignment's target
# A statement that only assigns a name: `x = e`, `x := e`, `x += e`.
ONLY_ASSIGNS = r"^\s*{name}\s*(?:[-+*/|&]?=|:=)[^=].*$"
SIMILAR = 0.6  # a changed line and its new version look this much alike (difflib's ratio)
MIN_REPEATED = 20  # characters of code in lines changed the same way elsewhere
MAX_REPEATED = 2
MIN_MOVED = 10  # shorter lines (`return nil`, `}`) are not told apart by their text
MIN_EXPRESSION = 6
# A word replaced in a comment or a string is followed elsewhere when it is a rare
# one (a typo, a renamed thing), not a common word of the prose.
MIN_PROSE_WORD = 4
MAX_PROSE_USES = 3


class Kind(StrEnum):
    MOVED = "moved"
    REPEATED = "repeated"
    RENAME = "rename"
    REPLACED = "replaced"
    EXTRACTED = "extracted"
    SIBLING = "sibling"
    SIGNATURE = "signature"
    REMOVED = "removed"


@dataclass(frozen=True)
class Change:
    """What the last edit was, as the tree sees it."""

    kind: Kind
    old: str  # the renamed name or word, the moved line, the extracted expression,
    # the function whose parameters changed, the name no longer defined
    new: str = ""  # the new name ("" when there is none)
    at: int = -1  # where a replacement starts in the text
    paired: bool = False  # found in one changed line of an edit over several lines


@dataclass(frozen=True)
class Candidate:
    """A line that may need the follow-up: str offsets [start, end) of the text to
    replace, and `written`, its new text when the tree decides it (None: the model
    writes it). A deletion spans the whole line with its newline and writes ""."""

    start: int
    end: int
    line: int
    change: Change
    written: str | None = None
    # A docstring's line for a new parameter, inserted at `start` (the end of the
    # last parameter's entry) in the style of `example`; the model writes it.
    doc_for: str = ""
    example: str = ""  # from the directive on (`:param x: ...`, `@param {T} x ...`)
    prefix: str = ""  # the newline and what stands before the directive (`\n    `, `\n * `)

    @property
    def deletes(self) -> bool:
        return self.written == ""


def changes_of(before: str, edit: Edit, snapshot: Snapshot) -> Iterator[Change]:
    """What the edit changed, the surest kind first, each found only when the ones
    before it gave no follow-up (the caller stops at the first that does)."""
    after = snapshot.text
    if (moved := _moved(before, edit, after)) is not None:
        yield Change(Kind.MOVED, moved)
    if (repeated := _repeatable(before, edit, after)) is not None:
        yield Change(Kind.REPEATED, *repeated)
    if (replaced := _replaced(before, edit, after)) is not None:
        old, new, at, paired = replaced
        old_word, new_word = WORD.fullmatch(old) is not None, WORD.fullmatch(new) is not None
        if old_word and new_word:
            yield Change(Kind.RENAME, old, new, at, paired)
        elif not old_word:  # a word grown into more (`width, height`) is another change
            yield Change(Kind.REPLACED, old, new, at, paired)
    if (extracted := _extracted(before, edit, after)) is not None:
        yield Change(Kind.EXTRACTED, *extracted)
    if (sibling := _sibling(before, edit, snapshot)) is not None:
        yield Change(Kind.SIBLING, *sibling)
    if (function := _function_with_parameters_at(snapshot, edit.start)) is not None:
        yield Change(Kind.SIGNATURE, function)
    for name in _removed(before, edit, snapshot):
        yield Change(Kind.REMOVED, name)


def change_of(before: str, edit: Edit, snapshot: Snapshot) -> Change | None:
    """The surest change the edit made, or None."""
    return next(changes_of(before, edit, snapshot), None)


def replacement(before: str, edit: Edit) -> tuple[str, str] | None:
    """(old, new) when the edit replaced, within one line, a word or a dotted name
    (`t.NoReturn`, `w.WriteHeader`) by another text, both read out to the ends of
    the names they cut into; else None."""
    found = _replacement_at(before, edit)
    return found[:2] if found is not None else None


def _replacement_at(before: str, edit: Edit) -> tuple[str, str, int] | None:
    """`replacement`, with the offset where the old text starts (the same before and
    after the edit)."""
    if "\n" in edit.old or "\n" in edit.new or not 0 <= edit.start <= len(before):
        return None
    start, end = edit.start, edit.start + len(edit.old)
    if end > len(before):
        return None
    while start > 0 and _in_name(before[start - 1]):
        start -= 1
    while end < len(before) and _in_name(before[end]):
        end += 1
    old = before[start:end]
    new = before[start : edit.start] + edit.new + before[edit.start + len(edit.old) : end]
    if old == new or not NAME_PART.search(old) or not new.strip():
        return None  # a name deleted is not a replacement to repeat
    if old != old.strip() or new != new.strip():
        return None  # spaces changed
    grown = (
        new[len(old) :] if new.startswith(old) else new[: -len(old)] if new.endswith(old) else ""
    )
    if grown and not all(_in_name(ch) for ch in grown):
        return None  # a name grown into more (`T` → `T | None`) is no replacement either
    return old, new, start


def _replaced(before: str, edit: Edit, after: str) -> tuple[str, str, int, bool] | None:
    """The edit's replacement (old, new, where it starts in `after`, False); for an
    edit over several lines, the first replacement in a line it changed (a line of
    the old lines and its look-alike in the new), with True."""
    direct = _replacement_at(before, edit)
    if direct is not None or ("\n" not in edit.old and "\n" not in edit.new):
        return (*direct, False) if direct is not None else None
    if not edit.old.strip() or not edit.new.strip():
        return None  # lines only inserted or deleted: none of them was changed
    old = _region(before, edit.start, edit.start + len(edit.old))
    new = _region(after, edit.start, edit.end_after)
    region_start = after.rfind("\n", 0, edit.start) + 1
    for line in old:
        if line in new or not line.strip():
            continue
        close = difflib.get_close_matches(line, [n for n in new if n not in old], 1, SIMILAR)
        change = diff(line, close[0]) if close else None
        if change is not None and (found := _replacement_at(line, change)) is not None:
            at = region_start + sum(len(n) + 1 for n in new[: new.index(close[0])])
            return found[0], found[1], at + found[2], True
    return None


def _region(text: str, start: int, end: int) -> list[str]:
    """The whole lines holding the span [start, end) of `text`."""
    first, last = _edited_lines(text, start, end)
    return text.split("\n")[first : last + 1]


def _repeatable(before: str, edit: Edit, after: str) -> tuple[str, str] | None:
    """(old lines, new lines) when the lines the edit changed stand again, the same,
    elsewhere (once or twice): the person may be making one change in several
    places. Lines are compared without their indentation."""
    if not edit.old.strip() or not edit.new.strip():
        return None  # lines inserted or deleted around a line do not make it a changed one
    old = _region(before, edit.start, edit.start + len(edit.old))
    new = _region(after, edit.start, edit.end_after)
    code = [ln.strip() for ln in old]
    if sum(len(ln) for ln in code) < MIN_REPEATED or old == new or len(old) != len(new):
        return None  # too little to tell copies apart; or lines added: an insertion
    first, last = _edited_lines(after, edit.start, edit.end_after)
    if not 0 < len(_block_copies(after, code, first, last)) <= MAX_REPEATED:
        return None
    indent = old[0][: len(old[0]) - len(old[0].lstrip())]
    relative = [ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in new]
    return "\n".join(code), "\n".join(relative)


def _block_copies(text: str, code: list[str], first: int, last: int) -> list[int]:
    """0-based lines where the block `code` (stripped lines) starts, outside lines
    [first, last]."""
    lines = [ln.strip() for ln in text.split("\n")]
    size = len(code)
    return [
        i
        for i in range(len(lines) - size + 1)
        if lines[i : i + size] == code and (i + size - 1 < first or i > last)
    ]


def _in_name(ch: str) -> bool:
    return ch.isalnum() or ch in "_.$"


def _edited_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """The 0-based first and last line of the span [start, end) of `text` (a span that
    ends with a newline and the next line's indentation ends on the newline's line)."""
    line = text.count("\n", 0, start)
    if start == end and (start == 0 or text[start - 1] == "\n"):
        return line, line - 1  # nothing at a line's start: no line (whole lines inserted)
    span = text[start:end]
    cut = span.rfind("\n")
    if cut >= 0 and not span[cut + 1 :].strip():
        end = start + cut + 1
    return line, text.count("\n", 0, max(start, end - 1))


def _inserted_lines(before: str, edit: Edit, after: str) -> list[str]:
    """The lines of the edited region that were not there before (stripped)."""
    old_first, old_last = _edited_lines(before, edit.start, edit.start + len(edit.old))
    new_first, new_last = _edited_lines(after, edit.start, edit.end_after)
    old = Counter(ln.strip() for ln in before.split("\n")[old_first : old_last + 1])
    new = [ln.strip() for ln in after.split("\n")[new_first : new_last + 1]]
    inserted = []
    for line in new:
        if old[line] > 0:
            old[line] -= 1
        elif line:
            inserted.append(line)
    return inserted


def _moved(before: str, edit: Edit, after: str) -> str | None:
    """A line the edit inserted that stands exactly once elsewhere in the text (it was
    moved here and its old copy remains), else None."""
    if "\n" not in edit.new:
        return None
    first, last = _edited_lines(after, edit.start, edit.end_after)
    lines = after.split("\n")
    elsewhere = Counter(ln.strip() for i, ln in enumerate(lines) if not first <= i <= last)
    for line in _inserted_lines(before, edit, after):
        if len(line) >= MIN_MOVED and WORD.search(line) and elsewhere[line] == 1:
            return line
    return None


def _sibling(before: str, edit: Edit, snapshot: Snapshot) -> tuple[str, str] | None:
    """(old name, new name) when the edit added one line that is its neighbour with
    one name replaced by a new one (`allowedWildcards map[string]bool` beside
    `allowedTypes map[string]bool`): a sibling was added."""
    after = snapshot.text
    old = _region(before, edit.start, edit.start + len(edit.old))
    first, last = _edited_lines(after, edit.start, edit.end_after)
    if last - first + 1 != len(old) + 1:
        return None
    starts, lines = zip(*_lines_at(after), strict=True)
    spaced = [" ".join(ln.split()) for ln in lines]
    known = {" ".join(ln.split()) for ln in old}
    for at in range(first, last + 1):
        if spaced[at] in known or not spaced[at]:
            continue
        indent = len(lines[at]) - len(lines[at].lstrip())
        if _within(_node_at(snapshot, starts[at] + indent), "import"):
            return None  # an import beside another: its uses are not the other's
        for near in (at - 1, at + 1):
            if not 0 <= near < len(lines) or not spaced[near]:
                continue
            one, other = TOKENS.findall(spaced[near]), TOKENS.findall(spaced[at])
            differ = [(a, b) for a, b in zip(one, other, strict=False) if a != b]
            if len(one) != len(other) or len(differ) != 1:
                continue
            found = differ[0]
            if all(WORD.fullmatch(w) for w in found) and not re.search(
                rf"\b{re.escape(found[1])}\b", before
            ):
                return found
    return None


def _within(node: Node | None, *kinds: str) -> bool:
    """A node, or one of its ancestors, of a type containing one of `kinds`."""
    while node is not None:
        if any(kind in node.type for kind in kinds):
            return True
        node = node.parent
    return False


def _lines_at(text: str) -> list[tuple[int, str]]:
    """Each line of `text` (without its newline) with the offset where it starts."""
    found, at = [], 0
    for line in text.split("\n"):
        found.append((at, line))
        at += len(line) + 1
    return found


def _extracted(before: str, edit: Edit, after: str) -> tuple[str, str] | None:
    """(expression, name) when the edit inserted `name = expression` with a name that
    was not in the text before."""
    for line in _inserted_lines(before, edit, after):
        match = ASSIGNED.match(line)
        if match is None:
            continue
        name, expression = match.group(1), match.group(2).strip().rstrip(",").strip()
        known = re.search(rf"(?<![\w$]){re.escape(name)}\b", before) is not None
        if len(expression) >= MIN_EXPRESSION and _balanced(expression) and not known:
            return expression, name
    return None


def _balanced(code: str) -> bool:
    """Brackets closed in order (quotes not looked into: an expression, not a parameter
    list's tail like `a=False, b=False):`)."""
    closing = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in code:
        if ch in "([{":
            stack.append(ch)
        elif ch in closing and (not stack or stack.pop() != closing[ch]):
            return False
    return not stack


def _function_with_parameters_at(snapshot: Snapshot, offset: int) -> str | None:
    node = _node_at(snapshot, offset)
    parameter_lists = spec_for(snapshot.language).parameter_lists
    while node is not None and node.type not in parameter_lists:
        node = node.parent
    owner = node.parent if node is not None else None
    name = owner.child_by_field_name("name") if owner is not None else None
    if name is None or name.text is None:
        return None
    return name.text.decode("utf-8", "replace")


def _removed(before: str, edit: Edit, snapshot: Snapshot) -> list[str]:
    """Names the edit's old lines defined (assigned, declared, took as a parameter,
    imported; `obj.attr` assigned) that no line defines now, though the text still
    uses them."""
    if snapshot.tree is None or WORD.search(edit.old) is None:
        return []  # nothing named was taken away (typing inserts: the usual case)
    old = Snapshot.parse(before, snapshot.language)
    spec = spec_for(snapshot.language)
    first, last = _edited_lines(before, edit.start, edit.start + len(edit.old))
    defined = {_key(n, spec) for n in _names_in(old, first, last + 1) if _binds(n, spec)}
    new_first, new_last = _edited_lines(snapshot.text, edit.start, edit.end_after)
    still = {_key(n, spec) for n in _names_in(snapshot, new_first, new_last + 1)}
    everywhere = [n for n in _walk(snapshot.tree.root_node) if n.type.endswith("identifier")]
    # Bound again before the edit: the name still exists there (bound after it, it is
    # only assigned, as `found = True` once `found = False` is gone).
    at = offset_to_byte(snapshot.text, edit.start)
    defined_now = {_key(n, spec) for n in everywhere if _binds(n, spec) and n.start_byte < at}
    used = {_key(n, spec) for n in everywhere}
    return sorted(k for k in defined - still - defined_now if k and k in used)


def _key(node: Node, spec: LanguageSpec) -> str:
    """A name as the removed-name rule tells names apart: `name`, or `obj.attr` for a
    member ("" for a keyword argument's name)."""
    member = _member_of(node, spec)
    if member is not None:
        return f"{member[1]}.{_text(node)}"
    return _text(node) if _bare(node, spec) else ""


def _binds(node: Node, spec: LanguageSpec) -> bool:
    """The name is bound here: `_defines`, or a member assigned (`self.limit = 0.5`)."""
    if _member_of(node, spec) is None:
        return _defines(node, spec)
    target = node.parent
    assert target is not None  # a member has its expression
    holder = target.parent
    if holder is not None and holder.type == "expression_list":
        target, holder = holder, holder.parent
    return (
        holder is not None
        and "assignment" in holder.type
        and (holder.child_by_field_name("left") == target)
    )


def _defines(node: Node, spec: LanguageSpec) -> bool:
    """The identifier is a name being bound (the language's binding forms: an
    assignment's target, a declared variable, a parameter, an imported name, a loop
    variable)."""
    parent = node.parent
    binding = _binding_table(spec).get(parent.type) if parent is not None else None
    if parent is None or binding is None:
        return False
    return BINDS[binding](node, parent)


@functools.cache
def _binding_table(spec: LanguageSpec) -> dict[str, Binding]:
    """The language's binding forms by node type (built once: `_removed` asks for every
    identifier of the file)."""
    return dict(spec.bindings)


def _left(node: Node, parent: Node) -> bool:
    return parent.child_by_field_name("left") == node


def _left_list(node: Node, parent: Node) -> bool:
    grand = parent.parent
    return grand is not None and grand.child_by_field_name("left") == parent


def _in_left(node: Node, parent: Node) -> bool:
    left = parent.child_by_field_name("left")
    return (
        left is not None and left.start_byte <= node.start_byte and node.end_byte <= left.end_byte
    )


def _alias_or_name(node: Node, parent: Node) -> bool:
    alias = parent.child_by_field_name("alias")
    return alias == node or (alias is None and parent.child_by_field_name("name") == node)


def _imported(node: Node, parent: Node) -> bool:
    grand = parent.parent
    if grand is None or "import" not in grand.type:
        return False
    if grand.child_by_field_name("module_name") == parent:
        return False
    return parent.children[-1] == node


BINDS: dict[Binding, Callable[[Node, Node], bool]] = {
    Binding.LEFT: _left,
    Binding.LEFT_LIST: _left_list,
    Binding.IN_LEFT: _in_left,
    Binding.NAME: lambda node, parent: parent.child_by_field_name("name") == node,
    Binding.ANY: lambda node, parent: True,
    Binding.ALIAS_OR_NAME: _alias_or_name,
    Binding.FIRST: lambda node, parent: parent.children[0] == node,
    Binding.IMPORTED: _imported,
}


def candidates(snapshot: Snapshot, edit: Edit, change: Change) -> list[Candidate]:
    """The lines to look at, nearest after the edit first, then those above it;
    never the edited lines themselves (the person just typed them)."""
    tree = snapshot.tree
    if tree is None:
        return []
    text = snapshot.text
    first, last = _edited_lines(text, edit.start, edit.end_after)
    if change.kind == Kind.MOVED:
        found = _moved_copies(snapshot, edit, change, first, last)
    elif change.kind == Kind.REPEATED:
        found = _repeated_copies(text, change, first, last)
    elif change.kind in (Kind.RENAME, Kind.REPLACED):
        found = _renamed_uses(snapshot, edit, change)
    elif change.kind == Kind.EXTRACTED:
        found = _copies(snapshot, edit, change, last)
    elif change.kind == Kind.SIBLING:
        found = _sibling_lines(snapshot, change, first, last)
    elif change.kind == Kind.SIGNATURE:
        kinds = spec_for(snapshot.language).calls
        calls = [n for n in _walk(tree.root_node) if n.type in kinds and _calls(n, change.old)]
        found = [_line_candidate(snapshot, n.start_byte, change) for n in calls]
        found += _doc_lines(snapshot, edit)
    else:
        found = _uses_of_removed(snapshot, edit, change)
    lines: dict[int, Candidate] = {}
    for candidate in found:
        if not first <= candidate.line <= last:
            lines.setdefault(candidate.line, candidate)
    after = sorted((c for c in lines.values() if c.line > last), key=lambda c: c.line)
    above = sorted((c for c in lines.values() if c.line < first), key=lambda c: -c.line)
    return after + above


def _repeated_copies(text: str, change: Change, first: int, last: int) -> list[Candidate]:
    """The copies of the changed lines, each written as the edit wrote them (indented
    as the copy is)."""
    code = change.old.split("\n")
    lines = _lines_at(text)
    found = []
    for at in _block_copies(text, code, first, last):
        start, line = lines[at]
        indent = line[: len(line) - len(line.lstrip())]
        written = "\n".join(indent + ln if ln.strip() else ln for ln in change.new.split("\n"))
        end_start, end_line = lines[at + len(code) - 1]
        found.append(Candidate(start, end_start + len(end_line), at, change, written))
    return found


def _sibling_lines(snapshot: Snapshot, change: Change, first: int, last: int) -> list[Candidate]:
    """After each other line naming the old sibling (as a name, a member or a word of a
    string), the same line for the new one."""
    text = snapshot.text
    pattern = re.compile(rf"\b{re.escape(change.old)}\b")
    found = []
    for number, (at, line) in enumerate(_lines_at(text)):
        body = line.removesuffix("\r")  # the copy ends as its line does (CRLF or LF)
        end = at + len(body)
        if not first - 1 <= number <= last + 1 and len(pattern.findall(body)) == 1:
            indent = body[: len(body) - len(body.lstrip())]
            copy = pattern.sub(change.new, body.strip())
            newline = "\r\n" if body != line else "\n"
            found.append(Candidate(end, end, number, change, f"{newline}{indent}{copy}"))
    return found


def _moved_copies(
    snapshot: Snapshot, edit: Edit, change: Change, first: int, last: int
) -> list[Candidate]:
    """The moved line's old copy in the definition the edit is in (a copy in another
    function is that function's own line)."""
    text = snapshot.text
    scope = _scope(snapshot, edit.start)
    low, high = scope.start_point[0], scope.end_point[0]
    found = []
    for number, (at, line) in enumerate(_lines_at(text)):
        if low <= number <= high and not first <= number <= last and line.strip() == change.old:
            found.append(Candidate(at, min(at + len(line) + 1, len(text)), number, change, ""))
    return found


def _renamed_uses(snapshot: Snapshot, edit: Edit, change: Change) -> list[Candidate]:
    """The old word's other uses, with the new word in its place: where the edit was
    in a comment or string, the word in the file's comments and strings; a member
    (`obj.name`), the same member of the same object; else the bare name in the
    definition that binds it."""
    text = snapshot.text
    at = change.at if change.at >= 0 else edit.start  # the name's start, not past it
    node = _node_at(snapshot, at)
    if node is None or (change.paired and _prose(node)):
        return []  # a word of prose changed among other lines: no sign of a rename
    spots: list[tuple[int, int]] = []
    if change.kind == Kind.REPLACED:
        pattern = rf"(?<![\w.$]){re.escape(change.old)}(?![\w$])"
        spots = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    elif _prose(node):
        for match in re.finditer(rf"\b{re.escape(change.old)}\b", text):
            inside = _node_at(snapshot, match.start())
            if inside is not None and _prose(inside):
                spots.append((match.start(), match.end()))
        if len(change.old) < MIN_PROSE_WORD or len(spots) > MAX_PROSE_USES:
            return []  # a common word: not replaced everywhere
    else:
        old = change.old.encode()
        spec = spec_for(snapshot.language)
        member = _member_of(node, spec)
        if member is not None:  # `self.name`: used across the class's methods, the file
            root = snapshot.tree.root_node if snapshot.tree is not None else node
            nodes = [n for n in _walk(root) if n.text == old and _member_of(n, spec) == member]
        else:
            scope = _scope(snapshot, at, skip_named=True)
            nodes = [
                n for n in _walk(scope) if n.type in NAMES and n.text == old and _bare(n, spec)
            ]
        spots = [_span(snapshot, n) for n in nodes]
    by_line: dict[int, list[tuple[int, int]]] = {}
    for start, end in spots:
        by_line.setdefault(text.count("\n", 0, start), []).append((start, end))
    found = []
    for line, uses in by_line.items():
        start, end = _line_code(text, uses[0][0])
        out, at = [], start
        for use_start, use_end in uses:
            out += [text[at:use_start], change.new]
            at = use_end
        found.append(Candidate(start, end, line, change, "".join(out) + text[at:end]))
    return found


def _copies(snapshot: Snapshot, edit: Edit, change: Change, last: int) -> list[Candidate]:
    """The extracted expression's copies below the edit in the same definition."""
    text = snapshot.text
    scope = _scope(snapshot, edit.start)
    scope_start, scope_end = _span(snapshot, scope)
    found = []
    pattern = rf"(?<![\w.$]){re.escape(change.old)}(?![\w$])"
    for match in re.finditer(pattern, text[scope_start:scope_end]):
        at = scope_start + match.start()
        line = text.count("\n", 0, at)
        start, end = _line_code(text, at)
        assigned = ASSIGNED.match(text[start:end])
        target = TARGET.match(text, at + len(change.old)) is not None  # `expression = ...`
        if line <= last or target or (assigned is not None and assigned.group(1) == change.new):
            continue
        written = text[start:at] + change.new + text[at + len(change.old) : end]
        found.append(Candidate(start, end, line, change, written))
    return found


def _uses_of_removed(snapshot: Snapshot, edit: Edit, change: Change) -> list[Candidate]:
    """The removed name's uses (a name's in the definition around the edit, a
    member's in the file): a line that only assigns it is deleted, another is left
    to the model."""
    assert snapshot.tree is not None
    text = snapshot.text
    member = "." in change.old
    scope = snapshot.tree.root_node if member else _scope(snapshot, edit.start)
    only = re.compile(ONLY_ASSIGNS.format(name=re.escape(change.old)))
    spec = spec_for(snapshot.language)
    found = []
    for node in _walk(scope):
        if not node.type.endswith("identifier") or _key(node, spec) != change.old:
            continue
        start, end = _line_code(text, _span(snapshot, node)[0])
        line = text.count("\n", 0, start)
        if only.match(text[start:end]):
            whole = text.rfind("\n", 0, start) + 1
            found.append(Candidate(whole, min(end + 1, len(text)), line, change, ""))
        else:
            found.append(Candidate(start, end, line, change))
    return found


def _doc_lines(snapshot: Snapshot, edit: Edit) -> list[Candidate]:
    """For the first parameter the edit added to a function whose docstring (or JSDoc)
    documents its parameters one by one, the place of its entry: after the last
    entry."""
    function = _node_at(snapshot, edit.start)
    spec = spec_for(snapshot.language)
    while function is not None and function.type not in spec.parameter_lists:
        function = function.parent
    if function is None or function.parent is None:
        return []
    parameters, function = function, function.parent
    doc = _doc_node(function, spec)
    if doc is None:
        return []
    text = snapshot.text
    start, end = _span(snapshot, doc)
    entries = [m for m in PARAM_DOC.finditer(text, start, end)]
    if not entries:
        return []
    named = {m.group(2) or m.group(3) for m in entries}
    low, high = offset_to_byte(text, edit.start), offset_to_byte(text, edit.end_after)
    typed = [  # the parameters the edit wrote
        _text(n)
        for n in _walk(parameters)
        if n.type == "identifier" and _defines(n, spec) and low <= n.start_byte < high
    ]
    missing = [name for name in typed if name not in named]
    last = entries[-1]
    line_start = last.start()  # `^`: the entry's line
    directive = line_start + _depth(text[line_start : text.find("\n", line_start)])
    at = text.find("\n", last.end())
    while 0 <= at < end:  # the entry's continuation lines, indented deeper
        following = text.find("\n", at + 1)
        after = text[at + 1 : following if following >= 0 else len(text)]
        if not after.strip() or _depth(after) <= directive - line_start or at + 1 >= end:
            break
        at = following
    if at < 0 or at >= end or not missing:
        return []
    newline = "\n"
    if at > 0 and text[at - 1] == "\r":  # a CRLF text: the entry ends as its lines do
        at, newline = at - 1, "\r\n"
    example = text[directive : text.find("\n", directive)].strip()
    prefix = newline + text[line_start:directive]
    change = Change(Kind.SIGNATURE, _text(function.child_by_field_name("name") or function))
    line = text.count("\n", 0, at)
    return [Candidate(at, at, line, change, None, missing[0], example, prefix)]


def _depth(line: str) -> int:
    """How deep a docstring line starts: its indentation and a JSDoc `*` with the
    spaces after it."""
    return len(line) - len(line.lstrip(" \t*"))


def _doc_node(function: Node, spec: LanguageSpec) -> Node | None:
    """A Python function's docstring, or the `/** ... */` comment before a JS/TS one
    (before its `export`)."""
    body = function.child_by_field_name("body")
    if body is not None and body.named_children:
        first = body.named_children[0]
        inner = first.named_children[0] if first.named_children else None
        if first.type == "expression_statement" and inner is not None and inner.type == "string":
            return inner
    holder = function
    if function.parent is not None and function.parent.type in spec.wrappers:
        holder = function.parent
    comment = holder.prev_named_sibling
    if comment is not None and comment.type == "comment" and _text(comment).startswith("/**"):
        return comment
    return None


def _line_candidate(snapshot: Snapshot, at_byte: int, change: Change) -> Candidate:
    at = byte_to_offset(snapshot.data, at_byte)
    start, end = _line_code(snapshot.text, at)
    return Candidate(start, end, snapshot.text.count("\n", 0, at), change)


def names_on_lines(snapshot: Snapshot, first: int, end: int) -> set[str]:
    """The identifiers of the code (not keywords, comments or strings) on lines
    [first, end) (0-based)."""
    return {_text(n) for n in _names_in(snapshot, first, end)}


def _names_in(snapshot: Snapshot, first: int, end: int) -> Iterator[Node]:
    if snapshot.tree is None:
        return
    stack = [snapshot.tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_point[0] < first or node.start_point[0] >= end:
            continue
        if node.child_count == 0:
            if node.is_named and node.type.endswith("identifier") and node.start_point[0] >= first:
                yield node
            continue
        stack.extend(node.children)


def _node_at(snapshot: Snapshot, offset: int) -> Node | None:
    tree = snapshot.tree
    if tree is None or not 0 <= offset <= len(snapshot.text):
        return None
    at = offset_to_byte(snapshot.text, offset)
    return tree.root_node.descendant_for_byte_range(at, at)


def _prose(node: Node | None) -> bool:
    """Inside a comment or a string."""
    return _within(node, "comment", "string")


def _scope(snapshot: Snapshot, offset: int, skip_named: bool = False) -> Node:
    """The smallest definition holding `offset` (a renamed parameter or local lives
    there), else the whole file. With `skip_named`, a definition whose own name is
    at `offset` does not count (a renamed function is used outside itself)."""
    tree = snapshot.tree
    assert tree is not None
    definitions = spec_for(snapshot.language).definitions
    node = _node_at(snapshot, offset)
    at = node
    while node is not None and node.type not in definitions:
        node = node.parent
    if skip_named and node is not None and node.child_by_field_name("name") == at:
        node = node.parent
        while node is not None and node.type not in definitions:
            node = node.parent
    return node if node is not None else tree.root_node


def _member_of(node: Node, spec: LanguageSpec) -> tuple[str, str] | None:
    """(member expression's kind, its object's text) when `node` is the member of
    `obj.member`, else None."""
    parent = node.parent
    found = next((m for m in spec.members if parent is not None and m.node == parent.type), None)
    if parent is None or found is None or parent.child_by_field_name(found.member) != node:
        return None
    obj = parent.child_by_field_name(found.object)
    return (parent.type, _text(obj)) if obj is not None else None


def _bare(node: Node, spec: LanguageSpec) -> bool:
    """A use of the name itself: not a member after a dot, not a keyword argument's name."""
    parent = node.parent
    if parent is not None and parent.type in spec.keyword_arguments:
        return parent.child_by_field_name("name") != node
    return _member_of(node, spec) is None


def _calls(node: Node, name: str) -> bool:
    function = node.child_by_field_name("function")
    if function is None or function.text is None:
        return False
    called = function.text.decode("utf-8", "replace")
    return called == name or called.endswith("." + name)


def _span(snapshot: Snapshot, node: Node) -> tuple[int, int]:
    """The node's str offsets."""
    start = byte_to_offset(snapshot.data, node.start_byte)
    return start, start + len(_text(node))


def _line_code(text: str, at: int) -> tuple[int, int]:
    """str offsets of the code on the line holding offset `at` (no indentation)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    while start < end and text[start] in " \t":
        start += 1
    return start, end


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
