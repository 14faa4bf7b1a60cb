"""The engine protocol: everything the pipeline needs from a model, nothing more."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from lsp_server.models.families import PSM, FimTokens


class EngineError(Exception):
    """The engine could not load or run the model."""


class EngineUnavailable(EngineError):
    """The inference server cannot be reached or did not answer properly (a remote
    engine): worth trying again later, unlike a model that cannot load."""


class CancelToken:
    """Set by whoever supersedes or cancels a request; checked between tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class EngineInfo:
    """What the pipeline must know about the loaded model."""

    name: str
    family: str | None
    fim: FimTokens | None  # None: prefix-only model
    layout: tuple[str, ...] = PSM
    bos: int | None = None
    context_length: int = 4096
    stop_ids: frozenset[int] = frozenset()
    # The GGUF's `tokenizer.chat_template` (Jinja) and the texts of its BOS/EOS tokens,
    # for chat prompts (prompt/chat.py); None: the model has none.
    chat_template: str | None = None
    bos_text: str = ""
    eos_text: str = ""
    # Whether generate() honours `forced_prefix` (token healing's constrained first
    # token); remote servers cannot, so the prompt keeps its last token for them.
    heals: bool = True
    # Whether generate() honours `candidates` (several continuations in one call).
    candidates: bool = False
    # Warnings for the user when the engine loads (e.g. code sent without TLS).
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 128
    deadline: float | None = None  # time.monotonic() value
    prompt_deadline: float | None = None  # stop processing the prompt then (keeps progress)
    stop_when: Callable[[str], bool] | None = None  # called with the text so far
    reuse_cache: bool = True  # False: evaluate the whole prompt afresh
    session: str = ""  # whose KV state to use (a document); "" is shared
    # Another session whose KV state `session` starts from when it shares more of the
    # prompt (a document's keystrokes and the idle look-ahead past its suggestion: each
    # keeps its own state, and neither throws the other's away).
    alternate: str = ""
    # Token healing: the text must begin with this (the prompt's last token, backed
    # off); the first tokens are the likeliest ones consistent with it.
    forced_prefix: str = ""
    # More than 1: also continue the next-best first tokens, each greedily, in
    # sequences that share the prompt's KV cells (Generation.candidates).
    candidates: int = 1


class StopReason(StrEnum):
    """Why a generation stopped ("" while it has not)."""

    NONE = ""
    EOG = "eog"  # the model ended its text
    MAX_TOKENS = "max_tokens"
    STOP_WHEN = "stop_when"  # the caller's stop rule said the text is final
    DEADLINE = "deadline"
    PROMPT_BUDGET = "prompt_budget"  # the prompt was not processed within its budget
    CANCELLED = "cancelled"
    EMPTY_PROMPT = "empty prompt"

    @property
    def finished(self) -> bool:
        """The text is whole: the model, the limit or the stop rule ended it."""
        return self in (StopReason.EOG, StopReason.MAX_TOKENS, StopReason.STOP_WHEN)

    @property
    def cut(self) -> bool:
        """Stopped from outside before the text was whole."""
        return self in (StopReason.PROMPT_BUDGET, StopReason.CANCELLED, StopReason.DEADLINE)


@dataclass(frozen=True)
class Candidate:
    """One continuation of a prompt that asked for several: its text, tokens and the
    model's own log-probability of them."""

    text: str
    tokens: tuple[int, ...]
    logprob: float  # the sum over its tokens (natural log)
    stop_reason: StopReason = StopReason.NONE

    @property
    def mean_logprob(self) -> float:
        return self.logprob / max(1, len(self.tokens))


@dataclass
class Generation:
    text: str
    tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens whose KV state was reused
    # Prompt tokens processed by this call (None: all that were not reused; fewer when
    # a budget, a deadline or a cancel stopped it early).
    evaluated_tokens: int | None = None
    stop_reason: StopReason = StopReason.NONE
    prompt_ms: float = 0.0
    generate_ms: float = 0.0
    # Speculative decoding: tokens guessed, and of those the ones the model agreed with.
    drafted_tokens: int = 0
    accepted_tokens: int = 0
    # With GenerationParams.candidates > 1: every continuation, the greedy one (this
    # generation's text) first; empty otherwise or where the engine gives one.
    candidates: list[Candidate] = field(default_factory=list)


def evaluated(gen: Generation) -> int:
    """Prompt tokens that `gen` processed."""
    if gen.evaluated_tokens is not None:
        return gen.evaluated_tokens
    return gen.prompt_tokens - gen.reused_tokens


class Engine(Protocol):
    info: EngineInfo

    def tokenize(self, text: str) -> list[int]:
        """Token ids of user text; never produces control tokens."""
        ...

    def tokenize_special(self, text: str) -> list[int]:
        """Token ids of template text, whose control tokens (`<|im_start|>`) become
        their ids; never used for user text."""
        ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...

    def prompt_seconds(self, prompt: Sequence[int], session: str, alternate: str = "") -> float:
        """About how long processing `prompt` would take now for `session` (what its
        KV cache, or `alternate`'s, does not already hold, at the measured rate); 0
        when unknown."""
        ...

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        """Greedy continuation of `prompt`, stopped by end-of-generation, stop ids,
        `max_tokens`, the deadline, `stop_when` or `cancel`."""
        ...

    def close(self) -> None: ...
