"""An inference server as an engine: the same protocol as the in-process one.

Prompts are built here exactly as for the local engine (token ids, from the vocabulary
of a local GGUF loaded without weights: engines/vocab.py), sent to the server
(engines/backends.py: llama-server, OpenAI-compatible, Ollama) and streamed back.
A superseded or cancelled request, one past its deadline, or one whose text the stop
rule ends closes its stream, so the server stops generating.

Faults (server down, HTTP errors, malformed or truncated answers, and a server that
stays silent past the deadline three requests in a row) raise `EngineUnavailable`,
and the engine backs off: until the retry time every request
fails at once (no keystroke waits on a dead server), then one request tries again;
the first success resets it. What cannot be done remotely is left out: token
healing's constrained first token (`EngineInfo.heals` is False), the prompt budget
(servers process a prompt whole), and the prompt-time estimate (0: unknown)."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlparse

import httpx

from lsp_server.config.settings import EngineKind, EngineSettings, PromptFormat, base_url
from lsp_server.engines.backends import Ask, BadAnswer, Chunk, parse, request
from lsp_server.engines.base import (
    CancelToken,
    EngineError,
    EngineInfo,
    EngineUnavailable,
    Generation,
    GenerationParams,
    StopReason,
)

log = logging.getLogger(__name__)
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
SLOW_LIMIT = 3  # deadline timeouts in a row, with no answer between, that make a fault


class Vocabulary(Protocol):
    """The served model's tokenizer and facts: from a local GGUF (engines/vocab.py) or
    from the server itself (engines/server_vocab.py)."""

    info: EngineInfo
    source: str  # where the tokenizer is (slm-ls doctor says)

    def tokenize(self, text: str) -> list[int]: ...

    def tokenize_special(self, text: str) -> list[int]: ...

    def detokenize(self, tokens: Sequence[int], special: bool = False) -> str: ...

    def close(self) -> None: ...


class _Backoff:
    """After a failure, requests fail at once until the retry time; the delay doubles
    with each failure in a row (1 s … 30 s) and a success resets it."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.retry_at = 0.0
        self.reason = ""

    def check(self) -> None:
        wait = self.retry_at - time.monotonic()
        if wait > 0:
            raise EngineUnavailable(f"{self.reason} (retrying in {wait:.0f} s)")

    def failed(self, reason: str) -> None:
        self.delay = min(max(self.delay * 2, FIRST_BACKOFF_S), MAX_BACKOFF_S)
        self.retry_at = time.monotonic() + self.delay
        self.reason = reason

    def succeeded(self) -> None:
        self.delay, self.retry_at, self.reason = 0.0, 0.0, ""


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def notices_for(settings: EngineSettings) -> tuple[str, ...]:
    """Warnings the user must see when the engine loads."""
    if settings.url.startswith("http://") and not is_loopback(settings.url):
        return (
            f"slm-ls: code is sent without TLS to {settings.url} — use https:// unless "
            "this network is trusted",
        )
    return ()


@dataclass
class _Outcome:
    text: str = ""
    finish: StopReason = StopReason.NONE
    last: Chunk | None = None


class RemoteEngine:
    """One inference server, spoken to over HTTP; calls are serialised by a lock (the
    engine worker runs one job at a time anyway)."""

    def __init__(self, vocab: Vocabulary, settings: EngineSettings) -> None:
        if not settings.url:
            raise EngineError(f"engine.kind is {settings.kind} but engine.url is empty")
        self.kind = settings.kind
        self.settings = settings
        self._vocab = vocab
        self.tokenizer = vocab.source
        self.info = replace(
            vocab.info,
            name=f"{settings.model or vocab.info.name} @ {settings.url}",
            heals=False,
            notices=notices_for(settings),
        )
        self._as_tokens = (
            settings.prompt_format != PromptFormat.TEXT and self.kind != EngineKind.OLLAMA
        )
        self._backoff = _Backoff()
        self._lock = threading.Lock()
        self._slots: int | None = None
        self._timeouts = 0  # read timeouts in a row (see _slow)
        timeout = httpx.Timeout(30.0, connect=settings.connect_timeout_ms / 1000)
        self._http = httpx.Client(base_url=base_url(settings.url), timeout=timeout)
        stops = sorted(self.info.stop_ids)
        self._stop_texts = [t for t in (vocab.detokenize([i], special=True) for i in stops) if t]

    # -- protocol ----------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return self._vocab.tokenize(text)

    def tokenize_special(self, text: str) -> list[int]:
        return self._vocab.tokenize_special(text)

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self._vocab.detokenize(tokens)

    def prompt_seconds(self, prompt: Sequence[int], session: str, alternate: str = "") -> float:
        return 0.0  # the server's cache is not ours to inspect

    def close(self) -> None:
        self._http.close()
        self._vocab.close()

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        if not prompt:
            return Generation("", stop_reason=StopReason.EMPTY_PROMPT)
        with self._lock:
            self._backoff.check()
            started = time.perf_counter()
            try:
                outcome = self._stream_unless_cancelled(list(prompt), params, cancel)
            except (httpx.HTTPError, httpx.StreamError, BadAnswer, EngineUnavailable) as exc:
                if cancel.cancelled:  # the watcher closed the stream: not a fault
                    return self._generation(
                        list(prompt), _Outcome(finish=StopReason.CANCELLED), started
                    )
                if self._slow(exc):  # the deadline came first: no answer, no fault yet
                    return self._generation(
                        list(prompt), _Outcome(finish=StopReason.DEADLINE), started
                    )
                reason = describe(exc, self.settings.url)
                self._backoff.failed(reason)
                log.info("remote engine: %s", reason)  # told once by the caller
                raise EngineUnavailable(reason) from exc
            self._backoff.succeeded()
            self._timeouts = 0
            return self._generation(list(prompt), outcome, started)

    def _slow(self, exc: Exception) -> bool:
        """A read that timed out at the request's deadline: a busy server (a cold prompt,
        other people's requests) is not a dead one. Only SLOW_LIMIT such timeouts in a
        row, without any answer between them, count as a fault."""
        if not isinstance(exc, httpx.ReadTimeout):
            return False
        self._timeouts += 1
        return self._timeouts < SLOW_LIMIT

    # -- the exchange --------------------------------------------------------------------
    def _stream_unless_cancelled(
        self, ids: list[int], params: GenerationParams, cancel: CancelToken
    ) -> _Outcome:
        """`_stream` on a helper thread; a cancel returns at once even before the server
        sent its headers (the helper then ends at the server's first line, or at the
        deadline's read timeout, and closes the connection)."""
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["outcome"] = self._stream(ids, params, cancel)
            except Exception as exc:  # handed to the waiting thread
                box["error"] = exc

        helper = threading.Thread(target=run, name="slm-remote-request", daemon=True)
        helper.start()
        while helper.is_alive():
            helper.join(0.02)
            if cancel.cancelled and helper.is_alive():
                return _Outcome(finish=StopReason.CANCELLED)
        if "error" in box:
            raise box["error"]
        outcome: _Outcome = box["outcome"]
        return outcome

    def _stream(self, ids: list[int], params: GenerationParams, cancel: CancelToken) -> _Outcome:
        path, body = request(self.kind, self._ask(ids, params))
        outcome = _Outcome()
        with (
            self._http.stream(
                "POST", path, json=body, headers=self._headers(), timeout=self._timeout(params)
            ) as response,
            _closed_on_cancel(response, cancel),
        ):
            if response.status_code >= 400:
                response.read()
                if self._refuses_ids(response):
                    self._as_tokens = False  # the server wants text: remember, and ask again
                    log.info("remote engine: the server takes no token ids; sending text")
                    return self._stream(ids, params, cancel)
                response.raise_for_status()  # described with what to change (describe)
            for chunk in self._chunks(response):
                outcome.text += chunk.text
                outcome.last = chunk
                if chunk.done:
                    outcome.finish = chunk.finish
                    return outcome
                if cancel.cancelled:
                    outcome.finish = StopReason.CANCELLED
                    return outcome  # leaving the block closes the stream: the server stops
                if params.stop_when is not None and params.stop_when(outcome.text):
                    outcome.finish = StopReason.STOP_WHEN
                    return outcome
                if params.deadline is not None and time.monotonic() >= params.deadline:
                    outcome.finish = StopReason.DEADLINE
                    return outcome
        if cancel.cancelled:
            outcome.finish = StopReason.CANCELLED
            return outcome
        raise BadAnswer("the answer ended before the server said it was done")

    def _chunks(self, response: httpx.Response) -> Iterator[Chunk]:
        for line in response.iter_lines():
            chunk = parse(self.kind, line)
            if chunk is not None:
                yield chunk

    def _ask(self, ids: list[int], params: GenerationParams) -> Ask:
        left_ms = 0
        if params.deadline is not None:
            left_ms = max(int((params.deadline - time.monotonic()) * 1000), 1)
        return Ask(
            ids=ids,
            text="" if self._as_tokens else self._vocab.detokenize(ids, special=True),
            as_tokens=self._as_tokens,
            max_tokens=params.max_tokens,
            stop=self._stop_texts,
            model=self.settings.model,
            slot=self._slot(params.session),
            max_ms=left_ms,
            keep_alive=self.settings.keep_alive,
        )

    def _refuses_ids(self, response: httpx.Response) -> bool:
        """A refusal of the token-id prompt (LM Studio: 400/422; llama-cpp-python's
        server: 500 with a validation error naming `prompt`), in `auto` mode."""
        if not self._as_tokens or self.settings.prompt_format != PromptFormat.AUTO:
            return False
        return response.status_code in (400, 422, 500) and "prompt" in response.text.lower()

    def _headers(self) -> dict[str, str]:
        return auth_headers(self.settings)

    def _timeout(self, params: GenerationParams) -> httpx.Timeout:
        """Never wait past the deadline (plus a moment for the server to say it stopped)."""
        read = 30.0
        if params.deadline is not None:
            read = max(params.deadline - time.monotonic(), 0.05) + 0.5
        return httpx.Timeout(read, connect=self.settings.connect_timeout_ms / 1000)

    def _slot(self, session: str) -> int:
        """llama-server: the same slot for a document every time (its own KV cache)."""
        if self.kind != EngineKind.LLAMA_SERVER:
            return -1
        if self._slots is None:
            self._slots = self._read_slots()
        return zlib.crc32(session.encode()) % self._slots if self._slots > 1 else 0

    def _read_slots(self) -> int:
        try:
            props = self._http.get("/props", headers=self._headers()).json()
            return max(int(props.get("total_slots", 1)), 1)
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return 1

    def _generation(self, ids: list[int], outcome: _Outcome, started: float) -> Generation:
        last = outcome.last or Chunk()
        elapsed_ms = (time.perf_counter() - started) * 1000
        text = outcome.text  # at a stop or the deadline: the text so far (the pipeline trims)
        return Generation(
            text,
            tokens=self._vocab.tokenize(text),  # what the server's tokens were, re-tokenized
            prompt_tokens=len(ids),
            reused_tokens=last.cached or 0,
            evaluated_tokens=last.evaluated,
            stop_reason=outcome.finish,
            prompt_ms=last.prompt_ms,
            generate_ms=last.generate_ms or elapsed_ms,
        )


@contextmanager
def _closed_on_cancel(response: httpx.Response, cancel: CancelToken) -> Iterator[None]:
    """Close `response` as soon as `cancel` is set, even while a read is blocked (the
    server may still be processing the prompt): the next keystroke's request must not
    wait for a superseded one's first token."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            if cancel.cancelled:
                _abort(response)
                return

    watcher = threading.Thread(target=watch, name="slm-remote-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()


def _abort(response: httpx.Response) -> None:
    """Shut the connection down: closing the response alone does not wake a thread
    blocked reading its socket."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    response.close()


def auth_headers(settings: EngineSettings) -> dict[str, str]:
    """The API key from the variable `engine.apiKeyEnv` names (never logged)."""
    key = os.environ.get(settings.api_key_env, "") if settings.api_key_env else ""
    return {"Authorization": f"Bearer {key}"} if key else {}


# What to change when the server refuses a request, by HTTP status.
_STATUS_FIX = {
    401: "check engine.apiKeyEnv: the server wants an API key",
    403: "check engine.apiKeyEnv: the server refused the API key",
    404: "check engine.url (the server's base URL, e.g. http://host:8080) and engine.kind "
    "(the API the server speaks: llama-server, openai or ollama)",
    405: "check engine.kind: the server does not speak this API",
}


def describe(exc: Exception, url: str) -> str:
    """One line for the user: what was asked, what went wrong, and what to change."""
    if isinstance(exc, httpx.ConnectError):
        return f"the engine at {url} cannot be reached ({exc}): is the server running?"
    if isinstance(exc, httpx.TimeoutException):
        return f"the engine at {url} did not answer in time"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the engine at {url} broke off its answer ({exc})"
    if isinstance(exc, httpx.HTTPStatusError):
        request, status = exc.request, exc.response.status_code
        fix = _STATUS_FIX.get(status, "see the server's log")
        return f"{request.method} {request.url} answered HTTP {status}: {fix}"
    return f"the engine at {url}: {exc}"
