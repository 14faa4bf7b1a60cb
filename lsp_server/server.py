"""The language server: pygls wiring, and nothing else.

Handlers live in lsp_server/features/; each converts LSP types to plain values,
calls the core, and converts the answer back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.io_ import StdinAsyncReader
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from lsp_server import __version__
from lsp_server.completion.service import CompletionService
from lsp_server.config.live import LiveSettings
from lsp_server.config.settings import Settings
from lsp_server.documents.store import DocumentStore
from lsp_server.transport import FramingError, read_messages

log = logging.getLogger(__name__)


# pygls's own handlers for these keep a second copy of every document (split with
# str.splitlines, which breaks lines where LSP does not, and they rewrite the
# positions in the params our store then reads) and leak a Future per notification.
# Our store is the only copy; features/documents.py owns synchronisation.
OWN_SYNC = {
    types.TEXT_DOCUMENT_DID_OPEN,
    types.TEXT_DOCUMENT_DID_CHANGE,
    types.TEXT_DOCUMENT_DID_CLOSE,
}


# A request whose params could not be read, already answered with an error.
ANSWERED = object()


class SlmProtocol(LanguageServerProtocol):
    """pygls's protocol, with every request answered: a request whose params do not
    fit its method gets InvalidParams (pygls logs it and never answers), and a
    request after `shutdown` gets InvalidRequest (pygls drops it)."""

    def _register_builtin_features(self) -> None:
        super()._register_builtin_features()
        for method in OWN_SYNC:
            self.fm.builtin_features.pop(method, None)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" not in data and data.get("method") == types.TEXT_DOCUMENT_DID_CHANGE:
                # Dropping it would leave the document silently out of sync.
                self._server.unreadable_change(data.get("params"))  # type: ignore[attr-defined]
                return ANSWERED
            if "id" not in data or "method" not in data:
                raise
            method = str(data.get("method"))
            log.warning("invalid params for %s: answered with an error", method)
            error = JsonRpcInvalidParams(f"invalid params for {method}")
            self._send_response(data["id"], error=error.to_response_error())
            return ANSWERED

    def _send_data(self, data: Any) -> None:
        if _closed(self.writer):
            # `exit` closed the channel; a task winding down has nobody to tell.
            log.debug("dropped a message: the channel to the client is closed")
            return
        super()._send_data(data)

    def handle_message(self, message: Any) -> None:
        if message is ANSWERED:
            return
        method = getattr(message, "method", None)
        if self._shutdown and method is not None and method != types.EXIT:
            if hasattr(message, "id"):
                error = JsonRpcInvalidRequest("the server is shutting down")
                self._send_response(message.id, error=error.to_response_error())
            return
        super().handle_message(message)


class SlmLanguageServer(LanguageServer):
    """pygls server holding the core objects that the features share."""

    def __init__(self, settings: Settings | None = None, cli_model: str | None = None) -> None:
        super().__init__(
            "slm-ls",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=SlmProtocol,
        )
        self.live = LiveSettings(settings)
        self.documents = DocumentStore(
            max_bytes=lambda: self.live.current.completion.max_document_bytes
        )
        self.service = CompletionService(self.live, cli_model)
        # Settings rejected during `initialize`, reported once the client is initialized.
        self.pending_warnings: list[str] = []
        self.shutdown_requested = False
        # What to do with a didChange whose params do not fit (features/documents.py).
        self.unreadable_change: Callable[[Any], None] = lambda params: None

    @property
    def settings(self) -> Settings:
        return self.live.current

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve over stdin/stdout with our own framing (transport.py)."""
        self._stop_event = threading.Event()
        if stdin is None and stdout is None:
            stdin, stdout = claim_stdio()
        reader = StdinAsyncReader(stdin, self.thread_pool)
        self.protocol.set_writer(ChannelWriter(stdout))
        try:
            asyncio.run(self.serve_stream(reader.readline, reader.readexactly))
        except BrokenPipeError:
            log.error("the client is gone")
        finally:
            self.shutdown()

    async def serve_stream(
        self,
        readline: Callable[[], Awaitable[bytes]],
        read: Callable[[int], Awaitable[bytes]],
    ) -> None:
        """Hand each message body to pygls; a body that is not JSON is answered with a
        parse error and skipped; a frame that cannot be read ends the session loudly."""
        try:
            async for body in read_messages(readline, read):
                if self._stop_event is not None and self._stop_event.is_set():
                    return
                self._handle_body(body)
        except FramingError as exc:
            log.error("stopping: %s", exc)

    def _handle_body(self, body: bytes) -> None:
        try:
            message = json.loads(body, object_hook=self.protocol.structure_message)
        except ValueError:
            log.warning("skipped a message that is not JSON (%d bytes)", len(body))
            error = JsonRpcParseError("the message is not JSON").to_response_error()
            self.protocol._send_response(None, error=error)  # type: ignore[arg-type]
            return
        except Exception:
            log.exception("skipped a message that could not be read")
            return
        self.protocol.handle_message(message)

    def start_tcp(self, host: str, port: int) -> None:
        """Serve one client over TCP. pygls serves every connection with the one
        protocol (a second client would read the first one's documents and answers),
        so a connection made while another is open is closed at once."""
        self._stop_event = threading.Event()
        claim_log()
        busy = False

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal busy
            if busy:
                log.warning("refused a second TCP connection: one client at a time")
                writer.close()
                return
            busy = True
            self.protocol.set_writer(writer)  # type: ignore[arg-type]
            await self.serve_stream(reader.readline, reader.readexactly)
            self.shutdown()

        async def serve_forever() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            async with self._server:
                await self._server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(serve_forever())

    def report_server_error(self, error: Exception, source: Any) -> None:
        if source is JsonRpcInternalError:
            # Sending failed: telling the client would fail the same way, and pygls
            # would report that failure again, recursively.
            log.error("could not send a message to the client: %s", error)
            return
        super().report_server_error(error, source)

    def tell(self, kind: types.MessageType, message: str) -> None:
        """window/showMessage, plus one log line."""
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.WARNING, message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))


def _closed(writer: Any) -> bool:
    """Whether the writer to the client (a file on stdio, a StreamWriter on TCP) is
    closed."""
    if writer is None:
        return False
    closing = getattr(writer, "is_closing", None)
    return bool(closing()) if callable(closing) else bool(getattr(writer, "closed", False))


class ChannelWriter:
    """The client's side of stdio for pygls: each message written whole and flushed."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    @property
    def closed(self) -> bool:
        return bool(self.stream.closed)

    def close(self) -> None:
        self.stream.close()

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.stream.flush()


def claim_stdio() -> tuple[Any, Any]:
    """The protocol's own copies of file descriptors 0 and 1 (and the log's own stderr,
    `claim_log`); then 0 reads /dev/null and 1 writes to stderr.

    llama-cpp-python points descriptors 1 and 2 at /dev/null while it loads a model
    (its `suppress_stdout_stderr`), process-wide, from the engine thread: a message
    the server wrote meanwhile was lost, and the client waited forever for it. Native
    code printing to stdout would corrupt the stream the same way, and a child process
    could read our input. On private descriptors, none of that reaches the protocol."""
    sys.stdout.flush()
    channel_in, channel_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    claim_log()
    sys.stdout = sys.stderr  # a stray print() goes to the log, not to the client
    return open(channel_in, "rb"), open(channel_out, "wb")


def claim_log() -> None:
    """The log on its own copy of descriptor 2: a line written while llama-cpp-python
    silences stderr (a model load) is not lost."""
    sys.stderr.flush()
    log_stream = open(os.dup(2), "w", buffering=1, errors="backslashreplace")  # noqa: SIM115
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
            handler.setStream(log_stream)
    sys.stderr = log_stream


def build_server(
    settings: Settings | None = None,
    cli_model: str | None = None,
) -> SlmLanguageServer:
    from lsp_server.features import actions, completion, documents, hover, lifecycle

    server = SlmLanguageServer(settings, cli_model)
    for feature in (lifecycle, documents, completion, hover, actions):
        feature.register(server)
    return server


def serve(settings: Settings, cli_model: str | None, tcp: tuple[str, int] | None) -> int:
    """Serve until the client leaves; the exit code is 0 after `shutdown`, else 1 (as
    LSP asks of `exit` without `shutdown`, and of a client that vanished)."""
    server = build_server(settings, cli_model)
    if tcp is None:
        server.start_io()
    else:
        server.start_tcp(*tcp)
    return 0 if server.shutdown_requested else 1
