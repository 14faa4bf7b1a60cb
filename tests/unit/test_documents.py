from __future__ import annotations

import re
from typing import Any

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


def test_a_document_out_of_sync_gets_nothing_until_its_whole_text_comes() -> None:
    store = DocumentStore()
    doc = store.open("file:///a.py", SOURCE, "python")
    store.open("file:///b.py", SOURCE, "python")
    store.mark_stale("file:///a.py")
    assert store.skipped_reason(doc) == "out of sync with the editor"
    assert [d.uri for d in store.others("file:///b.py")] == []  # not context either
    store.change("file:///a.py", 2, [Change("x", (0, 0), (0, 0))])
    assert store.skipped_reason(doc) is not None  # an edit does not restore it
    store.change("file:///a.py", 3, [Change("x = 1\n")])
    assert store.skipped_reason(doc) is None
    assert [d.uri for d in store.others("file:///b.py")] == ["file:///a.py"]


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


SYNC_ALPHABET = [*"ab(): =1é😋", "\n", "\r\n", "\r", "\f", "\v", "\x85", "\u2028", "\t"]


def _oracle_offset(text: str, line: int, column_units: int, encoding: Encoding) -> int:
    """LSP's rule, written apart from documents/positions.py: lines end at \\r\\n, \\r
    or \\n; columns count UTF-8 bytes, UTF-16 units or code points."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    start = starts[line]
    end = re.compile(r"\r\n|\r|\n").search(text, start)
    stop = end.start() if end else len(text)
    units, offset = 0, start
    while offset < stop and units < column_units:
        ch = text[offset]
        units += {"utf-8": len(ch.encode()), "utf-16": len(ch.encode("utf-16-le")) // 2}.get(
            encoding.value, 1
        )
        offset += 1
    return offset


def _edits(reach: int, span: int, inserted: int, count: int) -> st.SearchStrategy[Any]:
    """Edits as (start, length, inserted text) over the sync alphabet."""
    text = st.lists(st.sampled_from(SYNC_ALPHABET), max_size=inserted).map("".join)
    edit = st.tuples(st.integers(0, reach), st.integers(0, span), text)
    return st.lists(edit, max_size=count)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(Encoding)), _edits(60, 6, 6, 15))
def test_sync_fuzz_matches_an_oracle_in_every_encoding(
    encoding: Encoding, steps: list[tuple[int, int, str]]
) -> None:
    store = DocumentStore(encoding)
    text = "a\r\nb\fc\rd\u2028e😋\n"
    doc = store.open("file:///f.py", text, "python")
    for start, length, inserted in steps:
        start = min(start, len(text))
        end = min(start + length, len(text))
        if text[start - 1 : start + 1] == "\r\n" or text[end - 1 : end + 1] == "\r\n":
            continue  # a position inside a line break does not exist in LSP
        a = offset_to_position(text, start, encoding)
        b = offset_to_position(text, end, encoding)
        assert _oracle_offset(text, *a, encoding) == start
        assert _oracle_offset(text, *b, encoding) == end
        store.change(doc.uri, 0, [Change(inserted, a, b)])
        text = text[:start] + inserted + text[end:]
        assert doc.text == text
    assert doc.snapshot.tree is not None
    assert str(doc.snapshot.tree.root_node) == _sexp(text)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(list(Encoding)), _edits(80, 12, 10, 20))
def test_large_documents_are_edited_in_chunks_like_an_oracle(
    encoding: Encoding, steps: list[tuple[int, int, str]]
) -> None:
    """A document over the size limit lives in whole-line chunks (tiny ones here, so
    that edits cross them); edits that move it across the limit switch its storage.
    Its text stays the oracle's, line breaks of every kind included."""
    import lsp_server.documents.chunks as chunks

    old, chunks.CHUNK_CHARS = chunks.CHUNK_CHARS, 3
    try:
        store = DocumentStore(encoding, max_bytes=lambda: 12)
        text = "a\r\nb\fc\rd\u2028e😋\nxy\r\nz\n"
        doc = store.open("file:///f.py", text, "python")
        assert doc.large is not None
        for start, length, inserted in steps:
            start = min(start, len(text))
            end = min(start + length, len(text))
            if text[start - 1 : start + 1] == "\r\n" or text[end - 1 : end + 1] == "\r\n":
                continue
            a = offset_to_position(text, start, encoding)
            b = offset_to_position(text, end, encoding)
            store.change(doc.uri, 0, [Change(inserted, a, b)])
            text = text[:start] + inserted + text[end:]
            assert doc.text == text
            assert (doc.large is not None) == (len(text) > 12)
            if doc.large is not None:
                assert all(c.endswith("\n") for c in doc.large.chunks[:-1])
                assert store.skipped_reason(doc) is not None
        assert doc.snapshot.text == text
    finally:
        chunks.CHUNK_CHARS = old
