"""What a hover explains and how it asks: the identifier under the cursor, grounded in
its definition (this document or another open one, found with tree-sitter), the
enclosing function and the line; the chat messages for the model; and what the tree
alone can say when the model is not done (the definition's signature and docstring).
Pure: plain values in, plain values out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsp_server.context.symbols import enclosing, find_definitions, signature, summary
from lsp_server.documents.positions import offset_to_byte
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.ask import Ask, context_parts, fenced
from lsp_server.prompt.chat import Message
from lsp_server.syntax.languages import spec_for

WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
MAX_DEFINITION_CHARS = 1500  # the start of a long definition is what explains it
SYSTEM = (
    "You explain code to a programmer, briefly. Answer in Markdown, at most three short "
    "sentences: what it does, its inputs and result, and one pitfall if there is one. "
    "Write names in `backticks`. Do not repeat the code."
)


@dataclass(frozen=True)
class Hovered:
    markdown: str
    start: int  # str offsets of the name explained
    end: int


async def explain_name(
    snapshot: Snapshot,
    offset: int,
    others: list[Snapshot],
    ask: Ask | None,
    key: str,
    budget: tuple[int, float],
) -> Hovered | None:
    """Hover: the name at `offset` explained by the model (`ask`, within `budget`:
    tokens, seconds), under what the tree knows of it; the tree's part alone when the
    model is not done in time or `ask` is None. None off a name, or when there is
    nothing to show. The one entry the hover handler calls."""
    subject = subject_at(snapshot, offset, others)
    if subject is None:
        return None
    text = fallback(subject)
    if ask is not None:
        answer = await ask(key, messages(subject), *budget)
        text = markdown(subject, answer.text if answer.done else "")
    return Hovered(text, subject.start, subject.end) if text else None


@dataclass(frozen=True)
class Subject:
    name: str
    start: int  # str offsets of the name in the document
    end: int
    language: str
    line: str
    scope: str  # the enclosing definition's signature ("" at the top level)
    definition: str  # the definition's text (possibly cut), "" when not found
    known: str  # its signature and docstring, from the tree ("" when not found)


def subject_at(
    snapshot: Snapshot, offset: int, others: list[Snapshot] | None = None
) -> Subject | None:
    """The identifier at `offset` and what the code says about it; None off a name."""
    text = snapshot.text
    for match in WORD.finditer(text, max(0, offset - 200), min(len(text), offset + 200)):
        if match.start() <= offset <= match.end():
            break
    else:
        return None
    name = match.group()
    if not _is_name(snapshot, match.start(), match.end()):
        return None
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line = text[line_start : len(text) if line_end < 0 else line_end]
    definition, known = _definition(name, [snapshot, *(others or [])])
    return Subject(
        name,
        match.start(),
        match.end(),
        snapshot.language,
        line.strip(),
        _scope(snapshot, match.start()),
        definition,
        known,
    )


# Node types that are names in the grammars we ship ("identifier", "field_identifier",
# "type_identifier", ...; PHP's "name", Ruby's "constant").
NAME_TYPES = ("name", "constant")


def _is_name(snapshot: Snapshot, start: int, end: int) -> bool:
    """Whether the tree says text[start:end] is a name (not a word of a comment, a
    string or a docstring, nor a keyword); without a tree, any word is."""
    if snapshot.tree is None:
        return True
    first, last = offset_to_byte(snapshot.text, start), offset_to_byte(snapshot.text, end)
    node = snapshot.tree.root_node.descendant_for_byte_range(first, last)
    return node is not None and (node.type.endswith("identifier") or node.type in NAME_TYPES)


def _definition(name: str, snapshots: list[Snapshot]) -> tuple[str, str]:
    for snap in snapshots:
        kinds = spec_for(snap.language).definitions
        if snap.tree is None or not kinds:
            continue
        found = find_definitions(snap.tree, snap.data, [name], kinds=kinds)
        if found:
            node = found[0].node
            body = snap.data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            return body[:MAX_DEFINITION_CHARS], summary(node, snap.data)
    return "", ""


def _scope(snapshot: Snapshot, offset: int) -> str:
    kinds = spec_for(snapshot.language).definitions
    if snapshot.tree is None or not kinds:
        return ""
    byte = len(snapshot.text[:offset].encode("utf-8", "surrogatepass"))
    nodes = enclosing(snapshot.tree, byte, kinds)
    return signature(nodes[-1], snapshot.data) if nodes else ""


def messages(subject: Subject) -> list[Message]:
    """The chat messages asking for an explanation of `subject`."""
    language = subject.language
    parts = [f"Explain `{subject.name}` as used in this {language} line:"]
    parts += [fenced(language, subject.line), *context_parts(language, subject.scope)]
    if subject.definition:
        parts.append(f"The definition of `{subject.name}`:\n{fenced(language, subject.definition)}")
    return [Message("system", SYSTEM), Message("user", "\n\n".join(parts))]


def fallback(subject: Subject) -> str:
    """What the tree says, as Markdown (the model was not done in time)."""
    if not subject.known:
        return ""
    return f"```{subject.language}\n{subject.known}\n```"


def whole_sentences(answer: str) -> str:
    """The answer without a last sentence that the token limit cut short."""
    answer = answer.strip()
    if not answer or answer[-1] in ".!?)`*":
        return answer
    cut = max(answer.rfind(". "), answer.rfind(".\n"))
    return answer[: cut + 1] if cut > 0 else answer


def markdown(subject: Subject, answer: str) -> str:
    """The hover's Markdown: the signature when known, then the model's explanation."""
    answer = whole_sentences(answer)
    known = fallback(subject)
    if not answer:
        return known
    return f"{known}\n\n{answer}" if known else answer
