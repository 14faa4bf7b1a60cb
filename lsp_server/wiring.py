"""Wiring: the server with every feature registered, and serving it until the client
leaves — the engines stopped before the interpreter is (server.py knows no feature;
the features know the server)."""

from __future__ import annotations

import logging
import os
import signal

from lsp_server.config.settings import Settings
from lsp_server.features import (
    actions,
    completion,
    documents,
    hover,
    lifecycle,
    nextedit,
    workspace,
)
from lsp_server.runtime.runtime import EngineFactory, default_factory
from lsp_server.server import STOP_TIMEOUT_S, SlmLanguageServer

log = logging.getLogger(__name__)


def build_server(
    settings: Settings | None = None,
    cli_model: str | None = None,
    factory: EngineFactory = default_factory,
) -> SlmLanguageServer:
    """The server with every feature registered; `factory` makes its engines (tests
    pass a fake one)."""
    server = SlmLanguageServer(settings, cli_model, factory)
    for feature in (lifecycle, documents, completion, hover, actions, workspace, nextedit):
        feature.register(server)
    return server


def serve(settings: Settings, cli_model: str | None, tcp: tuple[str, int] | None) -> int:
    """Serve until the client leaves; the exit code is 0 after `shutdown`, else 1 (as
    LSP asks of `exit` without `shutdown`, and of a client that vanished). On every
    way out (`exit`, the end of the input; SIGTERM through `terminate`) the engines
    stop before the interpreter does."""
    server = build_server(settings, cli_model)
    signal.signal(signal.SIGTERM, lambda *_: terminate(server))
    try:
        if tcp is None:
            server.start_io()
        else:
            server.start_tcp(*tcp)
    finally:
        leave(server)
    return 0 if server.shutdown_requested else 1


def terminate(server: SlmLanguageServer) -> None:
    """SIGTERM (an editor that gave up waiting): stop the engine, then leave at once.
    pygls's input thread is blocked reading a pipe the editor has not closed, and the
    interpreter's exit would wait for it."""
    log.warning("terminated: leaving")
    server.stop_engines()
    logging.shutdown()
    os._exit(0 if server.shutdown_requested else 1)


def leave(server: SlmLanguageServer) -> None:
    """Stop the engine thread before the interpreter exits: llama.cpp freed under a
    running generation crashes the process. A generation that does not stop in time
    (a stuck native call) leaves through os._exit, which skips the interpreter's
    clean-up that would crash."""
    if server.stop_engines():
        return
    log.error("the engine did not stop within %.0f s: leaving without clean-up", STOP_TIMEOUT_S)
    logging.shutdown()
    os._exit(0 if server.shutdown_requested else 1)
