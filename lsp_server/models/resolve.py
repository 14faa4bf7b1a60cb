"""Turn a model setting (a GGUF path or a catalog name) into a file on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lsp_server.models.catalog import DEFAULT_MODEL, CatalogEntry, find_entry


class ModelError(Exception):
    """The model cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class ResolvedModel:
    spec: str
    path: Path
    entry: CatalogEntry | None

    @property
    def family(self) -> str | None:
        return self.entry.family if self.entry else None

    @property
    def shown(self) -> str:
        """What the person chose, as they would recognise it: the catalog name, else
        the file's name (a GGUF's own `general.name` can name another build: the
        0.5B Q4_K_M file calls itself "Qwen2.5 Coder 0.5B Instruct AWQ")."""
        return self.entry.name if self.entry else self.path.name


def cache_dir() -> Path:
    """Where pulled models live: $XDG_CACHE_HOME/slm-ls/models (default ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "slm-ls" / "models"


AUTO = "auto"  # the model chosen for this machine (tuning/auto.py)


def choose_spec(setting: str | None, cli: str | None, env: dict[str, str] | None = None) -> str:
    """The model spec in force: the editor setting, else --model, else $SLM_LS_MODEL,
    else "auto" (so is the word "auto" in any of them)."""
    env = dict(os.environ) if env is None else env
    for candidate in (setting, cli, env.get("SLM_LS_MODEL")):
        if candidate and candidate.strip():
            return AUTO if candidate.strip().lower() == AUTO else candidate.strip()
    return AUTO


def looks_like_path(spec: str) -> bool:
    return spec.endswith(".gguf") or "/" in spec or "\\" in spec or spec.startswith("~")


def resolve(spec: str) -> ResolvedModel:
    """Where `spec` lives on disk (whether or not the file exists yet); "auto" not yet
    decided is the default model.

    Raises ModelError for a name that is neither a path nor in the catalog.
    """
    if spec == AUTO:
        spec = DEFAULT_MODEL
    if looks_like_path(spec):
        return ResolvedModel(spec, Path(spec).expanduser(), None)
    entry = find_entry(spec)
    if entry is None:
        raise ModelError(
            f"Unknown model '{spec}'. Give a path to a .gguf file or a catalog name "
            "(see `slm-ls models list`)."
        )
    return ResolvedModel(spec, cache_dir() / entry.filename, entry)


def check_present(model: ResolvedModel) -> None:
    """Raise ModelError, naming the path and the fix, when the model file is missing."""
    if model.path.is_file():
        return
    if model.entry is not None:
        raise ModelError(
            f"Model '{model.entry.name}' is not downloaded yet (expected at {model.path}). "
            f"Run: slm-ls models pull {model.entry.name}"
        )
    raise ModelError(
        f"Model file not found: {model.path}. Check the path, or use a catalog name "
        "(see `slm-ls models list`)."
    )
