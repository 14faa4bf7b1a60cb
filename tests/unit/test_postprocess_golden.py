"""Post-processing golden cases (tests/fixtures/postprocess/*.case), run through the
whole pipeline with a scripted engine and real tree-sitter parsing.

A case file: `key: value` headers (language, invoked), then sections
`=== document` (| marks the cursor), `=== output` (what the model says) and
`=== expected` (what the editor gets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.completion.pipeline import complete
from lsp_server.completion.request import request_for
from lsp_server.config.settings import CompletionSettings
from tests.support.fake_engine import FakeEngine

CASES = sorted((Path(__file__).parents[1] / "fixtures" / "postprocess").glob("*.case"))


def parse_case(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    headers: dict[str, str] = {}
    sections: dict[str, str] = {}
    current = None
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("=== "):
            current = line[4:].strip()
            sections[current] = ""
        elif current is None:
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
        else:
            sections[current] += line
    return headers, {k: v[:-1] if v.endswith("\n") else v for k, v in sections.items()}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path) -> None:
    headers, sections = parse_case(path)
    document = sections["document"]
    cursor = document.index("|")
    text = document[:cursor] + document[cursor + 1 :]
    language = headers.get("language", "python")
    request = request_for(text, cursor, language, invoked=headers.get("invoked", "true") == "true")
    suggestion = complete(request, FakeEngine(sections["output"]), CompletionSettings())
    assert suggestion.text == sections["expected"]


@pytest.mark.parametrize(
    ("line", "follow", "same"),
    [
        ("\t}", "}", False),  # a closer deeper than the document's: the completion's own
        ("}", "}", True),
        ("    })", "})", False),
        ("  ],", "  ],", True),
        ("    return a", "return a", True),  # code: the same text is the same line
    ],
)
def test_a_closer_is_the_same_line_only_at_the_same_indentation(
    line: str, follow: str, same: bool
) -> None:
    from lsp_server.postprocess.suffix import same_line

    assert same_line(line, follow) is same
