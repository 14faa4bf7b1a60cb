"""The llama.vim protocol as a peer for `bench replay --peer llama.vim`: for the same
typing sequence, the requests llama.vim sends to the same `llama-server`, with its
defaults (autoload/llama.vim, ggml-org/llama.vim): `/infill` with 256 lines of prefix
and 64 of suffix, `prompt` = the cursor line before the cursor, `input_extra` from a
ring of up to 16 chunks (32 lines around the cursor of each document entered),
`n_predict` 128, `t_max_prompt_ms` 500, `t_max_predict_ms` 250 for a first request
(llama.vim then sends a speculative follow-up with 1000, not replayed here),
`cache_prompt`, samplers top_k 40 / top_p 0.90 / infill, `n_indent`. Its client-side
cache is replayed too: a suggestion is shown without a request when the text typed
since an earlier answer is that answer's start (up to 128 characters back).

Not LSP: plain HTTP, so this lives beside the LSP replay client and shares its
typing loop (client/replay.py)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

N_PREFIX, N_SUFFIX, N_PREDICT = 256, 64, 128
RING_CHUNKS, CHUNK_LINES = 16, 64
MAX_BACK = 128  # characters the cache looks back


@dataclass
class _Context:
    prefix: str
    middle: str
    suffix: str
    indent: int
    line_prefix: str
    line_suffix: str


def local_context(text: str, offset: int) -> _Context:
    """llama.vim's local context at `offset`: whole lines before, the cursor line split
    at the cursor (blank lines start from their beginning), lines after."""
    lines = text.split("\n")
    row = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    current = lines[row]
    before, after = current[:column], current[column:]
    indent = len(current) - len(current.lstrip())
    if not current.strip():
        before, after, indent = "", "", 0
    prefix = "\n".join(lines[max(0, row - N_PREFIX) : row]) + "\n"
    suffix = after + "\n" + "\n".join(lines[row + 1 : row + 1 + N_SUFFIX]) + "\n"
    return _Context(prefix, before, suffix, indent, before, after)


def _hash(context: str) -> str:
    return hashlib.sha256(context.encode("utf-8", "surrogatepass")).hexdigest()


def rendered(content: str, text: str, offset: int) -> str:
    """What llama.vim shows for an answer (its render rules that matter for what is
    inserted): trailing blank lines dropped; on a blank line, the indentation already
    typed taken off; nothing when it is only whitespace or repeats the line's rest."""
    lines = content.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return ""
    row_start = text.rfind("\n", 0, offset) + 1
    row_end = text.find("\n", offset)
    current = text[row_start : len(text) if row_end < 0 else row_end]
    if not current.strip():
        lead = min(len(lines[0]) - len(lines[0].lstrip()), len(current))
        lines[0] = lines[0][lead:]
    if len(lines) == 1 and lines[0] == text[offset : len(text) if row_end < 0 else row_end]:
        return ""
    shown = "\n".join(lines)
    return "" if not shown.strip() else shown


@dataclass
class LlamaVimPeer:
    url: str  # the llama-server base URL
    cache: dict[str, str] = field(default_factory=dict)
    ring: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.url.rstrip("/"), timeout=60.0)

    async def close(self) -> None:
        await self._http.aclose()

    def open(self, uri: str, language: str, text: str, offset: int = 0) -> None:
        """Entering a buffer: a chunk around the cursor joins the ring."""
        lines = text.split("\n")
        row = text.count("\n", 0, offset)
        half = CHUNK_LINES // 2
        chunk = lines[max(0, row - half) : row + half]
        if len(chunk) >= 3:
            if len(self.ring) == RING_CHUNKS:
                self.ring.pop(0)
            self.ring.append({"text": "\n".join(chunk) + "\n", "filename": uri.rsplit("/", 1)[-1]})

    def insert(self, uri: str, text: str, offset: int, chunk: str) -> None:
        pass  # llama.vim reads the buffer at each request: nothing to sync

    def focus(self, uri: str, text: str, offset: int) -> None:
        pass  # llama.vim sends nothing ahead of a keystroke but its ring of chunks

    def accepted(self, chars: int, whole: bool) -> None:
        pass  # llama.vim tells its server nothing of what was taken

    async def complete(self, uri: str, text: str, offset: int) -> tuple[str, float]:
        started = time.perf_counter()
        context = local_context(text, offset)
        shown = self._from_cache(context)
        if shown is None:
            content = await self._request(context)
            self.cache[_hash(context.prefix + context.middle + "Î" + context.suffix)] = content
            shown = content
        else:
            self.records.append(
                {
                    "seconds": 0.0,
                    "cache_hit": True,
                    "evaluated_tokens": 0,
                    "prompt_tokens": 0,
                    "generated_tokens": 0,
                    "skipped": "",
                }
            )
        return rendered(shown, text, offset), (time.perf_counter() - started) * 1000

    def _from_cache(self, context: _Context) -> str | None:
        """llama.vim's cache: this context, or one up to 128 characters back whose answer
        starts with what was typed since."""
        typed = context.prefix + context.middle
        exact = self.cache.get(_hash(typed + "Î" + context.suffix))
        if exact is not None:
            return exact
        for back in range(1, min(MAX_BACK, len(typed)) + 1):
            earlier = self.cache.get(_hash(typed[:-back] + "Î" + context.suffix))
            if earlier and earlier.startswith(typed[-back:]) and len(earlier) > back:
                return earlier[back:]
        return None

    async def _request(self, context: _Context) -> str:
        body = {
            "input_prefix": context.prefix,
            "input_suffix": context.suffix,
            "input_extra": self.ring,
            "prompt": context.middle,
            "n_predict": N_PREDICT,
            "n_indent": context.indent,
            "top_k": 40,
            "top_p": 0.90,
            "stream": False,
            "samplers": ["top_k", "top_p", "infill"],
            "cache_prompt": True,
            "t_max_prompt_ms": 500,
            "t_max_predict_ms": 250,
        }
        started = time.perf_counter()
        data = (await self._http.post("/infill", json=body)).json()
        timings = data.get("timings") or {}
        cached = int(timings.get("cache_n") or 0)
        prompt_n = int(timings.get("prompt_n") or 0)
        self.records.append(
            {
                "seconds": time.perf_counter() - started,
                "cache_hit": False,
                "evaluated_tokens": prompt_n,
                "prompt_tokens": prompt_n + cached,
                "generated_tokens": int(timings.get("predicted_n") or 0),
                "skipped": "",
            }
        )
        return str(data.get("content") or "")
