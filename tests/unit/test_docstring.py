""" "Add docstring" and "Explain this" (explain/docstring.py, explain/passage.py): where
the documentation goes, what counts as documentation in the model's answer, and what
is explained for a selection or the cursor."""

from __future__ import annotations

import pytest

from lsp_server.documents.edits import apply_edits
from lsp_server.documents.snapshot import Snapshot
from lsp_server.explain.docstring import doc_edit, doc_lines, doc_target
from lsp_server.explain.passage import markdown, passage_at

PY = """import math


class Circle:
    def area(self, r):
        return math.pi * r * r

    def described(self):
        \"\"\"Already documented.\"\"\"
        return "circle"


def one_liner(x): return x
"""
RUST = """struct P;

fn add(a: i32, b: i32) -> i32 {
    a + b
}

/// Already documented.
fn sub(a: i32, b: i32) -> i32 {
    a - b
}
"""


def _snap(text: str, language: str = "python") -> Snapshot:
    return Snapshot.parse(text, language)


def test_python_documentation_goes_first_in_the_body_of_the_innermost_definition() -> None:
    snap = _snap(PY)
    found = doc_target(snap, PY.index("math.pi"))
    assert found is not None
    assert (found.name, found.at, found.indent) == (
        "area",
        PY.index("        return math"),
        "        ",
    )
    edit = doc_edit(snap, found, 'Sure:\n```python\n"""The area of a circle of radius r."""\n```')
    assert not isinstance(edit, str)
    fixed = apply_edits(PY, [edit])
    assert '    def area(self, r):\n        """The area of a circle of radius r."""\n' in fixed


@pytest.mark.parametrize("where", ["Already documented", "return x"])
def test_documented_definitions_and_one_liners_are_not_offered(where: str) -> None:
    assert doc_target(_snap(PY), PY.index(where)) is None


def test_other_languages_get_a_comment_above_in_their_documentation_marker() -> None:
    snap = _snap(RUST, "rust")
    found = doc_target(snap, RUST.index("a + b"))
    assert found is not None and (found.name, found.at, found.indent) == (
        "add",
        RUST.index("fn add"),
        "",
    )
    assert doc_target(snap, RUST.index("a - b")) is None  # has a /// comment
    edit = doc_edit(snap, found, "// Adds two numbers.\n// Returns their sum.")
    assert not isinstance(edit, str)
    assert edit.text == "/// Adds two numbers.\n/// Returns their sum.\n"


@pytest.mark.parametrize(
    ("answer", "lines"),
    [
        (
            '"""Area.\n\n    Args:\n        r: radius.\n    """',
            ["Area.", "", "Args:", "    r: radius."],
        ),
        ("```\n# Area of it.\n```", ["Area of it."]),
        (
            "def area(self, r):\n    return 1",
            "the model rewrote the code instead of documenting it",
        ),
        ('""""""', "the model wrote no documentation"),
    ],
)
def test_documentation_lines_from_the_answer(answer: str, lines: list[str] | str) -> None:
    snap = _snap(PY)
    found = doc_target(snap, PY.index("math.pi"))
    assert found is not None
    assert doc_lines(answer, found) == lines


def test_a_multi_line_docstring_is_indented_and_closed() -> None:
    snap = _snap(PY)
    found = doc_target(snap, PY.index("math.pi"))
    assert found is not None
    edit = doc_edit(snap, found, '"""Area.\n\nArgs:\n    r: radius.\n"""')
    assert not isinstance(edit, str)
    assert edit.text == ('        """Area.\n\n        Args:\n            r: radius.\n        """\n')
    Snapshot.parse(apply_edits(PY, [edit]), "python")
    compile(apply_edits(PY, [edit]), "x.py", "exec")


def test_explain_this_takes_the_selection_else_the_definition_else_the_line() -> None:
    snap = _snap(PY)
    start = PY.index("return math.pi")
    selected = passage_at(snap, start, start + len("return math.pi * r * r"))
    assert selected is not None
    assert selected.code == "return math.pi * r * r" and selected.title == "line 6"
    assert selected.scope.startswith("def area")
    at_cursor = passage_at(snap, start, start)
    assert at_cursor is not None and at_cursor.title == "`area`"
    assert at_cursor.code.startswith("def area") and at_cursor.scope.startswith("class Circle")
    top = passage_at(snap, 0, 0)
    assert top is not None and top.code == "import math" and top.title == "line 1"
    assert passage_at(snap, PY.index("\n\n\nclass") + 1, PY.index("\n\n\nclass") + 1) is None
    assert markdown(top, "Imports `math`.").startswith("**line 1** (slm-ls)\n\nImports")


def test_a_docstring_with_backslashes_is_raw() -> None:
    snap = _snap(PY)
    found = doc_target(snap, PY.index("math.pi"))
    assert found is not None
    edit = doc_edit(snap, found, '"""Matches \\d+ digits."""')
    assert not isinstance(edit, str)
    assert edit.text == '        r"""Matches \\d+ digits."""\n'
