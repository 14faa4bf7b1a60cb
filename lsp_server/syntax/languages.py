"""Which grammar parses which document.

Grammars come from the official per-language wheels (see docs/decisions.md);
they are imported lazily so that a server that only edits Python never loads
the C++ grammar.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Language, Parser

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grammar:
    """Where a language's grammar lives: module and the function returning it."""

    module: str
    function: str = "language"


GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python"),
    "javascript": Grammar("tree_sitter_javascript"),
    "javascriptreact": Grammar("tree_sitter_javascript"),
    "typescript": Grammar("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": Grammar("tree_sitter_typescript", "language_tsx"),
    "go": Grammar("tree_sitter_go"),
    "rust": Grammar("tree_sitter_rust"),
    "c": Grammar("tree_sitter_c"),
    "cpp": Grammar("tree_sitter_cpp"),
    "java": Grammar("tree_sitter_java"),
    "ruby": Grammar("tree_sitter_ruby"),
    "shellscript": Grammar("tree_sitter_bash"),
    "lua": Grammar("tree_sitter_lua"),
}

# languageId aliases that editors send (Neovim filetypes, Helix names).
ALIASES: dict[str, str] = {
    "py": "python",
    "js": "javascript",
    "jsx": "javascriptreact",
    "ts": "typescript",
    "tsx": "typescriptreact",
    "bash": "shellscript",
    "sh": "shellscript",
    "zsh": "shellscript",
    "c++": "cpp",
    "golang": "go",
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".java": "java",
    ".rb": "ruby",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".lua": "lua",
}


def detect_language(language_id: str | None, path: str) -> str:
    """Normalised language name from the editor's languageId, else from the extension.

    Unknown languages keep their id (or "plaintext"): they still get
    completions, from plain-text context.
    """
    if language_id:
        lowered = language_id.lower()
        lowered = ALIASES.get(lowered, lowered)
        if lowered in GRAMMARS:
            return lowered
    by_extension = EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    if by_extension:
        return by_extension
    return (language_id or "plaintext").lower()


@cache
def load_language(name: str) -> Language | None:
    """The tree-sitter Language for `name`, or None when there is no grammar."""
    grammar = GRAMMARS.get(name)
    if grammar is None:
        return None
    try:
        module = importlib.import_module(grammar.module)
        return Language(getattr(module, grammar.function)())
    except (ImportError, AttributeError, ValueError) as exc:
        log.warning("grammar for %s unavailable: %s", name, exc)
        return None


def new_parser(name: str) -> Parser | None:
    """A parser for `name`, or None for plain-text languages."""
    language = load_language(name)
    return Parser(language) if language is not None else None
