"""Logging set-up: stderr only (stdout carries the protocol), one level for the package."""

from __future__ import annotations

import logging
import sys

LOGGER = "lsp_server"


def setup(level: str = "warning") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    set_level(level)


def set_level(level: str) -> None:
    logging.getLogger(LOGGER).setLevel(level.upper())
