"""Starting `slm-ls serve` as a real process and speaking to it over LSP, and ending
it the way an editor does (`shutdown`, `exit`): one sequence for the demo and every
benchmark that goes through the server."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

log = logging.getLogger(__name__)


def serve_command(model: str | None) -> list[str]:
    """The server as an editor starts it (this interpreter, the given model)."""
    return [sys.executable, "-m", "lsp_server", "serve"] + (["--model", model] if model else [])


@asynccontextmanager
async def server_session(
    name: str,
    model: str | None,
    settings: dict[str, Any] | None = None,
    capabilities: types.ClientCapabilities | None = None,
    root: Path | None = None,
) -> AsyncIterator[LanguageClient]:
    """A client connected to a fresh server, initialized with `settings` (and `root`
    as its workspace folder); shut down and stopped on the way out, whatever happened
    inside."""
    client = LanguageClient(name, "0")
    await client.start_io(*serve_command(model))
    drain = _drain_stderr(client)
    folders = [types.WorkspaceFolder(root.as_uri(), root.name)] if root is not None else None
    try:
        await client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities or types.ClientCapabilities(),
                initialization_options=settings,
                root_uri=root.as_uri() if root is not None else None,
                workspace_folders=folders,
            )
        )
        client.initialized(types.InitializedParams())
        yield client
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        if drain is not None:
            drain.cancel()


def _drain_stderr(client: LanguageClient) -> asyncio.Task[None] | None:
    """Read the server's stderr as it comes (its log lines, passed on at debug level):
    pygls pipes it and never reads it, so a server that logs more than the pipe holds
    (64 KiB; `--log-level debug`) would block on its next line."""
    process = getattr(client, "_server", None)  # pygls keeps the process there
    stream = getattr(process, "stderr", None)
    if not isinstance(stream, asyncio.StreamReader):
        return None

    async def drain() -> None:
        while line := await stream.readline():
            log.debug("server: %s", line.decode("utf-8", "replace").rstrip())

    return asyncio.ensure_future(drain())
