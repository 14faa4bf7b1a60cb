"""The real server, over stdio, with the fake engine instead of a model: for protocol
tests whose outcome must not depend on what a model writes.

    python -m tests.support.fake_server ANSWER

The fake engine answers every generation with ANSWER (a chat template is set, so the
chat features work)."""

from __future__ import annotations

import sys

from lsp_server.logs import setup
from lsp_server.wiring import build_server
from tests.support.fake_engine import FakeEngine

TEMPLATE = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}[assistant]"


def main() -> None:
    answer = sys.argv[1] if len(sys.argv) > 1 else ""
    setup("info")
    server = build_server(
        cli_model="/nonexistent/fake.gguf",
        factory=lambda model, settings: FakeEngine(answer, chat_template=TEMPLATE),
    )
    server.start_io()


if __name__ == "__main__":
    main()
