"""Write the settings of the VS Code extension (editor-configs/vscode/package.json).

`contributes.configuration` mirrors the server's settings tree
(lsp_server/config/settings.py: names, types, defaults, allowed values) with the
descriptions of docs/configuration.md, plus the extension's own `slm-ls.server.*`
(how to start the server). Run after changing either; the test suite runs it
with --check and fails when package.json is out of date.

    python scripts/vscode_settings.py [--check]
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import sys
from pathlib import Path
from typing import Any, get_type_hints

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lsp_server.config import settings as tree  # noqa: E402

PACKAGE = ROOT / "editor-configs" / "vscode" / "package.json"
DOCS = ROOT / "docs" / "configuration.md"
JSON_TYPES = {int: "integer", str: "string", bool: "boolean", str | None: ["string", "null"]}
EXTENSION = {
    "slm-ls.server.command": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "markdownDescription": "The command that starts the server, e.g. "
        '`["/home/me/slm-ls/.venv/bin/slm-ls", "serve"]`. Empty: '
        "`slm-ls.server.python`, then the workspace's `.venv`/`venv`, then `PATH`, "
        "then `~/.local/bin`. The client adds `--stdio`.",
    },
    "slm-ls.server.python": {
        "type": "string",
        "default": "",
        "markdownDescription": "A Python interpreter that has slm-ls installed; the "
        "server is started as `python -m lsp_server serve`.",
    },
}


# Settings that decide where code and secrets go, or which program runs: VS Code takes
# them from user settings only, never from a workspace's .vscode/settings.json
# (docs/configuration.md, "Settings that send code or secrets").
MACHINE_SCOPED = {
    "slm-ls.server.command",
    "slm-ls.server.python",
    "slm-ls.engine.kind",
    "slm-ls.engine.url",
    "slm-ls.engine.apiKeyEnv",
}


def descriptions() -> dict[str, str]:
    """The meaning column of docs/configuration.md's table, by setting name."""
    rows = re.findall(r"^\| `([\w.]+)` \| [^|]* \| (.*) \|$", DOCS.read_text(), re.M)
    return dict(rows)


def _properties(cls: type, path: str, docs: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    hints = get_type_hints(cls)
    for field in dataclasses.fields(cls):
        name = f"{path}{tree.camel(field.name)}"
        hint = hints[field.name]
        if dataclasses.is_dataclass(hint):
            found.update(_properties(hint, f"{name}.", docs))  # type: ignore[arg-type]
            continue
        default = getattr(cls(), field.name)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            entry: dict[str, Any] = {"type": "string", "default": default.value}
            entry["enum"] = [member.value for member in hint]
        else:
            entry = {"type": JSON_TYPES[hint], "default": default}
        entry["markdownDescription"] = docs[name]
        found[f"slm-ls.{name}"] = entry
    return found


def configuration() -> dict[str, Any]:
    properties = dict(EXTENSION)
    properties.update(_properties(tree.Settings, "", descriptions()))
    for name in MACHINE_SCOPED:
        properties[name] = {**properties[name], "scope": "machine"}
    return {"title": "slm-ls", "properties": properties}


def main(argv: list[str]) -> int:
    package = json.loads(PACKAGE.read_text())
    wanted = configuration()
    if "--check" in argv:
        if package["contributes"]["configuration"] != wanted:
            print(f"{PACKAGE} is out of date: run python scripts/vscode_settings.py")
            return 1
        return 0
    package["contributes"]["configuration"] = wanted
    PACKAGE.write_text(json.dumps(package, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
