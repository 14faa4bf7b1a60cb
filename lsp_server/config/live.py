"""The settings in force, in one place: components read `current` when they need a
value, so a change reaches all of them at once. Those that must act on a change do so
where the change arrives (features/lifecycle.py: the log level, reloading the model
when its settings differ), not through callbacks.

`current` is what the person set (`base`) with `model: "auto"`'s configuration
(`auto`, tuning/auto.py) under it: a setting the person gave explicitly always wins."""

from __future__ import annotations

from typing import Any

from lsp_server.config.settings import Settings, parse_settings, paths


class LiveSettings:
    def __init__(self, settings: Settings | None = None, explicit: set[str] | None = None) -> None:
        self.base = settings or Settings()
        # Dotted camelCase paths the person set (settings files, the editor, --model).
        self.explicit: set[str] = set(explicit or ())
        self.auto: dict[str, Any] = {}
        self.current = self.base

    def update(self, raw: Any) -> list[str]:
        """Merge `raw` (camelCase JSON) into the settings; returns one message per
        rejected field (each keeps its previous value)."""
        self.base, errors = parse_settings(raw, self.base)
        self.explicit |= paths(raw)
        self._apply()
        return errors

    def set_auto(self, overlay: dict[str, Any]) -> None:
        """Put `model: "auto"`'s configuration under the person's settings."""
        self.auto = overlay
        self._apply()

    def _apply(self) -> None:
        explicit = self.explicit
        if (self.base.model or "auto").strip().lower() == "auto":
            explicit = explicit - {"model"}  # `model: "auto"` asks for the overlay's
        kept = _without(self.auto, explicit, "")
        self.current = parse_settings(kept, self.base)[0] if kept else self.base


def _without(overlay: dict[str, Any], explicit: set[str], prefix: str) -> dict[str, Any]:
    """`overlay` less the paths set explicitly."""
    kept: dict[str, Any] = {}
    for key, value in overlay.items():
        where = f"{prefix}{key}"
        if isinstance(value, dict):
            inner = _without(value, explicit, f"{where}.")
            if inner:
                kept[key] = inner
        elif where not in explicit:
            kept[key] = value
    return kept
