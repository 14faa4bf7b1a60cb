"""What a hover explains (explain/hover.py): the name under the cursor, its definition
found with tree-sitter, the enclosing function, and the Markdown shown."""

from __future__ import annotations

import pytest

from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.hover import fallback, markdown, messages, subject_at, whole_sentences

CODE = '''def area(r):
    """The area of a circle."""
    return 3.14159 * r * r


def total(shapes):
    return sum(area(s) for s in shapes)
'''


def test_the_subject_is_grounded_in_its_definition_and_scope() -> None:
    snap = Snapshot.parse(CODE, "python")
    offset = CODE.index("area(s)") + 2
    subject = subject_at(snap, offset)
    assert subject is not None
    assert (subject.name, CODE[subject.start : subject.end]) == ("area", "area")
    assert subject.line == "return sum(area(s) for s in shapes)"
    assert subject.scope == "def total(shapes):"
    assert subject.definition.startswith("def area(r):") and "3.14159" in subject.definition
    assert subject.known == 'def area(r):\n    """The area of a circle."""'


def test_a_definition_in_another_open_document_is_found() -> None:
    other = Snapshot.parse(CODE, "python")
    snap = Snapshot.parse("from shapes import area\nprint(area(2))\n", "python")
    subject = subject_at(snap, snap.text.index("area(2)"), [other])
    assert subject is not None and subject.definition.startswith("def area(r):")


def test_off_a_name_there_is_nothing_to_explain() -> None:
    snap = Snapshot.parse("x = 1 +   2\n", "python")
    assert subject_at(snap, snap.text.index("+") + 1) is None


def test_the_question_carries_the_code_as_plain_content() -> None:
    snap = Snapshot.parse(CODE, "python")
    subject = subject_at(snap, CODE.index("area(s)"))
    assert subject is not None
    system, user = messages(subject)
    assert system.role == "system" and user.role == "user"
    assert "Explain `area`" in user.content and "def total(shapes):" in user.content
    assert "```python\ndef area(r):" in user.content


def test_markdown_shows_the_signature_then_whole_sentences() -> None:
    snap = Snapshot.parse(CODE, "python")
    subject = subject_at(snap, CODE.index("area(s)"))
    assert subject is not None
    shown = markdown(subject, "Computes the area. It takes the radius and ret")
    assert shown == fallback(subject) + "\n\nComputes the area."
    assert fallback(subject).startswith("```python\ndef area(r):")
    assert markdown(subject, "") == fallback(subject)


def test_whole_sentences() -> None:
    assert whole_sentences("One. Two") == "One."
    assert whole_sentences("One. Two.") == "One. Two."
    assert whole_sentences("no stop at all") == "no stop at all"


PROSE = (
    'def tiny(x):\n    """These are tiny words."""\n    # are we\n    return x.real + len("are")\n'
)


@pytest.mark.parametrize(
    ("where", "name"),
    [("tiny(", "tiny"), ("real", "real"), ("len(", "len"), ("x)", "x"),
     ("are tiny", None), ("are we", None), ('are")', None), ("def", None)],
)  # fmt: skip
def test_only_names_are_explained_not_prose_or_keywords(where: str, name: str | None) -> None:
    """Issue 15, item 15: a word of a docstring, a comment or a string is no subject."""
    found = subject_at(Snapshot.parse(PROSE, "python"), PROSE.index(where))
    assert (found.name if found else None) == name
