"""The real server over raw JSON-RPC on stdio, as a careless or hostile client talks:
every request gets an answer (a result or an error), and the server stays up. No
model is needed (a missing one): these are protocol tests."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MISSING_MODEL, ROOT, slm_ls


class RawClient:
    def __init__(
        self,
        model: str = MISSING_MODEL,
        stderr: Any = subprocess.DEVNULL,
        command: list[str] | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "lsp_server", "serve", "--model", model],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )

    def send(self, message: dict[str, Any], header: bytes = b"Content-Length: %d\r\n\r\n") -> None:
        self.send_raw(header % len(body := json.dumps({"jsonrpc": "2.0", **message}).encode()))
        self.send_raw(body)

    def send_body(self, body: Any) -> None:
        """Any JSON value as one message, exactly as given (no "jsonrpc" added)."""
        data = json.dumps(body).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(data) + data)

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while (line := self.process.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return dict(json.loads(self.process.stdout.read(length)))

    def answer(self, request_id: int) -> dict[str, Any]:
        """The response to `request_id` (notifications in between are skipped)."""
        while True:
            message = self.read()
            if message.get("id") == request_id and "method" not in message:
                return message

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait(timeout=10)


@pytest.fixture
def raw() -> Iterator[RawClient]:
    client = RawClient()
    client.send({"id": 1, "method": "initialize", "params": {"capabilities": {}}})
    assert "result" in client.answer(1)
    client.send({"method": "initialized", "params": {}})
    yield client
    client.close()


DOC = {"uri": "file:///tmp/raw.py", "languageId": "python", "version": 1, "text": "x = 1\n"}


@pytest.mark.parametrize(
    "params",
    [
        {"textDocument": {"uri": DOC["uri"]}, "position": "1:4", "context": {"triggerKind": 1}},
        {"textDocument": {"uri": DOC["uri"]}, "position": {"line": -1, "character": -5}},
        {"position": {"line": 0, "character": 0}, "context": {"triggerKind": 1}},
        None,
    ],
)
def test_malformed_params_get_an_error_and_the_server_goes_on(raw: RawClient, params: Any) -> None:
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
    raw.send({"id": 7, "method": "textDocument/inlineCompletion", "params": params})
    answer = raw.answer(7)
    assert answer["error"]["code"] == -32602
    good = {
        "textDocument": {"uri": DOC["uri"]},
        "position": {"line": 0, "character": 4},
        "context": {"triggerKind": 1},
    }
    raw.send({"id": 8, "method": "textDocument/inlineCompletion", "params": good})
    assert raw.answer(8)["result"] == {"items": []}  # no model: no suggestion, no error


def test_requests_after_shutdown_are_refused_and_exit_ends_the_process(raw: RawClient) -> None:
    raw.send({"id": 2, "method": "shutdown"})
    assert "result" in raw.answer(2)
    raw.send({"id": 3, "method": "slmls/stats", "params": {}})
    assert raw.answer(3)["error"]["code"] == -32600
    raw.send({"method": "exit"})
    assert raw.process.wait(timeout=10) == 0


def test_exit_without_shutdown_exits_with_1(raw: RawClient) -> None:
    raw.send({"method": "exit"})
    assert raw.process.wait(timeout=10) == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_tcp_listens_on_loopback_only_unless_allowed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lsp_server", "serve", "--tcp", f"0.0.0.0:{_free_port()}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not a loopback address" in result.stderr


def test_tcp_serves_one_client_at_a_time() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "lsp_server", "serve", "--model", MISSING_MODEL]
    server = subprocess.Popen(
        [*command, "--tcp", f"127.0.0.1:{port}"], cwd=ROOT, stderr=subprocess.DEVNULL
    )
    try:
        first = _connect(port)
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
        ).encode()
        first.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert b"capabilities" in first.recv(65536)
        second = _connect(port)
        second.settimeout(10)
        assert second.recv(1024) == b""  # closed by the server at once
        first.close()
    finally:
        server.kill()
        server.wait(timeout=10)


def _connect(port: int) -> socket.socket:
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except ConnectionRefusedError:
            time.sleep(0.1)
    raise AssertionError("the server did not listen")


@pytest.mark.parametrize(
    "header",
    [b"content-length: %d\r\n\r\n", b"Content-Length: %d\n\n", b"Content-Length:  %d\r\n\r\n"],
)
def test_framing_variants_are_understood(raw: RawClient, header: bytes) -> None:
    raw.send({"id": 4, "method": "slmls/stats", "params": {}}, header)
    assert raw.answer(4)["result"]["openDocuments"] == 0


def test_a_bad_frame_is_skipped_and_the_server_hears_the_next(raw: RawClient) -> None:
    raw.send_raw(b"Content-Length: 9\r\n\r\nnot json!")
    while "method" in (message := raw.read()):  # notifications (the model load's message)
        pass
    assert message["error"]["code"] == -32700
    raw.send({"id": 5, "method": "slmls/stats", "params": {}})
    assert "result" in raw.answer(5)


def test_a_huge_length_stops_the_server_loudly(raw: RawClient) -> None:
    raw.send_raw(b"Content-Length: 1000000000000\r\n\r\n{}")
    assert raw.process.wait(timeout=20) == 1  # no shutdown: exit code 1, memory untouched


METHODS = [
    "textDocument/inlineCompletion",
    "textDocument/completion",
    "slmls/stats",
    "textDocument/hover",
    "no/such/method",
]
NOTIFICATIONS = [
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "workspace/didChangeConfiguration",
    "$/cancelRequest",
]


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value, sometimes shaped like LSP params."""
    roll = rng.random()
    if depth < 3 and roll < 0.35:
        keys = ["textDocument", "position", "context", "uri", "line", "character", "text",
                "contentChanges", "settings", "version", "range", "id", "x"]  # fmt: skip
        return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.5:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(
        [
            None,
            True,
            -1,
            0,
            3,
            2**40,
            -(2**31),
            1.5,
            "",
            "x",
            "file:///tmp/raw.py",
            "1:4",
            "\ud800",
            "😋" * 3,
        ]
    )


def test_protocol_fuzz_every_request_is_answered(raw: RawClient) -> None:
    rng = random.Random(20261129)
    outcomes: set[object] = set()
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
    for request_id in range(100, 400):
        if rng.random() < 0.4:
            raw.send({"method": rng.choice(NOTIFICATIONS), "params": _junk(rng)})
        method = rng.choice(METHODS)
        message: dict[str, Any] = {"id": request_id, "method": method}
        if rng.random() < 0.9:
            message["params"] = _junk(rng)
        raw.send(message)
        answer = raw.answer(request_id)
        assert ("result" in answer) != ("error" in answer), answer
        outcomes.add("result" if "result" in answer else answer["error"]["code"])
    assert {"result", -32602, -32601} <= outcomes  # answers, bad params, unknown methods
    raw.send({"id": 999, "method": "slmls/stats", "params": {}})
    assert raw.answer(999)["result"]["openDocuments"] >= 0
    assert raw.process.poll() is None


def test_bench_load_reports_memory_per_message(tmp_path: Path) -> None:
    out = tmp_path / "load"
    result = slm_ls("bench", "load", "--model", MISSING_MODEL, "--limit", "3000", "--out", str(out))
    summary = json.loads((out / "load.json").read_text())["summary"]
    assert summary["notifications"] == 6000 and summary["answered"] == summary["requests"]
    assert result.returncode == (0 if summary["flat"] else 1), result.stderr[-500:]


def test_every_answer_sent_while_the_model_loads_arrives(tmp_path: Path) -> None:
    """llama-cpp-python points stdout and stderr at /dev/null while it loads a model:
    answers written meanwhile were lost and the client waited forever (Neovim's
    "Explain this" hung this way), and log lines were lost. Requests and bad settings
    are sent all through a real load; each request is answered, each bad setting is
    told and logged."""
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        client = RawClient(model="qwen2.5-coder-0.5b", stderr=stderr)
    answered: set[int] = set()
    told: list[str] = []

    def collect() -> None:
        with contextlib.suppress(ValueError, json.JSONDecodeError):
            while True:
                message = client.read()
                if message.get("method") == "window/showMessage":
                    told.append(message["params"]["message"])
                elif "method" not in message and isinstance(message.get("id"), int):
                    answered.add(message["id"])

    try:
        reader = threading.Thread(target=collect, daemon=True)
        reader.start()
        client.send({"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        client.send({"method": "initialized", "params": {}})  # the model starts loading
        ids = range(2, 202)
        for request_id in ids:
            client.send({"id": request_id, "method": "slmls/stats", "params": {}})
            if request_id % 20 == 0:
                bad = {"settings": {"completion": {"maxTokens": f"lots{request_id}"}}}
                client.send({"method": "workspace/didChangeConfiguration", "params": bad})
            time.sleep(0.01)  # spread over the load (about a second)
        deadline = time.monotonic() + 60
        while not answered >= {1, *ids} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted({1, *ids} - answered) == []
        wanted = [f"lots{n}" for n in ids if n % 20 == 0]
        assert [w for w in wanted if not any(w in m for m in told)] == []
        assert [w for w in wanted if w not in log.read_text()] == []
    finally:
        client.close()


def test_exit_while_the_model_loads_ends_the_process() -> None:
    """`exit` during a model load: the load's progress ends after the channel closed.
    Sending it failed, pygls reported the failure by sending, recursively, and the
    log flood filled the stderr pipe: the server never exited (the progress-cancel
    test hung this way). Nobody reads stderr here, as pygls's own client does not."""
    client = RawClient(model="qwen2.5-coder-0.5b", stderr=subprocess.PIPE)
    try:
        caps = {"window": {"workDoneProgress": True}}
        client.send({"id": 1, "method": "initialize", "params": {"capabilities": caps}})
        client.answer(1)
        client.send({"method": "initialized", "params": {}})
        while (create := client.read()).get("method") != "window/workDoneProgress/create":
            pass
        client.send({"id": create["id"], "result": None})
        client.send({"id": 2, "method": "shutdown"})
        assert "result" in client.answer(2)
        client.send({"method": "exit"})
        assert client.process.wait(timeout=60) == 0
    finally:
        client.close()


def test_a_client_gone_mid_request_ends_the_server(raw: RawClient) -> None:
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
    good = {
        "textDocument": {"uri": DOC["uri"]},
        "position": {"line": 0, "character": 4},
        "context": {"triggerKind": 1},
    }
    raw.send({"id": 11, "method": "textDocument/inlineCompletion", "params": good})
    assert raw.process.stdin is not None
    raw.process.stdin.close()  # the editor crashed
    assert raw.process.wait(timeout=20) == 1


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def test_edits_land_where_lsp_says_after_odd_line_breaks(raw: RawClient) -> None:
    """Issue "9 · Hardened", defect 2: a form feed (and friends) on an earlier line
    made pygls move the edit to another column, silently."""
    text = "# a\fb\nc = 1\v2\x85\u2028\nx = 10\r\ny = 20\rz\n"
    uri = DOC["uri"]
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": {**DOC, "text": text}}})
    edits = [((2, 6), "+1"), ((0, 3), "!"), ((4, 1), "\ud800")]
    for version, ((line, character), inserted) in enumerate(edits, start=2):
        position = {"line": line, "character": character}
        change = {"range": {"start": position, "end": position}, "text": inserted}
        raw.send(
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [change],
                },
            }
        )
    expected = "# a!\fb\nc = 1\v2\x85\u2028\nx = 10+1\r\ny = 20\rz\ud800\n"
    raw.send({"id": 21, "method": "slmls/stats", "params": {}})
    documents = raw.answer(21)["result"]["documents"]
    assert documents[uri] == {"version": 4, "sha256": _sha(expected)}


def test_an_unreadable_change_is_told_and_the_document_is_not_used(raw: RawClient) -> None:
    """Issue "9 · Hardened", defect 10: a bad range in the 2nd change dropped the valid
    1st, and the document went out of sync without a word."""
    uri = DOC["uri"]
    raw.send({"method": "textDocument/didOpen", "params": {"textDocument": DOC}})
    good = {"range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 5}}}
    bad = {"range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}}
    raw.send(
        {
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{**good, "text": "0"}, {**bad, "text": "y"}],
            },
        }
    )
    raw.send({"id": 31, "method": "slmls/stats", "params": {}})
    told = []
    while (message := raw.read()).get("id") != 31:
        # (The missing test model's load message may come at any time: not this one.)
        if message.get("method") == "window/showMessage" and uri in message["params"]["message"]:
            told.append(message["params"])
    assert message["result"]["documents"][uri]["sha256"] == _sha("x = 10\n")  # the 1st applied
    assert [m["type"] for m in told] == [2] and uri in told[0]["message"]
    # The editor sends its whole text again: back in sync.
    raw.send(
        {
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": 3},
                "contentChanges": [{"text": "x = 2\n"}],
            },
        }
    )
    raw.send({"id": 32, "method": "slmls/stats", "params": {}})
    assert raw.answer(32)["result"]["documents"][uri] == {"version": 3, "sha256": _sha("x = 2\n")}
    assert raw.process.poll() is None
