"""Cutting model output to what the cursor asked for: one line or one block."""

from __future__ import annotations

import re
from collections.abc import Iterator

OPENERS = "([{"
CLOSERS = ")]}"
QUOTES = "\"'`"


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _scan(text: str) -> Iterator[tuple[int, str, str]]:
    """(index, char, open quote before the char) — a lexer-free guess good enough for
    brackets and quotes: quotes pair up, backslash escapes, newlines end ' and "."""
    quote = ""
    escaped = False
    for index, ch in enumerate(text):
        yield index, ch, quote
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote or (ch == "\n" and quote != "`"):
                quote = ""
        elif ch in QUOTES:
            quote = ch


def code_chars(text: str) -> Iterator[tuple[int, str]]:
    """(index, char) of the characters outside string literals (quotes excluded)."""
    for index, ch, quote in _scan(text):
        if not quote and ch not in QUOTES:
            yield index, ch


def open_quote(text: str) -> str:
    """The quote character of a string literal left open at the end of `text`, or ""."""
    state = ""
    for _, ch, quote in _scan(text):
        state = quote
        if quote:
            if ch == quote or (ch == "\n" and quote != "`"):
                state = ""
        elif ch in QUOTES:
            state = ch
    return state


def bracket_balance(text: str) -> int:
    """Openers minus closers outside strings."""
    return sum(
        1 if ch in OPENERS else -1 for _, ch in code_chars(text) if ch in OPENERS or ch in CLOSERS
    )


def unheal(completion: str, healed: str) -> str:
    """Drop the whitespace the user already typed (and the prompt left out) from the
    start of the completion."""
    if not healed:
        return completion
    if completion.startswith(healed):
        return completion[len(healed) :]
    lead = len(completion) - len(completion.lstrip(" \t"))
    return completion[min(lead, len(healed)) :]


def whole_lines(completion: str) -> str:
    """Only the finished lines (up to the last newline); "" when none is finished."""
    end = completion.rfind("\n")
    return completion[:end] if end >= 0 else ""


_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")


def skip_blank_start(completion: str, indent: str) -> str:
    """On a blank line the model may first end that line and write on the next one:
    its text then starts with line breaks. The code belongs on the cursor's line, so
    the breaks go, and so does the indentation the cursor already stands at."""
    found = _BLANK_LINES.match(completion)
    if found is None:
        return completion
    body = completion[found.end() :]
    return body[min(indentation(body.split("\n", 1)[0]), len(indent)) :]


def overindented_start(completion: str, indent: str, deepest: int) -> str:
    """On a blank line the cursor already stands at `indent`. A model often writes the
    line from its start anyway (its indentation again): the first line's leading
    whitespace beyond what the line can hold (`deepest` characters in all) goes."""
    lead = indentation(completion.split("\n", 1)[0])
    excess = len(indent) + lead - deepest
    if deepest < 0 or lead == 0 or excess <= 0:
        return completion
    return completion[min(lead, excess) :]


def first_line(completion: str) -> str:
    """Up to the first newline."""
    return completion.split("\n", 1)[0]


def block(completion: str, min_indent: int) -> str:
    """Lines of a multi-line completion until one ends the cursor's block.

    The first line continues the cursor line; a later non-blank line indented
    less than `min_indent` ends the completion, and so does a line that closes a
    bracket opened before the completion (the enclosing block's closing brace). At
    the top level (`min_indent` 0) a new statement after a blank line ends it too:
    one suggestion is one definition or one group of statements.
    """
    lines = completion.split("\n")
    kept = [lines[0]]
    depth = bracket_balance(lines[0])
    for line in lines[1:]:
        if line.strip() and indentation(line) < min_indent:
            break
        if min_indent == 0 and starts_top_level(kept, line):
            break
        if line.strip()[:1] in CLOSERS and depth + bracket_balance(line) < 0:
            break
        depth += bracket_balance(line)
        kept.append(line)
    return "\n".join(kept).rstrip()


def before_body(completion: str, body_indent: int) -> str:
    """Cut a block where it opens the body that the document already has: after a
    line ending with `:` or `{` indented less than `body_indent`, when the next line
    is at `body_indent` (the model has begun re-writing that body)."""
    lines = completion.split("\n")
    return "\n".join(lines[: body_end(lines, body_indent)])


def body_end(lines: list[str], body_indent: int) -> int:
    """How many of `lines` come before the re-written body (all when none is)."""
    for index in range(len(lines) - 1):
        line, after = lines[index], lines[index + 1]
        opens = line.rstrip().endswith((":", "{")) and indentation(line) < body_indent
        if opens and after.strip() and indentation(after) == body_indent:
            return index + 1
    return len(lines)


def starts_top_level(kept: list[str], line: str) -> bool:
    """`line` starts a new top-level statement after a blank line that follows code."""
    return (
        bool(line.strip())
        and indentation(line) == 0
        and len(kept) > 1
        and not kept[-1].strip()
        and any(k.strip() for k in kept)
    )


def finish(completion: str) -> str:
    """Trailing whitespace removed; whitespace-only results become empty."""
    stripped = completion.rstrip()
    return stripped if stripped.strip() else ""
