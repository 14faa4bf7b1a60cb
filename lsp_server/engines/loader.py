"""Choose and load the engine for the current settings."""

from __future__ import annotations

from lsp_server.config.settings import EngineSettings
from lsp_server.engines.base import Engine
from lsp_server.models.resolve import ResolvedModel, check_present


def load_engine(model: ResolvedModel, settings: EngineSettings) -> Engine:
    """Load `model` in process. Raises ModelError (missing file) or EngineError."""
    from lsp_server.engines.llama_cpp import LlamaCppEngine  # heavy import, only when needed

    check_present(model)
    n_ctx = settings.context_length
    if model.entry is not None:
        n_ctx = min(n_ctx, model.entry.context_length)
    return LlamaCppEngine(
        model.path,
        family=model.family,
        n_ctx=n_ctx,
        n_threads=settings.threads,
        n_batch=settings.batch_size,
    )
