"""A deterministic engine for pipeline-logic tests: one token per character, and a
scripted answer fed character by character (so stop rules are exercised)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from lsp_server.engines.base import (
    CancelToken,
    EngineInfo,
    Generation,
    GenerationParams,
    StopReason,
)
from lsp_server.models.families import PSM, FimTokens

PRE, SUF, MID, REP, SEP = -1, -2, -3, -4, -5


class FakeEngine:
    def __init__(
        self,
        answer: str,
        fim: bool = True,
        context_length: int = 4096,
        repo: bool = False,
        seconds_per_token: float = 0.0,
        deadline_after: int | None = None,
        cold_seconds: float = 0.0,
        chat_template: str | None = None,
    ) -> None:
        self.answer = answer
        self.closed = False
        self.seconds_per_token = seconds_per_token
        self.deadline_after = deadline_after  # pretend the deadline hits after N tokens
        self.cold_seconds = cold_seconds  # what prompt_seconds answers
        self.prompts: list[list[int]] = []
        self.params: list[GenerationParams] = []
        self.results: list[Generation] = []
        self.info = EngineInfo(
            name="fake",
            family="qwen2.5-coder" if fim else None,
            fim=FimTokens(PRE, SUF, MID, rep=REP if repo else None, sep=SEP if repo else None)
            if fim
            else None,
            layout=PSM if fim else (),
            context_length=context_length,
            chat_template=chat_template,
        )

    def tokenize(self, text: str) -> list[int]:
        return [ord(ch) for ch in text]

    def tokenize_special(self, text: str) -> list[int]:
        return [ord(ch) for ch in text]

    def detokenize(self, tokens: Sequence[int]) -> str:
        return "".join(chr(t) for t in tokens if t >= 0)

    def prompt_seconds(self, prompt: Sequence[int], session: str, alternate: str = "") -> float:
        return self.cold_seconds

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        self.prompts.append(list(prompt))
        self.params.append(params)
        result = Generation("", prompt_tokens=len(prompt), stop_reason=StopReason.EOG)
        self.results.append(result)
        # Like the real engine, it first writes the healed text the prompt left out.
        answer = params.forced_prefix + self.answer
        for index, ch in enumerate(answer[: params.max_tokens]):
            if self.seconds_per_token:
                time.sleep(self.seconds_per_token)
            if cancel.cancelled:
                result.stop_reason = StopReason.CANCELLED
                break
            if self.deadline_after is not None and index >= self.deadline_after:
                result.stop_reason = StopReason.DEADLINE
                break
            result.text += ch
            result.tokens.append(ord(ch))
            if params.stop_when is not None and params.stop_when(result.text):
                result.stop_reason = StopReason.STOP_WHEN
                break
        return result

    def close(self) -> None:
        self.closed = True
