"""The wire formats of remote inference servers: the request for a prompt we built, and
the streamed answer's lines read back. Pure: dicts and strings in, dicts and chunks
out (engines/remote.py does the HTTP).

- `llama-server`: llama.cpp's `/completion` with the prompt as token ids — our FIM
  layout as it is (see docs/decisions.md: why not `/infill`), `cache_prompt`, a slot
  per document (`id_slot`), `t_max_predict_ms`; its `timings` (prompt tokens reused and
  processed, times) read into our stats.
- `openai`: `/v1/completions` (vLLM, llama.cpp, LM Studio, TGI, llama-cpp-python's
  server) with the prompt as token ids where the server takes them (vLLM, llama.cpp),
  else as text with the model's FIM tokens written out; never the `suffix` field.
- `ollama`: `/api/generate` with `raw: true` (our prompt, no template) and
  `keep_alive`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

KINDS = ("local", "llama-server", "openai", "ollama")


@dataclass(frozen=True)
class Ask:
    """One generation request, whatever the server."""

    ids: list[int]
    text: str  # the same prompt as text, control tokens written out
    as_tokens: bool  # send `ids` (else `text`)
    max_tokens: int
    stop: list[str]
    model: str
    slot: int  # llama-server: the document's slot (-1: any)
    max_ms: int  # llama-server: t_max_predict_ms
    keep_alive: str  # ollama


@dataclass
class Chunk:
    """What one streamed line says."""

    text: str = ""
    done: bool = False
    finish: str = ""  # eog | max_tokens (when done)
    cached: int | None = None  # prompt tokens the server reused
    evaluated: int | None = None  # prompt tokens it processed
    prompt_ms: float = 0.0
    generate_ms: float = 0.0


class BadAnswer(Exception):
    """A line that is not what the server's protocol sends."""


def request(kind: str, ask: Ask) -> tuple[str, dict[str, Any]]:
    """(path, JSON body) of the streaming request for `ask`."""
    prompt: list[int] | str = ask.ids if ask.as_tokens else ask.text
    if kind == "llama-server":
        body: dict[str, Any] = {
            "prompt": prompt,
            "n_predict": ask.max_tokens,
            "stream": True,
            "cache_prompt": True,
            "id_slot": ask.slot,
            "temperature": 0.0,
            "samplers": ["top_k"],
            "top_k": 1,
            "stop": ask.stop,
            "t_max_predict_ms": ask.max_ms,
            # Timings on every chunk: a stream we close early (a stop rule, a newer
            # keystroke) still tells how much of the prompt the slot reused.
            "timings_per_token": True,
        }
        return "/completion", body
    if kind == "openai":
        body = {
            "model": ask.model,
            "prompt": prompt,
            "max_tokens": ask.max_tokens,
            "temperature": 0.0,
            "stream": True,
            "stop": ask.stop or None,
        }
        return "/v1/completions", {k: v for k, v in body.items() if v is not None}
    if kind == "ollama":
        body = {
            "model": ask.model,
            "prompt": ask.text,  # Ollama takes text only
            "raw": True,
            "stream": True,
            "keep_alive": ask.keep_alive,
            "options": {
                "num_predict": ask.max_tokens,
                "temperature": 0.0,
                "top_k": 1,
                "stop": ask.stop,
            },
        }
        return "/api/generate", body
    raise ValueError(f"unknown engine kind {kind!r}")


def parse(kind: str, line: str) -> Chunk | None:
    """The chunk a streamed line carries; None for lines that carry none (blank lines,
    SSE comments); raises BadAnswer for anything else."""
    line = line.strip()
    if not line or line.startswith(":"):
        return None
    if kind in ("llama-server", "openai"):
        if not line.startswith("data:"):
            return None if line.startswith(("event:", "id:", "retry:")) else _bad(line)
        line = line[len("data:") :].strip()
        if line == "[DONE]":
            return Chunk(done=True, finish="eog")
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return _bad(line)
    if not isinstance(data, dict):
        return _bad(line)
    if "error" in data:
        error = data["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise BadAnswer(f"the server answered an error: {message}")
    return {"llama-server": _llama, "openai": _openai, "ollama": _ollama}[kind](data)


def _bad(line: str) -> Chunk:
    raise BadAnswer(f"unexpected line from the server: {line[:80]!r}")


def _llama(data: dict[str, Any]) -> Chunk:
    if "content" not in data:
        return _bad(json.dumps(data))
    chunk = Chunk(text=str(data["content"]), done=bool(data.get("stop")))
    if chunk.done:
        chunk.finish = "max_tokens" if data.get("stop_type") == "limit" else "eog"
    if data.get("timings"):
        # `timings`: cache_n prompt tokens reused from the slot, prompt_n processed.
        # (`tokens_evaluated` is the whole prompt, `tokens_cached` what the slot holds
        # afterwards, the answer included: neither is what this request processed.)
        timings = data.get("timings") or {}
        chunk.cached = _int(timings.get("cache_n"))
        chunk.evaluated = _int(timings.get("prompt_n"))
        chunk.prompt_ms = float(timings.get("prompt_ms") or 0.0)
        chunk.generate_ms = float(timings.get("predicted_ms") or 0.0)
    return chunk


def _openai(data: dict[str, Any]) -> Chunk:
    choices = data.get("choices")
    if not isinstance(choices, list):
        return _bad(json.dumps(data))
    if not choices:  # a usage-only chunk
        return Chunk()
    choice = choices[0]
    finish = choice.get("finish_reason")
    chunk = Chunk(text=str(choice.get("text") or ""), done=finish is not None)
    if finish is not None:
        chunk.finish = "max_tokens" if finish == "length" else "eog"
    return chunk


def _ollama(data: dict[str, Any]) -> Chunk:
    if "response" not in data and "done" not in data:
        return _bad(json.dumps(data))
    chunk = Chunk(text=str(data.get("response") or ""), done=bool(data.get("done")))
    if chunk.done:
        chunk.finish = "max_tokens" if data.get("done_reason") == "length" else "eog"
        chunk.evaluated = _int(data.get("prompt_eval_count"))
        chunk.prompt_ms = float(data.get("prompt_eval_duration") or 0) / 1e6
        chunk.generate_ms = float(data.get("eval_duration") or 0) / 1e6
    return chunk


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
