"""Remote engines against real inference servers on loopback, started on free ports
with the 0.5B model, and the real slm-ls server speaking LSP in front of them:

- llama.cpp's `llama-server` (built once by scripts/llama_server.sh from the llama.cpp
  vendored in llama-cpp-python's source): `engine.kind = "llama-server"`, token-id
  prompts, a slot per document, and the prompt cache reused by the next keystroke;
- llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`):
  `engine.kind = "openai"`; it takes no token ids, so the engine falls back to text."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_server.methods import STATS_METHOD
from lsp_server.models.resolve import resolve
from tests.e2e.conftest import ROOT, SERVE, init_params
from tests.e2e.remote_fakes import free_port

MODEL = resolve("qwen2.5-coder-0.5b").path
# Some code before the function, as in a real file: the prompt's start that the next
# keystroke's request shares with this one.
PREAMBLE = "".join(
    f"def scale_{i}(values, factor):\n    return [v * factor + {i} for v in values]\n\n\n"
    for i in range(12)
)
TEXT = PREAMBLE + "def add(a, b):\n    \n\n\nprint(add(1, 2))\n"
LINE = PREAMBLE.count("\n") + 1  # the empty body line of add()
URI = "file:///tmp/slm-ls-remote/add.py"


def _llama_server_binary() -> Path:
    result = subprocess.run(
        ["bash", "scripts/llama_server.sh"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"llama-server could not be built: {result.stderr[-1500:]}")
        pytest.skip("llama-server could not be built (scripts/llama_server.sh)")
    return Path(result.stdout.strip().splitlines()[-1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"no answer from {url}")


def _serve(command: list[str], base: str, health: str) -> Iterator[str]:
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        _wait_healthy(base + health, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


LLAMA_SERVER: dict[str, str] = {}
OPENAI_SERVER: dict[str, str] = {}


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    binary, port = _llama_server_binary(), free_port()
    command = [str(binary), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port)]
    command += ["-c", "8192", "-np", "2", "-t", "2", "--no-webui"]
    yield from _serve(command, f"http://127.0.0.1:{port}", "/health")


@pytest.fixture(scope="module")
def openai_server() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    yield from _serve(command, f"http://127.0.0.1:{port}", "/v1/models")


# The tokenizer: the local GGUF (the default model, pulled), or none at hand — the
# `model` setting names a file that does not exist, so the server's /tokenize builds
# the prompts.
TOKENIZERS = [{}, {"model": "/nonexistent/slm-ls-test/served.gguf"}]
TOKENIZER_IDS = ["local-gguf", "server-tokenizer"]


def _options(kind: str, url: str, extra: dict[str, Any]) -> dict[str, Any]:
    # A cold prompt on a busy CI machine may take a while: the default deadline is 4 s.
    return {"engine": {"kind": kind, "url": url}, "completion": {"deadlineMs": 60000}, **extra}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVE), params=TOKENIZERS, ids=TOKENIZER_IDS
)
async def client_on_llama_server(lsp_client: LanguageClient, llama_server: str, request):  # type: ignore[no-untyped-def]
    options = _options("llama-server", llama_server, request.param)
    await lsp_client.initialize_session(init_params(options))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVE), params=TOKENIZERS, ids=TOKENIZER_IDS
)
async def client_on_openai_server(lsp_client: LanguageClient, openai_server: str, request):  # type: ignore[no-untyped-def]
    options = _options("openai", openai_server, request.param)
    await lsp_client.initialize_session(init_params(options))
    yield
    await lsp_client.shutdown_session()


async def _inline(client: LanguageClient, line: int, character: int) -> str:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            text_document=types.TextDocumentIdentifier(URI),
            position=types.Position(line, character),
        )
    )
    items = result.items if isinstance(result, types.InlineCompletionList) else result or []
    return str(items[0].insert_text) if items else ""


def _open(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, TEXT))
    )


def _type(client: LanguageClient, version: int, line: int, character: int, text: str) -> None:
    where = types.Range(types.Position(line, character), types.Position(line, character))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=URI),
            [types.TextDocumentContentChangePartial(where, text)],
        )
    )


async def _records(client: LanguageClient) -> list[dict[str, Any]]:
    stats = await client.protocol.send_request_async(STATS_METHOD, {})
    records = stats["records"] if isinstance(stats, dict) else stats.records
    return [
        r if isinstance(r, dict) else r._asdict() if hasattr(r, "_asdict") else vars(r)
        for r in records
    ]


async def test_inline_completion_through_llama_server(
    client_on_llama_server: LanguageClient,
) -> None:
    client = client_on_llama_server
    _open(client)
    first = await _inline(client, LINE, 4)
    assert first.strip(), "no suggestion from llama-server"
    compile(TEXT.replace("    \n", "    " + first + "\n", 1), "add.py", "exec")
    # The next keystroke: the document's slot still holds the prompt, so the server
    # processes only what changed (its tokens_cached/tokens_evaluated, in our stats).
    # (Not typing through the suggestion, which the cache would answer.)
    typed = "total = a"
    _type(client, 2, LINE, 4, typed)
    await _inline(client, LINE, 4 + len(typed))
    records = [r for r in await _records(client) if not r["cache_hit"] and r["prompt_tokens"]]
    assert len(records) >= 2, records
    last = records[-1]
    assert last["evaluated_tokens"] < last["prompt_tokens"] / 2, records


async def test_inline_completion_through_an_openai_compatible_server(
    client_on_openai_server: LanguageClient,
) -> None:
    _open(client_on_openai_server)
    suggestion = await _inline(client_on_openai_server, LINE, 4)
    assert suggestion.strip(), "no suggestion from the OpenAI-compatible server"
    compile(TEXT.replace("    \n", "    " + suggestion + "\n", 1), "add.py", "exec")


def test_the_servers_tokenizer_builds_the_same_ids_as_the_local_gguf(llama_server: str) -> None:
    """Without a GGUF at hand the prompts come from llama-server's /tokenize: the same
    ids, control tokens and model facts as the GGUF's own vocabulary."""
    from lsp_server.config.settings import EngineSettings
    from lsp_server.engines.server_vocab import ServerVocab
    from lsp_server.engines.vocab import GgufVocab

    settings = EngineSettings(kind="llama-server", url=llama_server, tokenizer="server")
    served, local = ServerVocab(settings, None, 4096), GgufVocab(MODEL, None, 4096)
    try:
        for field in ("family", "fim", "layout", "bos", "stop_ids", "bos_text", "eos_text"):
            assert getattr(served.info, field) == getattr(local.info, field), field
        assert served.info.context_length == 4096  # the slot's: 8192 over 2 slots
        assert (served.info.chat_template or "").strip() == (local.info.chat_template or "").strip()
        for text in [TEXT, "  héllo wörld 😋\n", "x = '<|fim_prefix|>'\n", "\t\tif a<b: pass"]:
            assert served.tokenize(text) == local.tokenize(text), text
            assert served.tokenize_special(text) == local.tokenize_special(text), text
        ids = local.tokenize_special("<|fim_prefix|>def add(a, b):")
        assert served.detokenize(ids) == local.detokenize(ids)
        assert served.detokenize(ids, special=True) == local.detokenize(ids, special=True)
    finally:
        served.close()
        local.close()
