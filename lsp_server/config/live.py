"""The settings in force, in one place: components read `current` when they need a
value, so a change reaches all of them at once; `on_change` callbacks run for the
few that must act on a change (the log level, reloading the model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsp_server.config.settings import Settings, parse_settings


class LiveSettings:
    def __init__(self, settings: Settings | None = None) -> None:
        self.current = settings or Settings()
        self._listeners: list[Callable[[Settings], None]] = []

    def on_change(self, listener: Callable[[Settings], None]) -> None:
        self._listeners.append(listener)

    def update(self, raw: Any) -> list[str]:
        """Merge `raw` (camelCase JSON) into the settings; returns one message per
        rejected field (each keeps its previous value)."""
        self.current, errors = parse_settings(raw, self.current)
        for listener in self._listeners:
            listener(self.current)
        return errors
