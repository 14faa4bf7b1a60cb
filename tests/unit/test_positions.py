from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsp_server.documents.positions import (
    Encoding,
    LineIndex,
    byte_to_offset,
    offset_to_byte,
    offset_to_point,
    offset_to_position,
    position_to_offset,
)
from lsp_server.syntax.languages import new_parser

TEXT = "a😋b\nxé😋y\n\nlast"


@pytest.mark.parametrize(
    ("line", "column", "encoding", "offset"),
    [
        (0, 0, Encoding.UTF16, 0),
        (0, 1, Encoding.UTF16, 1),
        (0, 3, Encoding.UTF16, 2),  # after the emoji: 2 UTF-16 units
        (0, 4, Encoding.UTF16, 3),
        (0, 2, Encoding.UTF32, 2),
        (0, 5, Encoding.UTF8, 2),  # emoji is 4 UTF-8 bytes
        (1, 3, Encoding.UTF8, 6),  # "xé" = 1 + 2 bytes
        (1, 2, Encoding.UTF16, 6),
        (1, 4, Encoding.UTF16, 7),
        (2, 0, Encoding.UTF16, 9),
        (3, 4, Encoding.UTF16, 14),
    ],
)
def test_position_to_offset(line: int, column: int, encoding: Encoding, offset: int) -> None:
    assert position_to_offset(TEXT, line, column, encoding) == offset
    assert offset_to_position(TEXT, offset, encoding) == (line, column)


@pytest.mark.parametrize(
    ("line", "column", "offset"),
    [(0, 99, 3), (2, 5, 9), (9, 0, len(TEXT)), (3, 99, len(TEXT)), (-1, -5, 0)],
)
def test_positions_past_the_end_are_clamped(line: int, column: int, offset: int) -> None:
    assert position_to_offset(TEXT, line, column, Encoding.UTF16) == offset


def test_byte_and_point_conversions_with_astral_characters() -> None:
    # "y" is the 8th character; before it a, 😋 (4 bytes), b, \n, x, é (2), 😋 (4).
    assert offset_to_byte(TEXT, 7) == 14
    assert offset_to_point(TEXT, 7) == (1, 7)
    assert byte_to_offset(TEXT.encode(), 14) == 7


def test_byte_positions_agree_with_tree_sitter() -> None:
    source = 's = "😋é"\nt = "中"; name = s\n'
    parser = new_parser("python")
    assert parser is not None
    tree = parser.parse(source.encode())
    node = tree.root_node.descendant_for_byte_range(
        offset_to_byte(source, source.index("name")), offset_to_byte(source, source.index("name"))
    )
    assert node is not None and node.type == "identifier" and node.text == b"name"
    assert node.start_point == offset_to_point(source, source.index("name"))
    assert byte_to_offset(source.encode(), node.end_byte) == source.index("name") + 4


@given(st.text(alphabet=st.sampled_from(["a", "\n", "é", "😋", "中", " "]), max_size=40), st.data())
def test_roundtrip_every_offset(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    for encoding in Encoding:
        line, column = offset_to_position(text, offset, encoding)
        assert position_to_offset(text, line, column, encoding) == offset


# Characters some libraries treat as line breaks; only the first three are LSP's.
BREAKS = ["\n", "\r\n", "\r", "\f", "\v", "\x85", "\u2028", "\u2029", "\x1c"]


def _oracle_lines(text: str) -> list[str]:
    """The text's lines by LSP's rule, each without its break."""
    return re.split(r"\r\n|\r|\n", text)


@given(
    st.lists(st.sampled_from(["a", "é", "😋", " ", *BREAKS]), max_size=30).map("".join),
    st.data(),
)
def test_positions_follow_lsp_line_breaks_only(text: str, data: st.DataObject) -> None:
    lines = _oracle_lines(text)
    line = data.draw(st.integers(0, len(lines) - 1))
    column = data.draw(st.integers(0, len(lines[line])))
    # The oracle: the offset of `column` characters into line `line`.
    starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]
    expected = starts[line] + column
    assert position_to_offset(text, line, column, Encoding.UTF32) == expected
    assert offset_to_position(text, expected, Encoding.UTF32) == (line, column)


def test_a_form_feed_does_not_end_a_line() -> None:
    text = "# a\fb\nx = 1\r\ny = 2\rz"
    assert position_to_offset(text, 1, 4, Encoding.UTF16) == text.index("1")
    assert position_to_offset(text, 3, 0, Encoding.UTF16) == text.index("z")
    assert offset_to_position(text, text.index("z"), Encoding.UTF16) == (3, 0)
    # Inside "\r\n": the end of the line it ends.
    assert offset_to_position(text, text.index("\r\n") + 1, Encoding.UTF16) == (1, 5)


@given(
    st.lists(st.sampled_from(["a", "\n", "\r", "\r\n", " "]), max_size=30).map("".join),
    st.lists(
        st.tuples(
            st.integers(0, 40),
            st.integers(0, 5),
            st.lists(st.sampled_from(["b", "\n", "\r", "\r\n"]), max_size=4).map("".join),
        ),
        max_size=12,
    ),
)
def test_a_line_index_derived_from_edits_equals_a_fresh_one(
    text: str, edits: list[tuple[int, int, str]]
) -> None:
    index = LineIndex.of(text)
    derived = 0
    for start, length, inserted in edits:
        start = min(start, len(text))
        end = min(start + length, len(text))
        after = text[:start] + inserted + text[end:]
        edited = index.edited(text, start, end, inserted)
        fresh = LineIndex.of(after)
        if edited is not None:
            derived += 1
            assert list(edited.starts) == list(fresh.starts)
        text, index = after, edited or fresh
        for offset in range(len(text) + 1):
            assert offset_to_position(text, offset, Encoding.UTF32, index) == offset_to_position(
                text, offset, Encoding.UTF32
            )
