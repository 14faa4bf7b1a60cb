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

from lsp_server.config.settings import EngineKind
from lsp_server.engines.base import StopReason


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
    finish: StopReason = StopReason.NONE  # EOG or MAX_TOKENS when done
    cached: int | None = None  # prompt tokens the server reused
    evaluated: int | None = None  # prompt tokens it processed
    prompt_ms: float = 0.0
    generate_ms: float = 0.0


class BadAnswer(Exception):
    """A line that is not what the server's protocol sends."""


def request(kind: str, ask: Ask) -> tuple[str, dict[str, Any]]:
    """(path, JSON body) of the streaming request for `ask`."""
    prompt: list[int] | str = ask.ids if ask.as_tokens else ask.text
    if kind == EngineKind.LLAMA_SERVER:
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
    if kind == EngineKind.OPENAI:
        body = {
            "model": ask.model,
            "prompt": prompt,
            "max_tokens": ask.max_tokens,
            "temperature": 0.0,
            "stream": True,
            "stop": ask.stop or None,
        }
        return "/v1/completions", {k: v for k, v in body.items() if v is not None}
    if kind == EngineKind.OLLAMA:
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
    if kind in (EngineKind.LLAMA_SERVER, EngineKind.OPENAI):
        if not line.startswith("data:"):
            return None if line.startswith(("event:", "id:", "retry:")) else _bad(line)
        line = line[len("data:") :].strip()
        if line == "[DONE]":
            return Chunk(done=True, finish=StopReason.EOG)
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
    return _READERS[EngineKind(kind)](data)


def _bad(line: str) -> Chunk:
    raise BadAnswer(f"unexpected line from the server: {line[:80]!r}")


def _llama(data: dict[str, Any]) -> Chunk:
    if "content" not in data:
        return _bad(json.dumps(data))
    chunk = Chunk(text=str(data["content"]), done=bool(data.get("stop")))
    if chunk.done:
        chunk.finish = StopReason.MAX_TOKENS if data.get("stop_type") == "limit" else StopReason.EOG
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
        chunk.finish = StopReason.MAX_TOKENS if finish == "length" else StopReason.EOG
    return chunk


def _ollama(data: dict[str, Any]) -> Chunk:
    if "response" not in data and "done" not in data:
        return _bad(json.dumps(data))
    chunk = Chunk(text=str(data.get("response") or ""), done=bool(data.get("done")))
    if chunk.done:
        chunk.finish = (
            StopReason.MAX_TOKENS if data.get("done_reason") == "length" else StopReason.EOG
        )
        chunk.evaluated = _int(data.get("prompt_eval_count"))
        chunk.prompt_ms = float(data.get("prompt_eval_duration") or 0) / 1e6
        chunk.generate_ms = float(data.get("eval_duration") or 0) / 1e6
    return chunk


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


# -- the server's tokenizer (engines/server_vocab.py) ------------------------------------
# Where no GGUF of the served model is at hand, its tokenizer is asked over HTTP:
# llama-server `/tokenize` (content, add_special, parse_special), vLLM `/tokenize`
# (model, prompt, add_special_tokens: control tokens in the text are always parsed),
# llama-cpp-python `/extras/tokenize` (input: parsed with control tokens, BOS added).


@dataclass(frozen=True)
class TokenizerApi:
    style: str  # llama | vllm | llama-cpp-python
    tokenize: str  # paths
    detokenize: str
    parses_special: bool  # whether `special=False` (code as plain text) can be asked


LLAMA_TOKENIZER = TokenizerApi("llama", "/tokenize", "/detokenize", parses_special=False)
VLLM_TOKENIZER = TokenizerApi("vllm", "/tokenize", "/detokenize", parses_special=True)
LCP_TOKENIZER = TokenizerApi("llama-cpp-python", "/extras/tokenize", "/extras/detokenize", True)
# Tried in this order, the first that tokenizes a probe text wins.
# The tokenizer endpoints each kind of server may offer, in the order they are tried.
TOKENIZER_APIS: dict[str, tuple[TokenizerApi, ...]] = {
    EngineKind.LLAMA_SERVER: (LLAMA_TOKENIZER,),
    EngineKind.OPENAI: (VLLM_TOKENIZER, LLAMA_TOKENIZER, LCP_TOKENIZER),
}


def tokenize_body(api: TokenizerApi, text: str, special: bool, bos: bool, model: str) -> Any:
    """The JSON body asking `api` for the ids of `text` (`special`: control tokens
    written in it are parsed; `bos`: with the model's start token, if it has one)."""
    if api.style == "llama":
        return {"content": text, "add_special": bos, "parse_special": special}
    if api.style == "vllm":
        return {"model": model or None, "prompt": text, "add_special_tokens": bos}
    return {"input": text, "model": model or None}


def tokens_of(data: Any) -> list[int]:
    """The ids in a tokenize answer (every style answers `tokens`; llama-server's may
    be {id, piece} objects)."""
    tokens = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(tokens, list):
        raise BadAnswer(f"no tokens in the answer: {str(data)[:80]!r}")
    ids = [t.get("id") if isinstance(t, dict) else t for t in tokens]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise BadAnswer(f"tokens that are not ids: {str(tokens)[:80]!r}")
    return [int(i) for i in ids if i is not None]


def detokenize_body(api: TokenizerApi, ids: list[int], model: str) -> Any:
    if api.style == "llama":
        return {"tokens": ids}
    return {"model": model or None, "tokens": ids}


def text_of(api: TokenizerApi, data: Any) -> str:
    """The text in a detokenize answer (control tokens written out)."""
    key = {"llama": "content", "vllm": "prompt"}.get(api.style, "text")
    text = data.get(key) if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise BadAnswer(f"no text in the answer: {str(data)[:80]!r}")
    return text


@dataclass(frozen=True)
class ServedModel:
    """What the server says about the model it runs."""

    name: str = ""
    context_length: int | None = None
    chat_template: str | None = None
    bos_text: str = ""
    eos_text: str = ""


def served_model(kind: str, data: Any) -> ServedModel:
    """From llama-server's `/props`, or an OpenAI-compatible `/v1/models`."""
    if not isinstance(data, dict):
        return ServedModel()
    if kind == EngineKind.LLAMA_SERVER:
        settings = data.get("default_generation_settings") or {}
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        return ServedModel(
            name=str(data.get("model_alias") or data.get("model_path") or ""),
            context_length=_int(n_ctx),
            chat_template=data.get("chat_template") or None,
            bos_text=str(data.get("bos_token") or ""),
            eos_text=str(data.get("eos_token") or ""),
        )
    models = data.get("data")
    first = models[0] if isinstance(models, list) and models else {}
    if not isinstance(first, dict):
        return ServedModel()
    return ServedModel(
        name=str(first.get("id") or ""), context_length=_int(first.get("max_model_len"))
    )


# How each kind of server's streamed lines are read.
_READERS: dict[EngineKind, Any] = {
    EngineKind.LLAMA_SERVER: _llama,
    EngineKind.OPENAI: _openai,
    EngineKind.OLLAMA: _ollama,
}
