"""The real server, over stdio, with the fake engine instead of a model: for protocol
tests whose outcome must not depend on what a model writes.

    python -m tests.support.fake_server ANSWER

The fake engine answers every generation with ANSWER (a chat template is set, so the
chat features work); with $SLM_LS_FAKE_EMPTY_FIRST=N its first N generations answer
nothing, as a cold start past its deadline does."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from lsp_server.engines.base import CancelToken, Generation, GenerationParams, StopReason
from lsp_server.logs import setup
from lsp_server.wiring import build_server
from tests.support.fake_engine import FakeEngine

TEMPLATE = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}[assistant]"


class EmptyFirst(FakeEngine):
    """Its first `empty` generations stop at the deadline with nothing written."""

    def __init__(self, answer: str, empty: int) -> None:
        super().__init__(answer, chat_template=TEMPLATE)
        self.empty = empty

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        if self.empty > 0:
            self.empty -= 1
            return Generation("", prompt_tokens=len(prompt), stop_reason=StopReason.DEADLINE)
        return super().generate(prompt, params, cancel)


def main() -> None:
    answer = sys.argv[1] if len(sys.argv) > 1 else ""
    empty = int(os.environ.get("SLM_LS_FAKE_EMPTY_FIRST", "0"))
    setup("info")
    server = build_server(
        cli_model="/nonexistent/fake.gguf",
        factory=lambda model, settings: EmptyFirst(answer, empty),
    )
    server.start_io()


if __name__ == "__main__":
    main()
