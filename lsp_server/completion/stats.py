"""Per-request records kept by the server, for the replay benchmark and `slmls/stats`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from lsp_server.engines.base import evaluated

if TYPE_CHECKING:
    from lsp_server.completion.pipeline import Suggestion


@dataclass(frozen=True)
class Record:
    seconds: float  # server-side time for the request
    cache_hit: bool = False
    evaluated_tokens: int = 0  # prompt tokens processed (not reused from the KV cache)
    prompt_tokens: int = 0
    generated_tokens: int = 0
    stop_reason: str = ""
    skipped: str = ""
    context: tuple[str, ...] = ()  # workspace snippets in the prompt ("path:line"), no code
    context_changed: bool = False  # its repository context differed from the previous one
    indexing: bool = False  # the workspace index was being built meanwhile
    generate_ms: float = 0.0
    drafted_tokens: int = 0  # speculative decoding: tokens guessed
    accepted_tokens: int = 0  # and of those, taken
    quick: bool = False  # answered from a stand-in: the model's full prompt was cold
    fast: bool = False  # the stand-in was the cascade's fast model
    candidates: int = 0  # an invoked request's distinct suggestions (0: one was asked)

    @classmethod
    def of(cls, seconds: float, suggestion: Suggestion) -> Record:
        gen = suggestion.generation
        if gen is None:
            return cls(seconds, skipped=suggestion.skipped, context=suggestion.context)
        return cls(
            seconds,
            False,
            evaluated(gen),
            gen.prompt_tokens,
            len(gen.tokens),
            gen.stop_reason,
            context=suggestion.context,
            context_changed=suggestion.context_changed,
            generate_ms=gen.generate_ms,
            drafted_tokens=gen.drafted_tokens,
            accepted_tokens=gen.accepted_tokens,
            quick=suggestion.warming,
            fast=suggestion.fast,
            candidates=len(suggestion.candidates),
        )


class Stats:
    def __init__(self, keep: int = 100_000) -> None:
        self.records: deque[Record] = deque(maxlen=keep)
        # Whether background work (the workspace index's first scan) runs now: set by
        # the server, so the replay can tell keystrokes typed during indexing.
        self.indexing: Callable[[], bool] = lambda: False
        # Told each model call's decoding (tokens, ms): the machine's working speed.
        self.on_record: Callable[[int, float], None] = lambda tokens, ms: None

    def record(self, record: Record) -> None:
        self.records.append(replace(record, indexing=self.indexing()))
        if not record.fast and not record.cache_hit:
            self.on_record(record.generated_tokens, record.generate_ms)

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.records]
