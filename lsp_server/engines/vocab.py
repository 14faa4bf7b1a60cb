"""What a GGUF's vocabulary and metadata say about the model (family, FIM tokens,
stop tokens, chat template), read once for the in-process engine and for remote
engines, which load the vocabulary only (no weights): llama.cpp's `vocab_only`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsp_server.engines.base import EngineError, EngineInfo
from lsp_server.models.families import FimFormat, FimTokens, detect_family, format_for


class _Reader:
    def __init__(
        self, lib: Any, vocab: Any, n_vocab: int, tokenize_special: Callable[[str], list[int]]
    ) -> None:
        self.lib, self.vocab, self.n_vocab = lib, vocab, n_vocab
        self.tokenize_special = tokenize_special

    def token(self, role: str) -> int | None:
        token = int(getattr(self.lib, f"llama_vocab_{role}")(self.vocab))
        return token if 0 <= token < self.n_vocab else None

    def text(self, token: int) -> str:
        raw = self.lib.llama_vocab_get_text(self.vocab, token)
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

    def role_text(self, role: str) -> str:
        token = self.token(role)
        return self.text(token) if token is not None else ""

    def special(self, text: str | None) -> int | None:
        """The id of a control token given by its text, if it is one token in this vocab."""
        if not text:
            return None
        ids = self.tokenize_special(text)
        return ids[0] if len(ids) == 1 else None

    def fim(self, fmt: FimFormat | None) -> FimTokens:
        """FIM ids from the vocabulary's own markers, the family table filling gaps."""

        def pick(role: str, text: str | None) -> int | None:
            found = self.token(role)
            return found if found is not None else self.special(text)

        return FimTokens(
            pre=pick("fim_pre", fmt.pre if fmt else None),
            suf=pick("fim_suf", fmt.suf if fmt else None),
            mid=pick("fim_mid", fmt.mid if fmt else None),
            pad=pick("fim_pad", fmt.pad if fmt else None),
            rep=pick("fim_rep", fmt.rep if fmt else None),
            sep=pick("fim_sep", fmt.sep if fmt else None),
        )


def read_info(
    lib: Any,
    vocab: Any,
    n_vocab: int,
    metadata: dict[str, Any],
    tokenize_special: Callable[[str], list[int]],
    path: Path,
    family: str | None,
    context_length: int,
) -> EngineInfo:
    """The EngineInfo of a model from its vocabulary and GGUF metadata."""
    reader = _Reader(lib, vocab, n_vocab, tokenize_special)
    pre_id = reader.token("fim_pre")
    family = family or detect_family(
        str(metadata.get("general.name", path.stem)),
        str(metadata.get("general.architecture", "")),
        reader.text(pre_id) if pre_id is not None else None,
    )
    fmt = format_for(family)
    fim = reader.fim(fmt) if family != "none" else None
    bos = int(lib.llama_vocab_bos(vocab)) if lib.llama_vocab_get_add_bos(vocab) else None
    stops = set(fim.stop_ids() if fim else ())
    for text in fmt.stop_texts if fmt else ():
        token = reader.special(text)
        if token is not None:
            stops.add(token)
    return EngineInfo(
        name=str(metadata.get("general.name", path.stem)),
        family=family,
        fim=fim if fim is not None and fim.complete else None,
        layout=fmt.layout if fmt else (),
        bos=bos,
        context_length=context_length,
        stop_ids=frozenset(stops),
        chat_template=metadata.get("tokenizer.chat_template") or None,
        bos_text=reader.role_text("bos"),
        eos_text=reader.role_text("eos"),
    )


def tokens_of(model: Any, text: str, special: bool) -> list[int]:
    """`text` as token ids of a llama.cpp model (`Llama` or `LlamaModel`): user code with
    `special=False` (control-token text stays text), our templates with True."""
    if not text:
        return []
    data = text.encode("utf-8", "surrogatepass")
    return list(model.tokenize(data, add_bos=False, special=special))


class GgufVocab:
    """A GGUF's tokenizer and model facts without its weights (a few MB, milliseconds
    to load): what a remote engine needs to build our prompts as token ids."""

    def __init__(self, path: Path, family: str | None, context_length: int) -> None:
        import llama_cpp
        from llama_cpp import _internals

        if not path.is_file():
            raise EngineError(f"tokenizer file not found: {path}")
        self.source = f"{path} (its vocabulary only)"
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        params.use_mmap = False  # nothing stays mapped: a truncated file cannot SIGBUS us
        try:
            self._model = _internals.LlamaModel(path_model=str(path), params=params, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise EngineError(f"cannot read the vocabulary of {path}: {exc}") from exc
        vocab = llama_cpp.llama_model_get_vocab(self._model.model)
        self.info = read_info(
            llama_cpp,
            vocab,
            self._model.n_vocab(),
            self._model.metadata(),
            self.tokenize_special,
            path,
            family,
            context_length,
        )

    def tokenize(self, text: str) -> list[int]:
        return tokens_of(self._model, text, special=False)

    def tokenize_special(self, text: str) -> list[int]:
        return tokens_of(self._model, text, special=True)

    def detokenize(self, tokens: Sequence[int], special: bool = False) -> str:
        """The text of `tokens`; with `special`, control tokens as their text (what a
        server that takes a text prompt must receive)."""
        raw = self._model.detokenize(list(tokens), special=special)
        return bytes(raw).decode("utf-8", "ignore")

    def close(self) -> None:
        self._model.close()
