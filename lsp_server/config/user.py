"""The user settings file: what `slm-ls tune --write` chose, read by the server before
the editor's settings (which win). The person's own file, never a workspace's."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MOST_BYTES = 1_000_000


def user_settings_file() -> Path:
    """$XDG_CONFIG_HOME/slm-ls/settings.json (default ~/.config/slm-ls/settings.json)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "slm-ls" / "settings.json"


def read_user_settings(where: Path | None = None) -> dict[str, Any] | None:
    """The file's settings (camelCase JSON); None when there is none or it cannot be
    read (one log line)."""
    where = where or user_settings_file()
    try:
        if not where.is_file():
            return None
        if where.stat().st_size > MOST_BYTES:
            raise ValueError("larger than 1 MB")
        raw = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("user settings file ignored: %s (%s)", where, exc)
        return None
    if not isinstance(raw, dict):
        log.warning("user settings file ignored: %s (not an object)", where)
        return None
    return raw
