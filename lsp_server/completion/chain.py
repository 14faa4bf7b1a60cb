"""The post-processing chain: raw model text -> what the editor shows. The steps are
pure functions in postprocess/; this module decides their order for a plan."""

from __future__ import annotations

from lsp_server.completion.plan import Plan
from lsp_server.completion.steps import Steps
from lsp_server.postprocess import suffix, trim
from lsp_server.postprocess.indent import match_indentation
from lsp_server.postprocess.parse_check import Checker, parse_check


def postprocess(
    raw: str, plan: Plan, steps: Steps, prefix: str = "", checker: Checker | None = None
) -> str:
    """Each step below can be switched off through `steps`; `prefix` is the document
    before the cursor (for indentation style); `checker` parses candidates."""
    text = trim.unheal(raw, plan.healed) if steps.healing else raw
    if steps.indent:
        text = match_indentation(text, prefix)
    if steps.trimming:
        if not plan.new_line and not (plan.line_before + plan.line_rest).strip():
            text = trim.skip_blank_start(text, plan.line_before)  # a blank cursor line
            text = trim.overindented_start(text, plan.line_before, plan.deepest_indent)
        text = trim.block(text, plan.min_indent) if plan.multiline else trim.first_line(text)
        if plan.multiline and plan.body_indent >= 0:
            text = trim.before_body(text, plan.body_indent)
    elif steps.first_line_only:
        text = trim.first_line(text)
    if plan.new_line and steps.trimming:
        return _new_lines(text, plan, steps, checker)
    if steps.suffix_overlap:
        text = suffix.drop_repeated_rest(text, plan.line_rest)
        text = suffix.drop_repeated_lines(text, plan.next_lines)
        # Closers the rest of the line already has; once a switch of its own, it
        # changed nothing on 60 holes (after the repeated rest and the parse check):
        # it acts where no grammar checks the result.
        text = suffix.balance(text, plan.line_rest)
    if steps.parse_check and checker is not None:
        text = parse_check(text, checker)
    return trim.finish(text) if steps.trimming else text


def _new_lines(text: str, plan: Plan, steps: Steps, checker: Checker | None) -> str:
    """The cursor is at the start of a line that has code (after its indentation, if
    any): the completion is whole lines inserted before it — their text, a line break,
    and the indentation the existing line had before the cursor. Nothing when the
    model wrote the existing line itself."""
    indent = plan.line_before
    lines = text.rstrip().split("\n")
    if steps.suffix_overlap:
        existing = indent + plan.line_rest
        for index, line in enumerate(lines):
            if suffix.same_line(indent + line if index == 0 else line, existing):
                lines = lines[:index]
                break
    body = trim.finish("\n".join(lines))
    ending = "\n" + indent
    if body and steps.parse_check and checker is not None:
        body = parse_check(body, checker, ending)
    return body + ending if body.strip() else ""
