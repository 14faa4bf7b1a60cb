"""A scriptable OpenAI-compatible HTTP server on loopback, for the fault tests: it
answers properly, dies mid-stream, never answers, answers HTTP 500 or garbage —
whatever `behaviour` says at the time of the request."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = ["retu", "rn a", " + b"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
        behaviour = self.server.behaviour
        if behaviour == "silent":
            time.sleep(30)
            return
        if behaviour == "500":
            self._send(500, b'{"error": "boom"}', "application/json")
            return
        if behaviour == "garbage":
            self._send(200, b"<html>not a stream</html>\n", "text/html")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for index, text in enumerate(ANSWER):
            self._event({"choices": [{"text": text, "finish_reason": None}]})
            if behaviour == "die" and index == 0:
                self.connection.shutdown(socket.SHUT_RDWR)  # killed mid-stream
                return
        self._event({"choices": [{"text": "", "finish_reason": "stop"}]})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, data: object) -> None:
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    behaviour = "ok"
    bodies: list[dict[str, object]]


@contextmanager
def fake_openai_server() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url_of(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
