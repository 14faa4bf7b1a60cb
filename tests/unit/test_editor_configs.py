"""The editor configs we document are real files: their commands start our server
and the settings they pass are all valid."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from lsp_server.config.settings import parse_settings

CONFIGS = Path(__file__).resolve().parents[2] / "editor-configs"


def test_helix_config() -> None:
    data = tomllib.loads((CONFIGS / "helix/languages.toml").read_text())
    server = data["language-server"]["slm-ls"]
    assert [server["command"], *server["args"]] == ["slm-ls", "serve"]
    assert parse_settings(server["config"])[1] == []
    assert all("slm-ls" in lang["language-servers"] for lang in data["language"])


def test_helix_config_keeps_helix_default_servers() -> None:
    """A `language-servers` list replaces Helix's built-in one: ours must repeat it
    (recorded from Helix's languages.toml by scripts/helix_languages.py)."""
    data = tomllib.loads((CONFIGS / "helix/languages.toml").read_text())
    fixture = CONFIGS.parent / "tests/fixtures/helix/default-language-servers.json"
    defaults = json.loads(fixture.read_text())["language_servers"]
    ours = {lang["name"]: lang["language-servers"] for lang in data["language"]}
    assert ours == {name: [*servers, "slm-ls"] for name, servers in defaults.items()}
    assert {"python", "rust", "go", "typescript", "c", "cpp"} <= set(ours)


def _lua_table_to_json(lua: str) -> str:
    """Just enough Lua-table-to-JSON for our config's init_options."""
    quoted = re.sub(r"(\w+)\s*=", r'"\1":', lua)
    return re.sub(r",(\s*\})", r"\1", quoted)  # no trailing commas in JSON


def test_neovim_config() -> None:
    lua = (CONFIGS / "neovim/slm-ls.lua").read_text()
    assert 'cmd = { "slm-ls", "serve" }' in lua
    block = re.search(r"init_options = (\{.*?\n  \}),", lua, re.S)
    assert block is not None
    options = json.loads(_lua_table_to_json(block.group(1)))
    assert parse_settings(options)[1] == []
    assert "vim.lsp.inline_completion.enable(true)" in lua
