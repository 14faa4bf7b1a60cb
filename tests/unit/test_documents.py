from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsp_server.documents.positions import Encoding, offset_to_position
from lsp_server.documents.store import Change, DocumentNotOpen, DocumentStore
from lsp_server.syntax.languages import new_parser

SOURCE = 'def greet(name):\n    return "hi 😋 " + name\n'


def _sexp(text: str) -> str:
    parser = new_parser("python")
    assert parser is not None
    return str(parser.parse(text.encode()).root_node)


def test_incremental_changes_update_text_and_tree() -> None:
    store = DocumentStore(Encoding.UTF16)
    store.open("file:///a.py", SOURCE, "python", 1)
    # Replace `name` in the return statement (after the emoji: UTF-16 columns).
    line1 = SOURCE.split("\n")[1]
    col = len(line1[: line1.rindex("name")].encode("utf-16-le")) // 2
    doc = store.change("file:///a.py", 2, [Change("who", (1, col), (1, col + 4))])
    assert doc.text == SOURCE.replace("+ name", "+ who")
    assert doc.version == 2
    assert doc.snapshot.tree is not None
    assert str(doc.snapshot.tree.root_node) == _sexp(doc.text)


def test_full_replacement_and_close() -> None:
    store = DocumentStore()
    store.open("file:///a.py", SOURCE, "python")
    store.change("file:///a.py", 3, [Change("x = 1\n")])
    assert store.get("file:///a.py").text == "x = 1\n"
    store.close("file:///a.py")
    with pytest.raises(DocumentNotOpen):
        store.get("file:///a.py")


def test_language_from_extension_and_plain_text() -> None:
    store = DocumentStore()
    assert store.open("file:///x.rs", "fn main() {}", None).language == "rust"
    notes = store.open("file:///notes.txt", "hello", "plaintext")
    assert notes.snapshot.tree is None and store.skipped_reason(notes) is None


def test_binary_and_huge_documents_are_skipped() -> None:
    store = DocumentStore(max_bytes=lambda: 100)
    binary = store.open("file:///b.py", "a\x00b", "python")
    assert store.skipped_reason(binary) == "binary content"
    huge = store.open("file:///h.py", "x = 1\n" * 100, "python")
    assert store.skipped_reason(huge) is not None and huge.snapshot.tree is None


edits = st.lists(
    st.tuples(
        st.integers(0, 200),
        st.integers(0, 20),
        st.text(alphabet=st.sampled_from(list("ab(): \n😋é=1")), max_size=8),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(edits)
def test_random_incremental_edits_match_a_fresh_parse(steps: list[tuple[int, int, str]]) -> None:
    store = DocumentStore(Encoding.UTF16)
    doc = store.open("file:///r.py", SOURCE, "python")
    expected = SOURCE
    for start, length, text in steps:
        start = min(start, len(expected))
        end = min(start + length, len(expected))
        a = offset_to_position(expected, start, Encoding.UTF16)
        b = offset_to_position(expected, end, Encoding.UTF16)
        store.change(doc.uri, 0, [Change(text, a, b)])
        expected = expected[:start] + text + expected[end:]
        assert doc.text == expected
    assert doc.snapshot.tree is not None
    assert str(doc.snapshot.tree.root_node) == _sexp(expected)
