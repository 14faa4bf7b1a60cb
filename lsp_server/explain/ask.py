"""How the chat features ask the model: a function the caller passes in — the
runtime's chat runner (runtime/chat.py) in the server and in `bench fix` alike — so
explain/ stays plain functions over plain values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from lsp_server.prompt.chat import Message


class Reply(Protocol):
    """The chat model's answer (runtime/chat.py's Answer)."""

    @property
    def text(self) -> str: ...

    @property
    def done(self) -> bool: ...  # False: cut by the deadline


# Ask the chat model: (key, messages, max tokens, seconds) -> its reply. The server and
# `bench fix` pass the same runner (template, deadline, KV session, pre-emption).
Ask = Callable[[str, list[Message], int, float], Awaitable[Reply]]


def fenced(language: str, code: str) -> str:
    """`code` as a Markdown code block, as the chat prompts show code."""
    return f"```{language}\n{code.rstrip()}\n```"


def context_parts(language: str, scope: str) -> list[str]:
    """The enclosing definition's signature, when there is one, as a prompt part."""
    return [f"It is inside:\n{fenced(language, scope)}"] if scope else []
