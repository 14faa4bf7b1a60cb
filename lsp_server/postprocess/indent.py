"""Match the document's indentation style (tabs or spaces) in multi-line completions."""

from __future__ import annotations

import re

SAMPLE_LINES = 200


def indent_style(prefix: str) -> str | None:
    """A tab when the document indents with tabs, the smallest space unit when it
    indents with spaces, None when nothing before the cursor is indented."""
    lines = prefix.split("\n")[-SAMPLE_LINES:]
    tabs = sum(1 for ln in lines if ln.startswith("\t"))
    spaced = [len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.startswith(" ") and ln.strip()]
    if not tabs and not spaced:
        return None
    if tabs > len(spaced):
        return "\t"
    widths = [w for w in spaced if w in (2, 4, 8)]
    return " " * (min(widths) if widths else 4)


def match_indentation(completion: str, prefix: str) -> str:
    """Re-indent lines after the first when the completion uses the other style."""
    if "\n" not in completion:
        return completion
    style = indent_style(prefix)
    if style is None:
        return completion
    head, *rest = completion.split("\n")
    out = [head]
    for line in rest:
        lead = re.match(r"[ \t]*", line)
        assert lead is not None
        ws = lead.group(0)
        if style == "\t" and " " * 4 in ws and "\t" not in ws:
            ws = "\t" * (len(ws) // 4)
        elif style != "\t" and "\t" in ws:
            ws = ws.replace("\t", style)
        out.append(ws + line[len(lead.group(0)) :])
    return "\n".join(out)
