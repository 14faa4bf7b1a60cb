"""Pipeline steps that can be switched off: the benchmark's `naive` mode and its
`--ablate STEP` runs use these; the server always runs FULL."""

from __future__ import annotations

from dataclasses import dataclass, fields

from lsp_server.prompt.builder import PromptOptions


@dataclass(frozen=True)
class Steps:
    line_windows: bool = True  # token-budget windows cut at lines; off: fixed char windows
    context: bool = True  # imports, enclosing signatures, definitions, other open files
    healing: bool = True  # trailing whitespace left to the model's tokens
    syntax_plan: bool = True  # when/how much from the tree (openers, comments, strings)
    trimming: bool = True  # one line, or one block cut at its end
    suffix_overlap: bool = True  # drop what the text after the cursor already has
    indent: bool = True  # match the document's indentation (tabs/spaces)
    parse_check: bool = True  # keep the longest prefix that adds no syntax errors
    early_stop: bool = True  # stop generating once the trimmed result is final
    kv_reuse: bool = True  # reuse the KV cache of the previous evaluation
    lead: bool = True  # PSM: the lines before the cursor go after <mid> (prompt/lead.py)
    quick_start: bool = True  # a cold prompt: answer from a short one meanwhile
    first_line_only: bool = False  # with trimming off: still cut at the first newline

    @property
    def prompt_options(self) -> PromptOptions:
        return PromptOptions(self.line_windows, self.context, self.lead)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "first_line_only"]


FULL = Steps()
NAIVE = Steps(**{name: False for name in Steps.names()})
NAIVE_LINE = Steps(**{name: False for name in Steps.names()}, first_line_only=True)
