"""slm-ls: a local, private AI code-completion language server."""

from __future__ import annotations

__version__ = "0.1.0"
