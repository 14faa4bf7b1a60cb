"""A remote engine that fails: a port with nothing listening, a server that never
answers, HTTP 500, a garbage body, a server killed mid-stream. Each gives no result
within the deadline (never a hang), the engine backs off (the next request fails at
once, without waiting on the network), and once the server answers again so does
the engine. Over LSP: empty results, one message, and completions again after the
server comes back. The server is a scriptable one on loopback (remote_fakes.py);
the real servers are tested in test_remote.py."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_server.config.settings import EngineSettings
from lsp_server.engines import remote
from lsp_server.engines.base import CancelToken, GenerationParams
from lsp_server.engines.remote import EngineUnavailable, RemoteEngine
from lsp_server.engines.vocab import GgufVocab
from lsp_server.models.resolve import resolve
from tests.e2e.conftest import SERVE, init_params
from tests.e2e.remote_fakes import fake_openai_server, free_port, url_of


def _engine(url: str) -> RemoteEngine:
    model = resolve("qwen2.5-coder-0.5b")
    vocab = GgufVocab(model.path, model.family, 4096)
    settings = EngineSettings(kind="openai", url=url, model="m", connect_timeout_ms=500)
    return RemoteEngine(vocab, settings)


def _params(seconds: float = 3.0) -> GenerationParams:
    return GenerationParams(16, deadline=time.monotonic() + seconds)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "FIRST_BACKOFF_S", 0.3)


@pytest.fixture
def server() -> Iterator[object]:
    with fake_openai_server() as running:
        yield running


def test_a_working_server_streams_the_answer(server: object) -> None:
    engine = _engine(url_of(server))  # type: ignore[arg-type]
    result = engine.generate(engine.tokenize("def add(a, b):\n    "), _params(), CancelToken())
    assert (result.text, result.stop_reason) == ("return a + b", "eog")
    body = server.bodies[-1]  # type: ignore[attr-defined]
    assert isinstance(body["prompt"], list) and "suffix" not in body  # token ids, no suffix


@pytest.mark.parametrize("behaviour", ["nothing listening", "silent", "500", "garbage", "die"])
def test_faults_fail_fast_back_off_and_recover(
    behaviour: str, server: object, fast_backoff: None
) -> None:
    url = f"http://127.0.0.1:{free_port()}" if behaviour == "nothing listening" else url_of(server)  # type: ignore[arg-type]
    server.behaviour = behaviour  # type: ignore[attr-defined]
    engine = _engine(url)
    prompt = engine.tokenize("x = ")
    if behaviour == "silent":
        # A busy server is not a dead one: the first deadlines pass without a fault.
        for _ in range(remote.SLOW_LIMIT - 1):
            started = time.monotonic()
            slow = engine.generate(prompt, _params(1.0), CancelToken())
            assert (slow.text, slow.stop_reason) == ("", "deadline")
            assert time.monotonic() - started < 2.5
    started = time.monotonic()
    with pytest.raises(EngineUnavailable):
        engine.generate(prompt, _params(1.0), CancelToken())
    assert time.monotonic() - started < 2.5  # the deadline, plus a moment: never a hang
    asked = len(server.bodies)  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="retrying"):
        engine.generate(prompt, _params(), CancelToken())  # backing off: no request
    assert time.monotonic() - started < 0.1 and len(server.bodies) == asked  # type: ignore[attr-defined]
    if behaviour == "nothing listening":
        return
    server.behaviour = "ok"  # type: ignore[attr-defined]
    time.sleep(0.35)
    assert engine.generate(prompt, _params(), CancelToken()).text == "return a + b"


def test_a_cancelled_request_closes_its_stream(server: object) -> None:
    engine = _engine(url_of(server))  # type: ignore[arg-type]
    token = CancelToken()
    token.cancel()
    result = engine.generate(engine.tokenize("x = "), _params(), token)
    assert result.stop_reason == "cancelled" and len(result.text) <= len("retu")


REMOTE_SERVER: dict[str, object] = {}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVE))
async def remote_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    with fake_openai_server() as running:
        running.behaviour = "500"
        REMOTE_SERVER["server"] = running
        options = {"engine": {"kind": "openai", "url": url_of(running), "model": "m"}}
        await lsp_client.initialize_session(init_params(options))
        yield
        await lsp_client.shutdown_session()


async def _inline(client: LanguageClient, uri: str) -> str:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(1, 4),
        )
    )
    items = result.items if isinstance(result, types.InlineCompletionList) else result or []
    return str(items[0].insert_text) if items else ""


async def test_over_lsp_a_failing_server_is_told_once_and_recovery_works(
    remote_client: LanguageClient,
) -> None:
    uri = "file:///tmp/slm-ls-remote/add.py"
    remote_client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, "def add(a, b):\n    \n")
        )
    )
    assert await _inline(remote_client, uri) == ""
    assert await _inline(remote_client, uri) == ""
    await asyncio.sleep(0.2)
    told = [m for m in remote_client.messages if "no completions" in m.message]
    assert len(told) == 1, remote_client.messages
    REMOTE_SERVER["server"].behaviour = "ok"  # type: ignore[attr-defined]
    await asyncio.sleep(1.1)  # the first back-off
    assert await _inline(remote_client, uri) == "return a + b"
    await asyncio.sleep(0.2)
    assert any("answers again" in m.message for m in remote_client.messages)


def test_a_request_superseded_while_the_server_is_silent_returns_at_once(server: object) -> None:
    """The server may still be processing the prompt: the next keystroke must not wait
    for the superseded request's first token, and a cancel is not a fault."""
    server.behaviour = "silent"  # type: ignore[attr-defined]
    engine = _engine(url_of(server))  # type: ignore[arg-type]
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    result = engine.generate(engine.tokenize("x = "), _params(20.0), token)
    assert result.stop_reason == "cancelled" and time.monotonic() - started < 1.5
    server.behaviour = "ok"  # type: ignore[attr-defined]
    assert engine.generate(engine.tokenize("x = "), _params(), CancelToken()).text  # no back-off
