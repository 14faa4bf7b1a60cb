"""The settings in force, in one place: components read `current` when they need a
value, so a change reaches all of them at once. Those that must act on a change do so
where the change arrives (features/lifecycle.py: the log level, reloading the model
when its settings differ), not through callbacks."""

from __future__ import annotations

from typing import Any

from lsp_server.config.settings import Settings, parse_settings


class LiveSettings:
    def __init__(self, settings: Settings | None = None) -> None:
        self.current = settings or Settings()

    def update(self, raw: Any) -> list[str]:
        """Merge `raw` (camelCase JSON) into the settings; returns one message per
        rejected field (each keeps its previous value)."""
        self.current, errors = parse_settings(raw, self.current)
        return errors
