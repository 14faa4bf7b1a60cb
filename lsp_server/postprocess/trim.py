"""First-version trimming: one line or one block, without what the suffix already has."""

from __future__ import annotations


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


OPENERS = "([{"
CLOSERS = ")]}"


def bracket_balance(text: str) -> int:
    """Openers minus closers (strings are not special-cased in this first version)."""
    return sum(text.count(ch) for ch in OPENERS) - sum(text.count(ch) for ch in CLOSERS)


def unheal(completion: str, healed: str) -> str:
    """Drop the whitespace the user already typed (and the prompt left out) from the
    start of the completion."""
    if healed and completion.startswith(healed):
        return completion[len(healed) :]
    if healed and completion[:1] in (" ", "\t"):
        return completion.lstrip(" \t")
    return completion


def first_line(completion: str) -> str:
    """Up to the first newline."""
    return completion.split("\n", 1)[0]


def block(completion: str, cursor_indent: int) -> str:
    """Lines of a multi-line completion until one ends the block of the cursor.

    The first line continues the cursor line; a later non-blank line indented
    less than the cursor's column ends the completion.
    """
    lines = completion.split("\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if line.strip() and indentation(line) < cursor_indent:
            break
        kept.append(line)
    return "\n".join(kept).rstrip()


def drop_suffix_overlap(completion: str, line_rest: str, next_lines: list[str]) -> str:
    """Remove what the model repeats of the text after the cursor.

    `line_rest` is the cursor line after the cursor; `next_lines` are the
    following non-blank lines. A completion ending with `line_rest` loses that
    ending; a multi-line completion is cut where it starts repeating the next line.
    """
    rest = line_rest.strip()
    closes_something = any(ch in CLOSERS for ch in rest)
    if (
        rest
        and completion.rstrip().endswith(rest)
        and (not closes_something or bracket_balance(completion) < 0)
    ):
        completion = completion.rstrip()[: -len(rest)]
    if next_lines and "\n" in completion:
        follow = next_lines[0].strip()
        lines = completion.split("\n")
        for index, line in enumerate(lines[1:], start=1):
            if follow and line.strip() == follow:
                completion = "\n".join(lines[:index])
                break
    return completion


def finish(completion: str) -> str:
    """Trailing whitespace removed; whitespace-only results become empty."""
    stripped = completion.rstrip()
    return stripped if stripped.strip() else ""
