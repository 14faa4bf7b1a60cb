"""The tokenizer of the model an inference server runs, asked over HTTP, for a remote
engine with no GGUF of that model at hand (engine.tokenizer "auto" or "server").

Prompts are still built as token ids by the same code as everywhere else; only the
ids come from the server's `/tokenize` (llama-server, vLLM, llama.cpp's OpenAI
server) or `/extras/tokenize` (llama-cpp-python's server), remembered per text so
that the next keystroke asks only for its new lines. The model's facts come from the
server (`/props`, `/v1/models`) and our family table: its FIM tokens are the family's
marker texts tokenized by the server, which must each be one token.

Degraded, and documented in docs/remote.md: vLLM and llama-cpp-python parse control
tokens written in the code itself (llama-server can be told not to), and the first
keystroke in a file costs a request per line not seen before (a local GGUF costs
nothing)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import httpx

from lsp_server.config.settings import EngineKind, EngineSettings, base_url
from lsp_server.engines import backends
from lsp_server.engines.backends import BadAnswer, ServedModel, TokenizerApi
from lsp_server.engines.base import EngineError, EngineInfo
from lsp_server.engines.remote import EngineUnavailable, auth_headers, describe
from lsp_server.models.families import FimFormat, FimTokens, detect_family, format_for

log = logging.getLogger(__name__)
PROBE = "def probe(x):\n    return x"
CACHE_SIZE = 50_000  # texts (mostly single lines) and their ids


class ServerVocab:
    """Tokenize, detokenize and the model's facts, from the server."""

    def __init__(self, settings: EngineSettings, family: str | None, context_length: int) -> None:
        if not settings.url:
            raise EngineError(f"engine.kind is {settings.kind} but engine.url is empty")
        self.settings = settings
        timeout = httpx.Timeout(10.0, connect=settings.connect_timeout_ms / 1000)
        self._http = httpx.Client(base_url=base_url(settings.url), timeout=timeout)
        self._ids: OrderedDict[tuple[str, bool], list[int]] = OrderedDict()
        self._strip_bos: int | None = None
        self.api = self._find_api()
        self.source = f"{base_url(settings.url)}{self.api.tokenize} (the server's)"
        bos = self._bos()
        served = self._served()
        self.info = _info(self, served, family, context_length, bos)
        fim = self.info.fim
        marks = (fim.pre, fim.suf, fim.mid) if fim else ()
        self._control = {t for t in (bos, *marks, *self.info.stop_ids) if t is not None}

    # -- the engine's vocabulary protocol ------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return self._tokenize(text, special=False)

    def tokenize_special(self, text: str) -> list[int]:
        return self._tokenize(text, special=True)

    def detokenize(self, tokens: Sequence[int], special: bool = False) -> str:
        """The text of `tokens`; without `special`, control tokens left out."""
        ids = [t for t in tokens if special or t not in self._control]
        if not ids:
            return ""
        body = backends.detokenize_body(self.api, ids, self.settings.model)
        return backends.text_of(self.api, self._post(self.api.detokenize, body))

    def close(self) -> None:
        self._http.close()

    # -- the exchange ----------------------------------------------------------------------
    def _tokenize(self, text: str, special: bool) -> list[int]:
        if not text:
            return []
        key = (text, special)
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ask(text, special, bos=False)
            self._ids[key] = ids
            if len(self._ids) > CACHE_SIZE:
                self._ids.popitem(last=False)
        else:
            self._ids.move_to_end(key)
        return list(ids)

    def _ask(
        self, text: str, special: bool, bos: bool, api: TokenizerApi | None = None
    ) -> list[int]:
        api = api or self.api
        body = backends.tokenize_body(api, text, special, bos, self.settings.model)
        ids = backends.tokens_of(self._post(api.tokenize, body))
        if self._strip_bos is not None and ids[:1] == [self._strip_bos] and not bos:
            ids = ids[1:]
        return ids

    def _post(self, path: str, body: Any) -> Any:
        try:
            response = self._http.post(path, json=body, headers=auth_headers(self.settings))
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineUnavailable(describe(exc, self.settings.url)) from exc

    # -- what the server is ------------------------------------------------------------------
    def _find_api(self) -> TokenizerApi:
        """The first tokenizer endpoint of this kind of server that answers a probe."""
        refused: EngineUnavailable | None = None
        for api in backends.TOKENIZER_APIS.get(self.settings.kind, ()):
            try:
                if self._ask(PROBE, special=False, bos=False, api=api):
                    return api
            except EngineUnavailable as exc:
                if isinstance(exc.__cause__, httpx.TransportError):
                    raise  # nothing answers: not a missing endpoint (retried later)
                refused = exc
            except BadAnswer as exc:
                log.debug("no tokenizer at %s: %s", api.tokenize, exc)
        raise EngineError(
            f"{self.settings.url} offers no tokenizer endpoint"
            + (f" ({refused})" if refused else "")
            + ": name a local GGUF of the served model in `model` (docs/remote.md)"
        )

    def _bos(self) -> int | None:
        """The model's start token, if its tokenizer adds one."""
        if self.api.style == "llama-cpp-python":  # adds it to every answer: strip it
            first, second = self._ask("a", False, False), self._ask("b", False, False)
            if len(first) > 1 and len(second) > 1 and first[0] == second[0]:
                self._strip_bos = first[0]
            return self._strip_bos
        plain, with_bos = self._ask("a", False, False), self._ask("a", False, True)
        return with_bos[0] if len(with_bos) > len(plain) else None

    def _served(self) -> ServedModel:
        kind = self.settings.kind
        path = "/props" if kind == EngineKind.LLAMA_SERVER else "/v1/models"
        try:
            response = self._http.get(path, headers=auth_headers(self.settings))
            return backends.served_model(kind, response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("%s did not say which model it runs: %s", self.settings.url, exc)
            return ServedModel()

    def single(self, text: str | None) -> int | None:
        """The id of a control token given by its text, if it is one token."""
        if not text:
            return None
        ids = self.tokenize_special(text)
        return ids[0] if len(ids) == 1 else None


def _info(
    vocab: ServerVocab,
    served: ServedModel,
    family: str | None,
    context_length: int,
    bos: int | None,
) -> EngineInfo:
    """The EngineInfo from the server's facts and our family table (the server's model
    name decides the family; `family`, from the `model` setting, is the fallback)."""
    name = PurePath(served.name).stem if served.name.endswith(".gguf") else served.name
    found = detect_family(name, "", None) if name else None
    family = found if found not in (None, "none") else family
    fmt = format_for(family)
    fim = _fim(vocab, fmt) if fmt else None
    stops = set(fim.stop_ids() if fim else ())
    for text in fmt.stop_texts if fmt else ():
        if (token := vocab.single(text)) is not None:
            stops.add(token)
    if fim is None or not fim.complete:
        log.warning("no FIM tokens for %r (family %s): prefix-only prompts", name, family)
    return EngineInfo(
        name=name or vocab.settings.url,
        family=family,
        fim=fim if fim is not None and fim.complete else None,
        layout=fmt.layout if fmt else (),
        bos=bos,
        context_length=min(context_length, served.context_length or context_length),
        stop_ids=frozenset(stops),
        chat_template=served.chat_template,
        bos_text=served.bos_text,
        eos_text=served.eos_text,
    )


def _fim(vocab: ServerVocab, fmt: FimFormat) -> FimTokens:
    return FimTokens(
        pre=vocab.single(fmt.pre),
        suf=vocab.single(fmt.suf),
        mid=vocab.single(fmt.mid),
        pad=vocab.single(fmt.pad),
        rep=vocab.single(fmt.rep),
        sep=vocab.single(fmt.sep),
    )
