"""Choose and load the engine for the current settings."""

from __future__ import annotations

from lsp_server.config.settings import EngineKind, EngineSettings, Speculation, TokenizerChoice
from lsp_server.engines.base import Engine, EngineError
from lsp_server.engines.draft import DRAFT_TOKENS
from lsp_server.models.resolve import ModelError, ResolvedModel, check_present


def load_engine(model: ResolvedModel, settings: EngineSettings) -> Engine:
    """Load `model` in process — or, for a remote `engine.kind`, its vocabulary only,
    to build prompts for the server. Raises ModelError (missing file) or EngineError."""
    if settings.kind != EngineKind.LOCAL:
        return _remote(model, settings)
    check_present(model)
    from lsp_server.engines.llama_cpp import LlamaCppEngine  # heavy import, only when needed

    n_ctx = settings.context_length
    if model.entry is not None:
        n_ctx = min(n_ctx, model.entry.context_length)
    try:
        return LlamaCppEngine(
            model.path,
            family=model.family,
            n_ctx=n_ctx,
            n_threads=settings.threads,
            adapt_threads=settings.adapt_threads,
            n_batch=settings.batch_size,
            state_cache_bytes=settings.state_cache_mb << 20,
            gpu_layers=settings.gpu_layers,
            draft_tokens=DRAFT_TOKENS if settings.speculative == Speculation.PROMPT_LOOKUP else 0,
        )
    except EngineError as exc:
        fix = (
            f"delete it and run: slm-ls models pull {model.entry.name}"
            if model.entry
            else "check that it is a complete GGUF file"
        )
        raise EngineError(f"{exc} — {fix}") from exc


def _remote(model: ResolvedModel, settings: EngineSettings) -> Engine:
    """A remote engine whose prompts are built with the served model's tokenizer: a
    local GGUF's vocabulary (exact, free), or else the server's /tokenize."""
    from lsp_server.engines.backends import TOKENIZER_APIS
    from lsp_server.engines.remote import RemoteEngine, Vocabulary

    at_hand, asks = model.path.is_file(), settings.kind in TOKENIZER_APIS
    vocab: Vocabulary
    choice = settings.tokenizer
    if choice == TokenizerChoice.SERVER or (
        choice == TokenizerChoice.AUTO and asks and not at_hand
    ):
        from lsp_server.engines.server_vocab import ServerVocab

        vocab = ServerVocab(settings, model.family, settings.context_length)
    else:
        from lsp_server.engines.vocab import GgufVocab

        if not at_hand and not asks:
            raise ModelError(
                f"{model.path} not found, and {settings.kind} offers no tokenizer endpoint: "
                "name a local GGUF of the served model in `model` (Ollama keeps its models "
                "as GGUF files under ~/.ollama/models/blobs; docs/remote.md)"
            )
        check_present(model)
        context = model.entry.context_length if model.entry else settings.context_length
        vocab = GgufVocab(model.path, model.family, min(context, settings.context_length))
    return RemoteEngine(vocab, settings)


def build_id(settings: EngineSettings) -> str:
    """What identifies the engine's speed apart from the CPU: llama.cpp's version, build
    flags and GPU offload in process; the server and its model for a remote engine."""
    if settings.kind != EngineKind.LOCAL:
        return f"{settings.kind.value} {settings.url} {settings.model}".strip()
    try:
        import llama_cpp
    except ImportError:  # no engine here: nothing to measure
        return "llama.cpp missing"
    flags = bytes(llama_cpp.llama_print_system_info()).decode("utf-8", "replace").strip()
    gpu = "gpu" if llama_cpp.llama_supports_gpu_offload() else "cpu"
    return f"llama-cpp-python {llama_cpp.__version__} {gpu} {flags}"
