"""The real server's handlers, driven in this process: messages go through the same
entry as the wire's (`_handle_body`), answers are collected from the writer. With the
fake engine the tests are fast and deterministic; the end-to-end tests run the real
process with the real model."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from lsp_server.server import SlmLanguageServer
from lsp_server.wiring import build_server
from tests.support.fake_engine import FakeEngine

TEMPLATE = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}[assistant]"


class _Writer:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        _, _, body = data.partition(b"\r\n\r\n")
        self.messages.append(json.loads(body))

    def close(self) -> None:
        self.closed = True


class InProcess:
    def __init__(self, engine: FakeEngine, settings: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.server: SlmLanguageServer = build_server(
            cli_model="/nonexistent/fake.gguf", factory=lambda model, s: engine
        )
        self.writer = _Writer()
        self.server.protocol.set_writer(self.writer)
        self._ids = itertools.count(1)
        self.settings = settings or {}

    def send(self, message: dict[str, Any]) -> None:
        self.server._handle_body(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def start(self, method: str, params: Any) -> int:
        """Send a request; its id."""
        request_id = next(self._ids)
        self.send({"id": request_id, "method": method, "params": params})
        return request_id

    async def answer(self, request_id: int, timeout: float = 10.0) -> dict[str, Any]:
        """The response to `request_id`, once it is written."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for message in self.writer.messages:
                if message.get("id") == request_id and "method" not in message:
                    return message
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no answer to request {request_id}")

    async def request(self, method: str, params: Any) -> dict[str, Any]:
        return await self.answer(self.start(method, params))

    async def initialize(self, capabilities: dict[str, Any] | None = None) -> None:
        params = {"capabilities": capabilities or {}, "initializationOptions": self.settings}
        assert "result" in await self.request("initialize", params)
        self.notify("initialized", {})

    def open(self, uri: str, text: str, language: str = "python") -> None:
        document = {"uri": uri, "languageId": language, "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def told(self) -> list[str]:
        return [
            m["params"]["message"] for m in self.writer.messages
            if m.get("method") == "window/showMessage"
        ]  # fmt: skip

    def close(self) -> None:
        self.server.stop_engines()
