"""Chat prompts from the model's own chat template (issue 6: hover, code actions).

A GGUF stores its chat template (`tokenizer.chat_template`, Jinja); it is rendered
with Jinja2's sandbox, as Hugging Face's tokenizers do (trim_blocks, lstrip_blocks,
`raise_exception`), never with a hand-written string per family. The template's
own text holds control tokens (`<|im_start|>`, …) and is tokenized with them; the
messages' contents are user text (code) and are tokenized without: code that
contains `<|im_end|>` stays text. To keep the two apart, each content is rendered as
a sentinel first and put back as its own token run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

Tokenize = Callable[[str], list[int]]


class ChatTemplateError(Exception):
    """The template is missing, does not render, or does not keep message contents."""


@dataclass(frozen=True)
class Message:
    role: str  # system, user, assistant
    content: str


def _raise(message: str) -> None:
    raise ChatTemplateError(message)


def _sentinel(index: int) -> str:
    return f"\x00slm-ls-message-{index}\x00"


_SENTINEL = re.compile("\x00slm-ls-message-(\\d+)\x00")


class ChatTemplate:
    def __init__(self, source: str | None, bos: str = "", eos: str = "") -> None:
        if not source or not source.strip():
            raise ChatTemplateError("the model has no chat template")
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        try:
            self._template = env.from_string(source)
        except TemplateError as exc:
            raise ChatTemplateError(f"the chat template does not parse: {exc}") from exc
        self.bos, self.eos = bos, eos

    def render(
        self, messages: Sequence[Message], add_generation_prompt: bool = True
    ) -> list[tuple[str, int | None]]:
        """The prompt as segments: (template text, None) and (content, message index)."""
        placeholders: list[dict[str, Any]] = [
            {"role": m.role, "content": _sentinel(i)} for i, m in enumerate(messages)
        ]
        try:
            text = self._template.render(
                messages=placeholders,
                add_generation_prompt=add_generation_prompt,
                bos_token=self.bos,
                eos_token=self.eos,
            )
        except (TemplateError, TypeError, ValueError) as exc:
            raise ChatTemplateError(f"the chat template does not render: {exc}") from exc
        return _segments(text, messages)

    def tokens(
        self,
        messages: Sequence[Message],
        tokenize: Tokenize,
        tokenize_special: Tokenize,
        add_generation_prompt: bool = True,
    ) -> list[int]:
        """Token ids: template text with its control tokens, contents as plain text."""
        ids: list[int] = []
        for text, index in self.render(messages, add_generation_prompt):
            ids += tokenize(text) if index is not None else tokenize_special(text)
        return ids


def _segments(text: str, messages: Sequence[Message]) -> list[tuple[str, int | None]]:
    found = [int(m.group(1)) for m in _SENTINEL.finditer(text)]
    # System messages may be folded or dropped by a template; user messages must stay.
    wanted = [i for i, m in enumerate(messages) if m.role != "system"]
    if sorted(set(found)) != sorted(set(found) | set(wanted)) or len(found) != len(set(found)):
        raise ChatTemplateError("the chat template changes or repeats message contents")
    segments: list[tuple[str, int | None]] = []
    position = 0
    for match in _SENTINEL.finditer(text):
        if match.start() > position:
            segments.append((text[position : match.start()], None))
        index = int(match.group(1))
        segments.append((messages[index].content, index))
        position = match.end()
    if position < len(text):
        segments.append((text[position:], None))
    return segments
