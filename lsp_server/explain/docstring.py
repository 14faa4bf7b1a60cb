""" "Add docstring": where the documentation of the function at the cursor goes, how to
ask for it, and how the model's answer becomes one inserted block — or nothing when
the answer is not documentation. Pure.

Python gets a docstring as the body's first statement; the other languages a comment
above the definition, in the language's documentation marker (`///` for Rust, else
its line comment). Offered only where the definition has none yet."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from lsp_server.context.symbols import definitions_around, signature, str_offset
from lsp_server.documents.edits import Edit
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.ask import Ask
from lsp_server.explain.fix import extract
from lsp_server.postprocess.parse_check import count_errors
from lsp_server.prompt.chat import Message
from lsp_server.syntax.languages import spec_for

DOC_TOKENS = 192
DOC_SECONDS = 60.0
MAX_DOC_LINES = 24
MAX_CODE_CHARS = 4000  # the start of a long definition is what the summary needs
SYSTEM = (
    "You write documentation for code. Reply with the documentation text only: one "
    "summary line, then, if useful, the arguments and what it returns. No code."
)
QUOTED = re.compile(r'("""|\'\'\')(.*?)(?:\1|\Z)', re.S)
MARKER = re.compile(r"^\s*(///?|#+|--|/\*\*?|\*/|\*(?!\*))\s?")


@dataclass(frozen=True)
class DocTarget:
    name: str
    code: str  # the definition (possibly cut)
    head: str  # its signature
    at: int  # str offset of the line the documentation is inserted before
    indent: str
    language: str


def doc_target(snapshot: Snapshot, offset: int) -> DocTarget | None:
    """The innermost definition at `offset` that has no documentation yet; None when
    there is none (or it is a one-liner with nowhere to put a docstring)."""
    nodes = definitions_around(snapshot, offset)
    if not nodes:
        return None
    node = nodes[-1]
    name_node = node.child_by_field_name("name")
    name = snapshot.data[name_node.start_byte : name_node.end_byte].decode() if name_node else ""
    text = snapshot.text
    code = text[str_offset(snapshot, node.start_byte) : str_offset(snapshot, node.end_byte)]
    head = signature(node, snapshot.data)
    spec = spec_for(snapshot.language)
    if spec.docstrings:
        body = node.child_by_field_name("body")
        if body is None or body.start_point[0] == node.start_point[0] or _has_docstring(body):
            return None
        start = str_offset(snapshot, body.start_byte)
    else:
        start = str_offset(snapshot, node.start_byte)
    # Lines as LSP counts them: the insertion goes back to the editor in its lines.
    at, after = snapshot.lines.line_span(text, start)
    if not spec.docstrings and _commented_above(snapshot, at, spec.line_comment):
        return None
    row = text[at:after]
    indent = row[: len(row) - len(row.lstrip())]
    return DocTarget(name, code[:MAX_CODE_CHARS], head, at, indent, snapshot.language)


def _has_docstring(body: object) -> bool:
    first = body.named_children[0] if body.named_child_count else None  # type: ignore[attr-defined]
    return bool(
        first is not None
        and first.type == "expression_statement"
        and first.named_child_count
        and first.named_children[0].type in ("string", "concatenated_string")
    )


def _commented_above(snapshot: Snapshot, at: int, marker: str) -> bool:
    """Whether the line before the one starting at `at` is documentation."""
    if at == 0:
        return False
    start, end = snapshot.lines.line_span(snapshot.text, at - 1)
    above = snapshot.text[start:end].strip()
    return above.startswith((marker, "*/", "*", "/*", "#[", "@"))


def messages(found: DocTarget) -> list[Message]:
    kind = "docstring" if spec_for(found.language).docstrings else "documentation comment"
    code = f"```{found.language}\n{found.code.rstrip()}\n```"
    ask = f"Write the {kind} for `{found.name or found.head.strip()}`."
    return [Message("system", SYSTEM), Message("user", f"{code}\n\n{ask}")]


def doc_lines(answer: str, found: DocTarget) -> list[str] | str:
    """The documentation's lines (no quotes, no comment markers), or why there are none."""
    text = extract(answer)
    quoted = QUOTED.search(text)
    if quoted:
        text = quoted.group(2)
    elif found.head.strip().split("\n")[0] in text:
        return "the model rewrote the code instead of documenting it"
    lines = [MARKER.sub("", line, count=1).rstrip() for line in text.split("\n")]
    # Docstring rules: the first line follows the quotes, the rest share an indentation.
    lines = inspect.cleandoc("\n".join(lines)).split("\n")
    if not "".join(lines).strip():
        return "the model wrote no documentation"
    return lines[:MAX_DOC_LINES]


def render(lines: list[str], found: DocTarget) -> str:
    """The documentation block, whole lines at the target's indentation."""
    indent, spec = found.indent, spec_for(found.language)
    if spec.docstrings:
        return _docstring(lines, indent)
    marker = spec.doc_comment or spec.line_comment
    return "".join(f"{indent}{marker} {line}".rstrip() + "\n" for line in lines)


def _docstring(lines: list[str], indent: str) -> str:
    # A raw string when the text has backslashes (regexes, paths): no escapes meant.
    lines = [line.replace('"""', "'''") for line in lines]
    quote = 'r"""' if any("\\" in line for line in lines) else '"""'
    if len(lines) == 1:
        return f'{indent}{quote}{lines[0].strip()}"""\n'
    rest = "".join(f"{indent}{line}\n" if line.strip() else "\n" for line in lines[1:])
    return f'{indent}{quote}{lines[0].strip()}\n{rest}{indent}"""\n'


async def document(snapshot: Snapshot, at: int, ask: Ask, key: str) -> list[Edit] | str:
    """ "Add docstring" for the definition at `at`: the insertion, or why there is
    none. The one entry the code action calls."""
    found = doc_target(snapshot, at)
    if found is None:
        return "the definition already has documentation"
    answer = await ask(f"{key}#doc", messages(found), DOC_TOKENS, DOC_SECONDS)
    if not answer.done:
        return "the model did not finish in time"
    edit = doc_edit(snapshot, found, answer.text)
    return edit if isinstance(edit, str) else [edit]


def doc_edit(snapshot: Snapshot, found: DocTarget, answer: str) -> Edit | str:
    """The insertion that adds the model's documentation, or why there is none."""
    lines = doc_lines(answer, found)
    if isinstance(lines, str):
        return lines
    block = render(lines, found)
    edit = Edit(found.at, found.at, block)
    new = snapshot.text[: found.at] + block + snapshot.text[found.at :]
    before = count_errors(snapshot.tree.root_node) if snapshot.tree is not None else 0
    parsed = Snapshot.parse(new, snapshot.language)
    if parsed.tree is not None and count_errors(parsed.tree.root_node) > before:
        return "the documentation does not parse"
    return edit
