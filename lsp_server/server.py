"""The language server: pygls's server and protocol, made to answer every message
and to hold the objects the features share. The features (lsp_server/features/)
register their handlers on it; wiring.py puts the two together and serves."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.io_ import StdinAsyncReader
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from lsp_server import __version__
from lsp_server.completion.accepts import Accepts
from lsp_server.completion.service import CompletionService
from lsp_server.config.live import LiveSettings
from lsp_server.config.settings import Settings
from lsp_server.documents.store import DocumentStore
from lsp_server.methods import INLINE_EDIT_METHOD
from lsp_server.nextedit.service import NextEditService
from lsp_server.runtime.chat import ChatRunner
from lsp_server.runtime.runtime import EngineFactory, Runtime, default_factory
from lsp_server.runtime.tuner import Tuner
from lsp_server.transport import FramingError, envelope_problem, read_messages, valid_id
from lsp_server.workspace.live import LiveWorkspace

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


# How long leaving waits for the running generation to see its cancellation (it is
# checked between tokens and prompt chunks: well under a second on a CPU).
STOP_TIMEOUT_S = 10.0

# A request whose params could not be read, already answered with an error.
ANSWERED = object()


@attrs.define
class InlineEditDocument:
    uri: str
    version: int | None = None  # the document's version the client holds


@attrs.define
class InlineEditParams:
    """`textDocument/copilotInlineEdit`'s params, as Copilot's language server reads
    them: structured and checked like any LSP request's (a string, a negative number,
    NaN or 1e30 where a position's integer belongs is InvalidParams)."""

    text_document: InlineEditDocument
    position: types.Position


@attrs.define
class InlineEditRequest:
    id: int | str
    params: InlineEditParams
    method: str = INLINE_EDIT_METHOD
    jsonrpc: str = "2.0"


# Our own methods' message types, beside lsprotocol's.
CUSTOM_TYPES: dict[str, type] = {INLINE_EDIT_METHOD: InlineEditRequest}


class _PyglsNoise(logging.Filter):
    """pygls logs a traceback for every message whose params do not fit (SlmProtocol
    answers it and logs one line of its own), and a warning for every $/cancelRequest
    of a request already answered — what editors send all the time while typing (a
    VS Code Output channel filled with them). The latter is kept at debug level."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Cancel notification for unknown message id"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return not message.startswith("Unable to deserialize message")


logging.getLogger("pygls.protocol.json_rpc").addFilter(_PyglsNoise())


class SlmProtocol(LanguageServerProtocol):
    """pygls's protocol, with every request answered: a request whose params do not
    fit its method gets InvalidParams (pygls logs it and never answers), a request
    before `initialize` ServerNotInitialized, a second `initialize` and a request after
    `shutdown` InvalidRequest (pygls serves the first two and drops the last), and a
    reply of the client that cannot be read fails the request that waits for it."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.initialize_seen = False
        # cattrs turns "1" into 1 for an integer field; a position given as a string is
        # the client's bug, answered as one.
        self._converter.register_structure_hook(int, _strict_int)

    def get_message_type(self, method: str) -> Any:  # type: ignore[override]  # lru_cache'd there
        return CUSTOM_TYPES.get(method) or super().get_message_type(method)

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        """A request's answer; an error the handler raised for the client (invalid
        params, content modified) is one log line, not a traceback."""
        error = None if future.cancelled() else future.exception()
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            self._request_futures.pop(msg_id, None)
            log.warning("request %s answered with an error: %s", msg_id, error.message)
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

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
            if "method" not in data and "id" in data:
                self._fail_waiter(data["id"])
                return ANSWERED
            if "id" not in data:
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

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: Any = None,
        kwargs: Any = None,
    ) -> None:
        """pygls keeps the future of a notification's handler (and of each step of its
        own generator handlers) under a made-up id and never drops it: 2 KB per
        `$/setTrace`, `workspace/didChangeWorkspaceFolders`, `window/workDoneProgress/
        cancel`, `notebookDocument/*` (docs/decisions.md). A request's callback drops
        its own; every other one is dropped when it is done."""
        if not (isinstance(callback, functools.partial) and "msg_id" in callback.keywords):

            def forget(future: Any, then: Any = callback, key: Any = msg_id) -> None:
                self._request_futures.pop(key, None)
                then(future)

            callback = forget
        super()._execute_handler(msg_id, handler, callback, args, kwargs)

    def _fail_waiter(self, msg_id: Any) -> None:
        """A reply from the client that does not fit the request it answers: whoever
        waits for it gets an error instead of waiting forever."""
        log.warning("a reply from the client could not be read")
        self._result_types.pop(msg_id, None)
        future = self._request_futures.pop(msg_id, None)
        if future is not None and not future.done():
            future.set_exception(JsonRpcInvalidParams("the client's reply could not be read"))

    def handle_message(self, message: Any) -> None:
        if message is ANSWERED:
            return
        method = getattr(message, "method", None)
        refusal = self._refusal(method) if method is not None else None
        if refusal is not None:
            if hasattr(message, "id"):
                self._send_response(message.id, error=refusal.to_response_error())
            return
        if method == types.INITIALIZE:
            self.initialize_seen = True
        super().handle_message(message)

    def _refusal(self, method: str) -> JsonRpcException | None:
        """Why a message with `method` is not served now (None when it is)."""
        if method == types.EXIT:
            return None
        if self._shutdown:
            return JsonRpcInvalidRequest("the server is shutting down")
        if method == types.INITIALIZE and self.initialize_seen:
            return JsonRpcInvalidRequest("initialize was already sent")
        if method != types.INITIALIZE and not self.initialize_seen:
            return JsonRpcServerNotInitialized("initialize must come first")
        return None


def _strict_int(value: Any, kind: type) -> Any:
    """cattrs's hook for int and its subclasses (bool, the IntEnums), as it was — the
    type called on the value — but an int field takes only a JSON integer."""
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return kind(value)


class SlmLanguageServer(LanguageServer):
    """pygls server holding the core objects that the features share."""

    def __init__(
        self,
        settings: Settings | None = None,
        cli_model: str | None = None,
        factory: EngineFactory = default_factory,
    ) -> None:
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
        # What owns the models (worker, engines, chat runner), and the completion
        # service over it; features reach models only through these two.
        self.runtime = Runtime(self.live, cli_model, factory)
        self.chat = ChatRunner(self.runtime)  # hover and the code actions
        self.next_edit = NextEditService(self.runtime)  # and the edit history
        self.service = CompletionService(self.runtime, self._keystroke)
        self.accepts = Accepts()  # suggestions shown and what the person took of them
        # Measures the machine in idle time for `model: "auto"`; `reload` is set by the
        # lifecycle feature (a new choice loads its model).
        self.reload: Callable[[], None] = lambda: None
        self.tuner = Tuner(self.runtime, lambda: self.reload())
        self.service.stats.on_record = self.tuner.observe
        # The workspace index (features/workspace.py starts it once the folders are known).
        self.index = LiveWorkspace()
        self.service.stats.indexing = lambda: self.index.scanning
        # Settings rejected during `initialize`, reported once the client is initialized.
        self.pending_warnings: list[str] = []
        self.shutdown_requested = False
        # What to do with a didChange whose params do not fit (features/documents.py).
        self.unreadable_change: Callable[[Any], None] = lambda params: None

    @property
    def settings(self) -> Settings:
        return self.live.current

    def _keystroke(self) -> None:
        """Typing comes first: what else uses the engine yields to a completion."""
        self.chat.preempt()
        self.next_edit.preempt()
        self.tuner.activity()

    def stop_engines(self, wait: bool = True) -> bool:
        """Stop the work in flight and free the engines; with `wait`, until they are
        freed (False when the worker did not end within STOP_TIMEOUT_S)."""
        self.service.stop()
        self.tuner.stop()
        self.chat.stop()
        self.next_edit.stop()
        self.index.stop()
        if not wait:
            self.runtime.close()
            return True
        return self.runtime.stop(STOP_TIMEOUT_S)

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
        """One message: decoded, its envelope checked, structured, then dispatched.
        Whatever it holds, the server answers what can be answered and serves on."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            log.warning("skipped a message that is not JSON (%d bytes)", len(body))
            self._answer_error(None, JsonRpcParseError("the message is not JSON"))
            return
        problem = envelope_problem(data)
        if problem is not None:
            self._refuse(data, problem)
            return
        method = data.get("method", "a reply")
        try:
            message = self.protocol.structure_message(data)
        except Exception:
            log.warning("skipped a %s message that could not be read", method)
            return
        try:
            self.protocol.handle_message(message)
        except Exception:
            log.exception("a %s message could not be handled", method)
            if "method" in data and "id" in data:
                failed = JsonRpcInternalError("the server could not handle this request")
                self.protocol._send_response(data["id"], error=failed.to_response_error())

    def _refuse(self, data: Any, problem: str) -> None:
        """Answer a message that is not JSON-RPC 2.0 with InvalidRequest (one log line;
        a malformed reply of the client has nobody to answer)."""
        log.warning("refused a message: %s", problem)
        if isinstance(data, dict) and "method" not in data and {"result", "error"} & set(data):
            return
        ident = data.get("id") if isinstance(data, dict) else None
        self._answer_error(ident, JsonRpcInvalidRequest(problem))

    def _answer_error(self, ident: Any, error: JsonRpcException) -> None:
        """An error response; `"id": null` when the message's id is unknown or invalid
        (JSON-RPC asks for the member; pygls would leave it out)."""
        if valid_id(ident):
            self.protocol._send_response(ident, error=error.to_response_error())
            return
        failure = {"code": error.code, "message": error.message}
        self.protocol._send_data({"jsonrpc": "2.0", "id": None, "error": failure})

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
