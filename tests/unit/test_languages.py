from __future__ import annotations

import pytest

from lsp_server.syntax.languages import GRAMMARS, detect_language, new_parser

SNIPPETS = {
    "python": "def f(x):\n    return x\n",
    "javascript": "function f(x) { return x; }\n",
    "javascriptreact": "const A = () => <div>{x}</div>;\n",
    "typescript": "function f(x: number): number { return x; }\n",
    "typescriptreact": "const A = (p: P) => <div>{p.x}</div>;\n",
    "go": "package main\nfunc f(x int) int { return x }\n",
    "rust": "fn f(x: i32) -> i32 { x }\n",
    "c": "int f(int x) { return x; }\n",
    "cpp": "template <class T> T f(T x) { return x; }\n",
    "java": "class A { int f(int x) { return x; } }\n",
    "ruby": "def f(x)\n  x\nend\n",
    "shellscript": 'f() { echo "$1"; }\n',
    "lua": "local function f(x) return x end\n",
}


@pytest.mark.parametrize("language", sorted(GRAMMARS))
def test_every_grammar_parses_its_language(language: str) -> None:
    parser = new_parser(language)
    assert parser is not None
    tree = parser.parse(SNIPPETS[language].encode())
    assert not tree.root_node.has_error


@pytest.mark.parametrize(
    ("language_id", "path", "expected"),
    [
        ("python", "file:///x.txt", "python"),
        ("TypeScriptReact", "file:///x", "typescriptreact"),
        ("sh", "file:///x", "shellscript"),
        (None, "file:///src/main.rs", "rust"),
        ("", "file:///a/b.hpp", "cpp"),
        ("elixir", "file:///a.ex", "elixir"),
        (None, "file:///README", "plaintext"),
    ],
)
def test_detect_language(language_id: str | None, path: str, expected: str) -> None:
    assert detect_language(language_id, path) == expected
