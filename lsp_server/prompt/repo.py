"""Repository context in the prompt: other files' snippets before the FIM part.

Models trained on repository-level data (Qwen2.5-Coder, StarCoder2) get their own
format: `<|repo_name|>name\\n` then `<|file_sep|>path\\ncode` per file, and a last
`<|file_sep|>path\\n` for the current file. Other models get comment blocks
("Path: ...") at the start of the prefix.
"""

from __future__ import annotations

from collections.abc import Callable

from lsp_server.context.assemble import comment
from lsp_server.models.families import FimTokens


def repo_head(
    snippets: list[tuple[str, str]],
    current_path: str,
    repo_name: str,
    tokens: FimTokens | None,
    tokenize: Callable[[str], list[int]],
) -> list[int]:
    """Token ids placed before the FIM layout (empty without snippets or repo tokens)."""
    if not snippets or tokens is None or tokens.rep is None or tokens.sep is None:
        return []
    ids = [tokens.rep, *tokenize(f"{repo_name}\n")]
    for path, code in _grouped(snippets):
        ids += [tokens.sep, *tokenize(f"{path}\n{code}\n")]
    ids += [tokens.sep, *tokenize(f"{current_path or 'untitled'}\n")]
    return ids


def comment_blocks(snippets: list[tuple[str, str]], language: str) -> str:
    """The snippets as comment blocks, for models without repository tokens."""
    return "".join(
        comment(language, f"Path: {path}\n{code}") + "\n" for path, code in _grouped(snippets)
    )


def _grouped(snippets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One block per file (first appearance order), its snippets joined."""
    files: dict[str, list[str]] = {}
    for path, code in snippets:
        files.setdefault(path, []).append(code)
    return [(path, "\n\n".join(codes)) for path, codes in files.items()]
