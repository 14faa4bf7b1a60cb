"""In-process GGUF inference through llama-cpp-python.

We drive llama.cpp token by token ourselves instead of using `Llama.__call__`:
its `suffix=` FIM path hard-codes token id 0, and our own loop lets us reuse
the longest common prefix of the previous evaluation (the KV cache), check
cancellation and the deadline between tokens, and decode greedily.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from lsp_server.engines.base import (
    CancelToken,
    Candidate,
    EngineError,
    EngineInfo,
    Generation,
    GenerationParams,
    StopReason,
)
from lsp_server.engines.cpu_share import CpuShare
from lsp_server.engines.draft import prompt_lookup
from lsp_server.engines.vocab import read_info, tokens_of

log = logging.getLogger(__name__)
PROMPT_CHUNK = 128  # tokens per decode call while processing a prompt: a cancel point
MIN_CHUNK = 16  # the least a prompt-budgeted request processes, so it always progresses
HEALING_CANDIDATES = 256
# A session starts from its alternate's KV state when that shares this many more prompt
# tokens than its own: fewer cost less to process than the state's copy.
ALTERNATE_GAIN = 8  # most likely tokens searched for one consistent with the forced text
# Sequences a context holds at once (GenerationParams.candidates): the KV cells are one
# pool (llama.cpp's unified cache), so more costs no memory until they are used.
MAX_SEQUENCES = 8
OTHER_TOKENS = 16  # the likeliest tokens searched for a candidate's other token
# A candidate may run this many tokens past the greedy one's length, no more: the
# request waits for the longest, and one that goes on much longer than the model's
# own choice is rarely the one wanted.
BRANCH_SLACK = 16
_LOADING = threading.Lock()  # llama.cpp's default context parameters are patched while loading


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class LlamaCppEngine:
    """One GGUF model loaded in this process; calls are serialised by a lock."""

    def __init__(
        self,
        path: Path,
        *,
        family: str | None = None,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_batch: int = 512,
        state_cache_bytes: int = 512 << 20,
        gpu_layers: int = -1,
        draft_tokens: int = 0,
        adapt_threads: bool = True,
    ) -> None:
        """`draft_tokens`: the most tokens guessed at once by prompt lookup and checked
        in one batch (speculative decoding, engines/draft.py); 0: one token a step.
        `adapt_threads`: each generation uses the cores other programs leave free, at
        most `n_threads` (engines/cpu_share.py)."""
        import llama_cpp

        if not path.is_file():
            raise EngineError(f"model file not found: {path}")
        self._lib = llama_cpp
        self._lock = threading.Lock()
        self._path = path
        self._file: tuple[int, int, int] | None = _identity(path)
        self.gpu_layers = offloaded_layers(llama_cpp, gpu_layers)
        load = Loading(n_ctx, n_batch, n_threads or default_threads(), self.gpu_layers)
        self._threads = self._most_threads = load.threads
        self._share = CpuShare() if adapt_threads else None
        if self._share is not None:  # loading is our own work: the first estimate
            self._share.started()
        self._llm = _load(llama_cpp, path, load)
        trained = _trained_context(self._llm.metadata or {})
        if n_ctx > trained:  # a larger context costs memory and gives nothing
            self._llm.close()
            self._llm = _load(llama_cpp, path, replace(load, n_ctx=trained))
        self._vocab = llama_cpp.llama_model_get_vocab(self._llm.model)
        self._n_vocab = self._llm.n_vocab()
        self.info = replace(self._read_info(path, family), candidates=True)
        self._sessions = SessionStates(state_cache_bytes)
        self._session = ""
        self._prompt_rate = 100.0  # prompt tokens/s, a running estimate for budgets (low at first)
        self._draft_tokens = draft_tokens
        self._warm_up()
        if self._share is not None:
            self._share.ended()

    def _warm_up(self) -> None:
        """One decode now, so that the first completion does not pay llama.cpp's lazy
        set-up (weight repacking, buffers)."""
        self._llm.eval(self.tokenize("\n") or [0])
        self._llm.n_tokens = 0

    # -- model facts -----------------------------------------------------------------
    def _read_info(self, path: Path, family: str | None) -> EngineInfo:
        return read_info(
            self._lib,
            self._vocab,
            self._n_vocab,
            self._llm.metadata or {},
            self.tokenize_special,
            path,
            family,
            self._llm.n_ctx(),
        )

    # -- protocol ----------------------------------------------------------------------
    def tokenize_special(self, text: str) -> list[int]:
        return tokens_of(self._llm, text, special=True)

    def tokenize(self, text: str) -> list[int]:
        return tokens_of(self._llm, text, special=False)

    def detokenize(self, tokens: Sequence[int]) -> str:
        return bytes(self._llm.detokenize(list(tokens))).decode("utf-8", "ignore")

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        if not prompt:
            return Generation("", stop_reason=StopReason.EMPTY_PROMPT)
        if self._file is not None and _identity(self._path) != self._file:
            # The weights were read into memory at load (not mapped): the change does
            # not reach them. Said once; the new file is read at the next load.
            log.warning("the model file changed on disk: %s (the loaded copy is used)", self._path)
            self._file = None
        limit = self._llm.n_ctx() - 1
        if len(prompt) >= limit:
            raise EngineError(f"prompt of {len(prompt)} tokens exceeds the context ({limit})")
        with self._lock:
            self._fit_threads()
            if self._share is not None:
                self._share.started()
            try:
                return self._generate_locked(list(prompt), params, cancel)
            finally:
                if self._share is not None:
                    self._share.ended()

    def _fit_threads(self) -> None:
        """As many threads as the cores other programs leave free now."""
        if self._share is None:
            return
        wanted = self._share.threads(self._most_threads)
        if wanted != self._threads:
            self._lib.llama_set_n_threads(self._llm.ctx, wanted, wanted)
            log.debug(
                "threads: %d (other programs keep %.1f cores busy)", wanted, self._share.others
            )
            self._threads = wanted

    def prompt_seconds(self, prompt: Sequence[int], session: str, alternate: str = "") -> float:
        with self._lock:
            common = self._shared(session, prompt)
            if alternate and alternate != session:
                common = max(common, self._shared(alternate, prompt))
            return (len(prompt) - common) / max(self._prompt_rate, 1.0)

    def _tokens_of(self, session: str) -> np.ndarray | None:
        """The tokens `session`'s KV state holds (live or parked); None: no state."""
        if session == self._session:
            return self._llm.input_ids[: self._llm.n_tokens]
        parked = self._sessions.peek(session)
        return parked.tokens if parked is not None else None

    def _shared(self, session: str, prompt: Sequence[int]) -> int:
        """How many of `prompt`'s first tokens `session`'s KV state already holds."""
        cached = self._tokens_of(session)
        return 0 if cached is None else _common(cached, prompt)

    def close(self) -> None:
        with self._lock:
            self._llm.close()

    # -- generation ----------------------------------------------------------------------
    def _generate_locked(
        self, prompt: list[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        started = time.perf_counter()
        self._switch_session(params.session, prompt, params.alternate)
        if not params.reuse_cache:
            self._llm.n_tokens = 0
        reused = self._reuse_prefix(prompt)
        result = Generation("", prompt_tokens=len(prompt), reused_tokens=reused)
        finished = self._eval_prompt(prompt[reused:], params, cancel)
        result.evaluated_tokens = self._llm.n_tokens - reused
        if not finished:
            result.stop_reason = _why_stopped(params, cancel)
            result.prompt_ms = (time.perf_counter() - started) * 1000
            return result
        result.prompt_ms = (time.perf_counter() - started) * 1000
        limit = self._llm.n_ctx() - len(prompt) - 1
        if params.candidates > 1:
            self._decode_candidates(result, params, cancel, limit)
        else:
            self._decode(result, prompt, params, cancel, limit)
        result.generate_ms = (time.perf_counter() - started) * 1000 - result.prompt_ms
        return result

    def _switch_session(self, session: str, prompt: list[int], alternate: str = "") -> None:
        """Park the current document's KV state and restore `session`'s, so that
        switching files does not re-process everything; where `alternate`'s parked
        state shares more of `prompt` (by ALTERNATE_GAIN tokens), a copy of it instead."""
        if session == self._session:
            if alternate and alternate != session:
                gain = self._shared(alternate, prompt) - self._shared(session, prompt)
                found = self._sessions.peek(alternate)
                if found is not None and gain >= ALTERNATE_GAIN:
                    self._load_state(found)
            return
        if self._session and self._llm.n_tokens > 0:
            self._sessions.put(self._session, self._save_state())
        self._session = session
        own = self._sessions.take(session)
        other = self._sessions.peek(alternate) if alternate and alternate != session else None
        state = own
        if other is not None:
            mine = _common(own.tokens, prompt) if own is not None else 0
            if _common(other.tokens, prompt) - mine >= ALTERNATE_GAIN:
                state = other
        if state is not None:
            self._load_state(state)
        else:
            self._llm.n_tokens = 0

    def _save_state(self) -> SavedState:
        """The KV cells of sequence 0 and the tokens they hold (no logits: a restored
        state always evaluates at least one token before sampling)."""
        ctx = self._llm.ctx
        size = self._lib.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = self._lib.llama_state_seq_get_data(ctx, buffer, size, 0)
        tokens = self._llm.input_ids[: self._llm.n_tokens].copy()
        return SavedState(bytes(buffer)[:written], tokens)

    def _load_state(self, state: SavedState) -> None:
        ctx = self._llm.ctx
        memory = self._lib.llama_get_memory(ctx)
        self._lib.llama_memory_seq_rm(memory, 0, -1, -1)
        data = (ctypes.c_uint8 * len(state.kv)).from_buffer_copy(state.kv)
        if self._lib.llama_state_seq_set_data(ctx, data, len(state.kv), 0) == 0:
            self._llm.n_tokens = 0  # could not restore: start afresh
            return
        self._llm.input_ids[: len(state.tokens)] = state.tokens
        self._llm.n_tokens = len(state.tokens)

    def _reuse_prefix(self, prompt: list[int]) -> int:
        """Keep the KV entries shared with the last evaluation; returns how many."""
        cached = self._llm.input_ids[: self._llm.n_tokens]
        limit = min(len(cached), len(prompt) - 1)  # always evaluate >= 1 token for logits
        common = 0
        if limit > 0:
            diff = np.nonzero(cached[:limit] != np.asarray(prompt[:limit], dtype=cached.dtype))[0]
            common = int(diff[0]) if diff.size else limit
        self._llm.n_tokens = common
        return common

    def _eval_prompt(
        self, tokens: list[int], params: GenerationParams, cancel: CancelToken
    ) -> bool:
        """Evaluate `tokens` in chunks (cancel points); False when stopped early, with
        what was evaluated kept in the cache."""
        done = 0
        while done < len(tokens):
            if cancel.cancelled or _past(params.deadline):
                return False
            size = self._chunk_size(params.prompt_deadline, done == 0)
            if size == 0:
                return False
            chunk = tokens[done : done + size]
            started = time.perf_counter()
            self._llm.eval(chunk)
            self._learn_rate(len(chunk), time.perf_counter() - started)
            done += len(chunk)
        return True

    def _chunk_size(self, prompt_deadline: float | None, first: bool) -> int:
        """PROMPT_CHUNK, or what fits before the prompt deadline at the measured rate
        (at least MIN_CHUNK on the first chunk; 0 when no more fits)."""
        if prompt_deadline is None:
            return PROMPT_CHUNK
        fits = int(self._prompt_rate * (prompt_deadline - time.monotonic()))
        if fits < MIN_CHUNK:
            return MIN_CHUNK if first else 0
        return min(PROMPT_CHUNK, fits)

    def _learn_rate(self, tokens: int, seconds: float) -> None:
        if tokens >= MIN_CHUNK and seconds > 0:
            self._prompt_rate = 0.7 * self._prompt_rate + 0.3 * (tokens / seconds)

    def _logits(self, i: int = -1) -> np.ndarray:
        """The logits after the `i`th token of the last batch (the last by default)."""
        pointer = self._lib.llama_get_logits_ith(self._llm.ctx, i)
        return np.ctypeslib.as_array(
            ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(self._n_vocab,)
        )

    def _next_token(self, forced: bytes, logits: np.ndarray | None = None) -> int:
        """The greedy choice (after the last batch's last token, or from `logits`);
        while `forced` text is pending, the likeliest token whose bytes agree with it
        (a prefix of it, or starting with it)."""
        logits = self._logits() if logits is None else logits
        if not forced:
            return int(np.argmax(logits))
        best = np.argpartition(-logits, HEALING_CANDIDATES)[:HEALING_CANDIDATES]
        for token in best[np.argsort(-logits[best])]:
            piece = bytes(self._llm.detokenize([int(token)]))
            if piece and (forced.startswith(piece) or piece.startswith(forced)):
                return int(token)
        return self._llm.tokenize(forced, add_bos=False, special=False)[0]

    def _is_stop(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self._vocab, token)) or (
            token in self.info.stop_ids
        )

    def _decode(
        self,
        result: Generation,
        prompt: list[int],
        params: GenerationParams,
        cancel: CancelToken,
        limit: int,
    ) -> None:
        """Greedy decoding, one token a step — or, with drafting on, a guess of the next
        tokens checked in one batch: the tokens the model agrees with are taken without
        a step of their own. Greedy either way; not bit for bit, as llama.cpp's batched
        kernels round differently from its one-token ones."""
        pieces = bytearray()
        forced = params.forced_prefix.encode("utf-8", "surrogatepass")
        known: list[int] = []  # the next greedy tokens, already chosen by a checked batch
        ahead = 0  # how many of them the KV cache holds past n_tokens
        for _ in range(min(params.max_tokens, limit)):
            pending = forced[len(pieces) :] if len(pieces) < len(forced) else b""
            token = known.pop(0) if known else self._next_token(pending)
            if self._is_stop(token):
                result.stop_reason = StopReason.EOG
                break
            result.tokens.append(token)
            pieces += self._llm.detokenize([token])
            result.text = pieces.decode("utf-8", "ignore")
            if params.stop_when is not None and params.stop_when(result.text):
                result.stop_reason = StopReason.STOP_WHEN
                break
            if cancel.cancelled or _past(params.deadline):
                result.stop_reason = (
                    StopReason.CANCELLED if cancel.cancelled else StopReason.DEADLINE
                )
                break
            if ahead:  # already evaluated by the batch that chose it
                self._llm.n_tokens += 1
                ahead -= 1
                continue
            draft = self._draft(prompt, result.tokens, healing=len(pieces) < len(forced))
            if not draft:
                self._llm.eval([token])
                continue
            known = self._check(token, draft)
            ahead = len(known) - 1
            result.drafted_tokens += len(draft)
            result.accepted_tokens += ahead
        else:
            result.stop_reason = StopReason.MAX_TOKENS

    def _draft(self, prompt: list[int], generated: list[int], healing: bool) -> list[int]:
        # The checked batch (the token and its guesses) fits the context and one decode.
        room = min(self._llm.n_ctx() - self._llm.n_tokens - 2, self._llm.n_batch - 1)
        if self._draft_tokens <= 0 or healing or room <= 0:
            return []
        return prompt_lookup(prompt + generated, min(self._draft_tokens, room))

    def _check(self, token: int, draft: list[int]) -> list[int]:
        """Evaluate `token` and the guessed `draft` after it in one batch; returns the
        greedy tokens that follow `token`: the guessed ones the model agrees with, then
        its own choice where it first disagrees. The cache keeps `token` (n_tokens) and
        holds the agreed guesses just past it."""
        batch = [token, *draft]
        n_past = self._llm.n_tokens
        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past : n_past + len(batch)] = batch
        llm.n_tokens = n_past + 1
        following: list[int] = []
        for i in range(len(batch)):
            best = int(np.argmax(self._logits(i)))
            following.append(best)
            if i == len(draft) or best != draft[i]:
                break
        return following

    # -- several candidates ----------------------------------------------------------
    def _decode_candidates(
        self, result: Generation, params: GenerationParams, cancel: CancelToken, limit: int
    ) -> None:
        """The greedy continuation, then others that leave it where the model was least
        sure on its first line: each takes, at one of those steps, the next-likeliest
        token instead of the greedy one and goes on greedily. They share the KV cells of
        the prompt and of the greedy tokens before their turn, and are decoded together
        (one batch a step holds a token of each). Afterwards sequence 0 holds the prompt
        and the greedy tokens, as after `_decode`, and the others are freed."""
        origin = self._llm.n_tokens
        most = min(params.max_tokens, limit)
        greedy = _Branch(0, params.forced_prefix.encode("utf-8", "surrogatepass"))
        turns = self._greedy_with_turns(greedy, params, cancel, origin, most)
        wanted = min(params.candidates, MAX_SEQUENCES, self._llm.n_batch) - 1
        chosen = sorted(turns, key=lambda turn: turn.margin)[:wanted]
        others = [self._turned(greedy, turn, seq, params) for seq, turn in enumerate(chosen, 1)]
        memory = self._lib.llama_get_memory(self._llm.ctx)
        for branch, turn in zip(others, chosen, strict=True):
            self._lib.llama_memory_seq_cp(memory, 0, branch.seq, 0, origin + turn.step)
        try:
            if not (cancel.cancelled or _past(params.deadline)):
                longest = min(most, len(greedy.tokens) + BRANCH_SLACK)
                self._step_branches(others, params, cancel, origin, longest)
        finally:
            for branch in others:
                self._lib.llama_memory_seq_rm(memory, branch.seq, -1, -1)
        evaluated = greedy.tokens[: greedy.evaluated]
        self._llm.input_ids[origin : origin + len(evaluated)] = evaluated
        self._llm.n_tokens = origin + len(evaluated)
        result.tokens = list(greedy.tokens)
        result.text = greedy.text
        result.stop_reason = greedy.stop
        result.candidates = [b.candidate() for b in [greedy, *others]]

    def _greedy_with_turns(
        self, branch: _Branch, params: GenerationParams, cancel: CancelToken, origin: int, most: int
    ) -> list[_Turn]:
        """Decode `branch` greedily on sequence 0 (the forced text first); returns, for
        each free step of its first line, the likeliest other token there."""
        turns: list[_Turn] = []
        while not branch.stop:
            if len(branch.tokens) >= most:
                branch.stop = StopReason.MAX_TOKENS
                break
            if cancel.cancelled or _past(params.deadline):
                branch.stop = _why_stopped(params, cancel)
                break
            if branch.evaluated < len(branch.tokens):
                self._decode_batch([branch], origin)
            logits = self._logits()
            total = _logsumexp(logits)
            free = not branch.forced[len(branch.pieces) :]
            token = self._branch_token(logits, branch)
            if free and not _past_first_line(branch.text):
                step, wanted = len(branch.tokens), params.candidates - 1
                for other in self._other_tokens(logits, token, wanted):
                    margin = float(logits[token] - logits[other])
                    turns.append(_Turn(step, other, float(logits[other]) - total, margin))
            self._take(branch, token, float(logits[token]) - total, params)
        return turns

    def _other_tokens(self, logits: np.ndarray, greedy: int, most: int) -> list[int]:
        """The likeliest tokens after `greedy` (at most `most`) that are no stop token
        and do not spell the start of the greedy token's text otherwise ("f" or " fib"
        for "fib", '""' for "''": mostly the same text in other tokens, a wasted
        sequence) nor each other's."""
        starts = [_unquoted(bytes(self._llm.detokenize([greedy])).strip())]
        found: list[int] = []
        best = np.argpartition(-logits, OTHER_TOKENS)[:OTHER_TOKENS]
        for token in (int(t) for t in best[np.argsort(-logits[best])]):
            if len(found) >= most:
                break
            if token == greedy or self._is_stop(token):
                continue
            piece = _unquoted(bytes(self._llm.detokenize([token])).strip())
            if piece and not any(start.startswith(piece) for start in starts):
                found.append(token)
                starts.append(piece)
        return found

    def _turned(self, greedy: _Branch, turn: _Turn, seq: int, params: GenerationParams) -> _Branch:
        """A branch that follows `greedy` up to `turn` and takes its other token there."""
        branch = _Branch(seq, greedy.forced)
        for token, logprob in zip(greedy.tokens[: turn.step], greedy.logprobs, strict=False):
            branch.tokens.append(token)
            branch.logprobs.append(logprob)
            branch.logprob += logprob
            branch.pieces += self._llm.detokenize([token])
        branch.evaluated = turn.step
        branch.text = branch.pieces.decode("utf-8", "ignore")
        self._take(branch, turn.token, turn.logprob, params)
        return branch

    def _take(self, branch: _Branch, token: int, logprob: float, params: GenerationParams) -> None:
        """Add `token` to `branch`, or end it (a stop token, the stop rule)."""
        if self._is_stop(token):
            branch.stop = StopReason.EOG
            return
        branch.tokens.append(token)
        branch.logprobs.append(logprob)
        branch.logprob += logprob
        branch.pieces += self._llm.detokenize([token])
        branch.text = branch.pieces.decode("utf-8", "ignore")
        if params.stop_when is not None and params.stop_when(branch.text):
            branch.stop = StopReason.STOP_WHEN

    def _step_branches(
        self,
        branches: list[_Branch],
        params: GenerationParams,
        cancel: CancelToken,
        origin: int,
        most: int,
    ) -> None:
        """Decode the live branches together until each has ended (`origin`: where
        their tokens start, after the prompt)."""
        while True:
            for branch in branches:
                if not branch.stop and len(branch.tokens) >= most:
                    branch.stop = StopReason.MAX_TOKENS
            live = [b for b in branches if not b.stop]
            if not live:
                return
            if cancel.cancelled or _past(params.deadline):
                why = StopReason.CANCELLED if cancel.cancelled else StopReason.DEADLINE
                for branch in live:
                    branch.stop = why
                return
            self._decode_batch(live, origin)
            for i, branch in enumerate(live):
                logits = self._logits(i)
                token = self._branch_token(logits, branch)
                self._take(branch, token, float(logits[token]) - _logsumexp(logits), params)

    def _decode_batch(self, live: list[_Branch], origin: int) -> None:
        """One decode: each live branch's last token at its place in its sequence."""
        batch = self._llm._batch.batch
        batch.n_tokens = len(live)
        for i, branch in enumerate(live):
            batch.token[i] = branch.tokens[-1]
            batch.pos[i] = origin + len(branch.tokens) - 1
            batch.seq_id[i][0] = branch.seq
            batch.n_seq_id[i] = 1
            batch.logits[i] = True
        code = self._lib.llama_decode(self._llm.ctx, batch)
        if code != 0:
            raise EngineError(f"llama_decode failed on the candidates' batch ({code})")
        for branch in live:
            branch.evaluated = len(branch.tokens)

    def _branch_token(self, logits: np.ndarray, branch: _Branch) -> int:
        """The greedy next token of a branch (the forced text first, if still pending)."""
        return self._next_token(branch.forced[len(branch.pieces) :], logits)


@dataclass
class _Branch:
    """One sequence of a several-candidate generation."""

    seq: int
    forced: bytes
    tokens: list[int] = field(default_factory=list)
    pieces: bytearray = field(default_factory=bytearray)
    text: str = ""
    logprob: float = 0.0
    evaluated: int = 0  # of its tokens, those the KV cache holds
    stop: StopReason = StopReason.NONE
    logprobs: list[float] = field(default_factory=list)  # each token's

    def candidate(self) -> Candidate:
        return Candidate(self.text, tuple(self.tokens), self.logprob, self.stop)


@dataclass(frozen=True)
class _Turn:
    """A step of the greedy branch where another token could go."""

    step: int  # the index of the token in the greedy branch
    token: int
    logprob: float
    margin: float  # how much likelier the greedy token is (logits)


def _unquoted(piece: bytes) -> bytes:
    """A token's text with one quote style ('' and "" spell the same string)."""
    return piece.replace(b'"', b"'")


def _past_first_line(text: str) -> bool:
    """The text holds a whole line with code: it has gone past its first line."""
    return any(line.strip() for line in text.split("\n")[:-1])


def _logsumexp(logits: np.ndarray) -> float:
    top = float(np.max(logits))
    return top + float(np.log(np.sum(np.exp(logits - top))))


@dataclass(frozen=True)
class SavedState:
    kv: bytes
    tokens: np.ndarray

    @property
    def size(self) -> int:
        return len(self.kv) + int(self.tokens.nbytes)


class SessionStates:
    """Saved KV states by session (document), least recently used evicted first
    once their total size passes the cap."""

    def __init__(self, cap_bytes: int) -> None:
        self.cap = cap_bytes
        self._states: OrderedDict[str, SavedState] = OrderedDict()

    def put(self, key: str, state: SavedState) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        while self._states and self.total() > self.cap:
            self._states.popitem(last=False)

    def peek(self, key: str) -> SavedState | None:
        return self._states.get(key)

    def take(self, key: str) -> SavedState | None:
        return self._states.pop(key, None)

    def total(self) -> int:
        return sum(s.size for s in self._states.values())

    def __len__(self) -> int:
        return len(self._states)


def _common(cached: np.ndarray, prompt: Sequence[int]) -> int:
    """The length of the prefix `cached` tokens and `prompt` share."""
    ids = np.asarray(list(prompt), dtype=cached.dtype)
    limit = min(len(cached), len(ids))
    diff = np.nonzero(cached[:limit] != ids[:limit])[0]
    return int(diff[0]) if diff.size else limit


def _identity(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True)
class Loading:
    """How a model is loaded."""

    n_ctx: int
    n_batch: int
    threads: int
    gpu_layers: int  # llama.cpp's n_gpu_layers: -1 all, 0 none


def offloaded_layers(llama_cpp: Any, wanted: int) -> int:
    """llama.cpp's n_gpu_layers for the `engine.gpuLayers` setting: -1 (auto) means
    every layer when this build of llama.cpp can offload to a GPU, else none."""
    if wanted >= 0:
        return wanted
    return -1 if llama_cpp.llama_supports_gpu_offload() else 0


def _load(llama_cpp: Any, path: Path, load: Loading) -> Any:
    """The model, with a context that can hold MAX_SEQUENCES sequences in one KV pool:
    llama-cpp-python does not take these parameters, so its defaults are extended for
    the duration of the load."""
    module = llama_cpp.llama_cpp
    defaults = module.llama_context_default_params

    def sequences() -> Any:
        params = defaults()
        params.n_seq_max = MAX_SEQUENCES
        params.kv_unified = True
        return params

    with _LOADING:
        module.llama_context_default_params = sequences
        try:
            return _construct(llama_cpp, path, load)
        finally:
            module.llama_context_default_params = defaults


def _construct(llama_cpp: Any, path: Path, load: Loading) -> Any:
    try:
        return llama_cpp.Llama(
            model_path=str(path),
            n_ctx=load.n_ctx,
            n_batch=load.n_batch,
            n_gpu_layers=load.gpu_layers,
            n_threads=load.threads,
            n_threads_batch=load.threads,  # prompt processing too (its default is every CPU)
            # Read, not mapped: a mapped file truncated or rewritten while in use kills
            # the process with SIGBUS on the next page read (docs/reliability.md).
            use_mmap=False,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise EngineError(f"cannot load {path}: {exc}") from exc


def _trained_context(metadata: dict[str, Any]) -> int:
    """The context length the model was trained with, from its GGUF metadata."""
    architecture = metadata.get("general.architecture", "")
    try:
        trained = int(metadata.get(f"{architecture}.context_length", 0))
    except ValueError:
        trained = 0
    return trained if trained > 0 else 1 << 30


def _why_stopped(params: GenerationParams, cancel: CancelToken) -> StopReason:
    if cancel.cancelled:
        return StopReason.CANCELLED
    return StopReason.DEADLINE if _past(params.deadline) else StopReason.PROMPT_BUDGET


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
