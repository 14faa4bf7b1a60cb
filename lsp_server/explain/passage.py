""" "Explain this": the code to explain (the selection, else the definition at the
cursor, else its line), the chat messages, and the Markdown shown to the user. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from lsp_server.context.symbols import definitions_around, signature, str_offset
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.ask import Ask, context_parts, fenced
from lsp_server.explain.hover import whole_sentences
from lsp_server.prompt.chat import Message

EXPLAIN_TOKENS = 256
EXPLAIN_SECONDS = 60.0
MAX_CODE_CHARS = 6000
SYSTEM = (
    "You explain code to a programmer. Answer in Markdown, at most six short sentences: "
    "what the code does, how, its inputs and result, and one pitfall if there is one. "
    "Write names in `backticks`. Do not repeat the code."
)


@dataclass(frozen=True)
class Explained:
    markdown: str


async def explain(snapshot: Snapshot, start: int, end: int, ask: Ask, key: str) -> Explained | str:
    """ "Explain this" for a selection [start, end) (empty: the cursor): the Markdown
    shown, or why there is none. The one entry the command calls."""
    found = passage_at(snapshot, start, end)
    if found is None:
        return "nothing to explain here"
    answer = await ask(f"{key}#explain-this", messages(found), EXPLAIN_TOKENS, EXPLAIN_SECONDS)
    text = markdown(found, answer.text)
    return Explained(text) if text else "the model wrote no explanation"


@dataclass(frozen=True)
class Passage:
    code: str
    title: str  # what is explained, for the heading ("`parse`", "lines 3–7")
    scope: str  # the enclosing definition's signature, when the passage is inside one
    language: str


def passage_at(snapshot: Snapshot, start: int, end: int) -> Passage | None:
    """What to explain for a selection [start, end) (str offsets; empty: the cursor)."""
    text, lines = snapshot.text, snapshot.lines
    nodes = definitions_around(snapshot, start)
    if end > start and text[start:end].strip():
        first, last = lines.line_of(start)[0] + 1, lines.line_of(end)[0] + 1
        title = f"line {first}" if first == last else f"lines {first}–{last}"
        scope = signature(nodes[-1], snapshot.data) if nodes else ""
        return Passage(text[start:end][:MAX_CODE_CHARS], title, scope, snapshot.language)
    if nodes:
        node = nodes[-1]
        code = text[str_offset(snapshot, node.start_byte) : str_offset(snapshot, node.end_byte)]
        name = node.child_by_field_name("name")
        title = f"`{snapshot.data[name.start_byte : name.end_byte].decode()}`" if name else "this"
        outer = signature(nodes[-2], snapshot.data) if len(nodes) > 1 else ""
        return Passage(code[:MAX_CODE_CHARS], title, outer, snapshot.language)
    line_start, line_end = lines.line_span(text, start)
    line = text[line_start:line_end]
    if not line.strip():
        return None
    number = lines.line_of(start)[0] + 1
    return Passage(line.strip(), f"line {number}", "", snapshot.language)


def messages(passage: Passage) -> list[Message]:
    language = passage.language
    parts = [f"Explain this {language} code:", fenced(language, passage.code)]
    parts += context_parts(language, passage.scope)
    return [Message("system", SYSTEM), Message("user", "\n\n".join(parts))]


def markdown(passage: Passage, answer: str) -> str:
    """The explanation as shown: a heading naming what is explained, then the answer."""
    answer = whole_sentences(answer)
    return f"**{passage.title}** (slm-ls)\n\n{answer}" if answer else ""
