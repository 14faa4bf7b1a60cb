"""Issue 12: the workspace as context. A workspace of two files, only one open: the
completion's prompt holds the definition from the other (the server's stats name it),
and the real model's suggestion uses it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.methods import STATS_METHOD
from tests.e2e.conftest import init_params
from tests.e2e.test_server import _inline, _open

HELPERS = '''"""Helpers for pages."""


def slugify_title(title: str) -> str:
    """The title in lower case, its words joined by dashes."""
    return "-".join(title.lower().split())


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill."""
    return -(-total // per_page)
'''

MAIN = '''from pkg import helpers


def page_url(title: str) -> str:
    """The page's URL: /pages/ and the title as a slug."""
    return "/pages/" + helpers.'''


ON = {"context": {"workspace": True}}


def _workspace(root: Path) -> str:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "helpers.py").write_text(HELPERS)
    (root / "main.py").write_text(MAIN)
    return (root / "main.py").as_uri()


def _plain(value: Any) -> Any:
    """pygls hands custom results over as named tuples: as dicts and lists here."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _stats(client: LanguageClient) -> dict[str, Any]:
    return dict(_plain(await client.protocol.send_request_async(STATS_METHOD, {})))


async def _start(client: LanguageClient, root: Path, options: Any = None) -> dict[str, Any]:
    registered: list[types.Registration] = []
    client.registered = registered

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registered.extend(params.registrations)

    params = init_params(options)
    params.root_uri = root.as_uri()
    params.workspace_folders = [types.WorkspaceFolder(root.as_uri(), root.name)]
    await client.initialize_session(params)
    deadline = time.monotonic() + 60
    while True:  # the index is built in the background: wait until it is
        stats = await _stats(client)
        state = stats["workspaceIndex"]["state"]
        if state in ("ready", "off") or time.monotonic() > deadline:
            return dict(stats["workspaceIndex"])
        await asyncio.sleep(0.2)


async def _last_record(client: LanguageClient) -> dict[str, Any]:
    return dict((await _stats(client))["records"][-1])


async def test_the_prompt_holds_a_definition_from_a_file_that_is_not_open(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    uri = _workspace(tmp_path)
    index = await _start(bare_client, tmp_path, ON)
    assert index["state"] == "ready" and index["files"] == 3 and index["definitions"] == 3
    _open(bare_client, uri, "python", MAIN)
    items = await _inline(bare_client, uri, 5, len(MAIN.split("\n")[5]))
    record = await _last_record(bare_client)
    assert "pkg/helpers.py:4" in record["context"], record  # slugify_title's line
    (watch,) = getattr(bare_client, "registered")  # noqa: B009
    assert watch.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert items and "slugify_title(" in items[0], items


async def test_without_the_workspace_setting_only_open_files_count(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    """The default (docs/decisions.md: not yet worth it with the default model)."""
    uri = _workspace(tmp_path)
    index = await _start(bare_client, tmp_path)
    assert index == {"state": "off"}
    _open(bare_client, uri, "python", MAIN)
    await _inline(bare_client, uri, 5, len(MAIN.split("\n")[5]))
    assert (await _last_record(bare_client))["context"] == []
    # Turned on in the editor: the index starts, the next completion uses it.
    bare_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(ON))
    await _definitions_become(bare_client, 3)
    bare_client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )  # else the suggestion cache answers the same cursor again
    _open(bare_client, uri, "python", MAIN)
    await _inline(bare_client, uri, 5, len(MAIN.split("\n")[5]))
    assert "pkg/helpers.py:4" in (await _last_record(bare_client))["context"]


async def _definitions_become(client: LanguageClient, count: int) -> None:
    deadline = time.monotonic() + 30
    while (found := (await _stats(client))["workspaceIndex"]["definitions"]) != count:
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.1)


async def test_files_created_deleted_and_edited_reach_the_index(
    bare_client: LanguageClient, tmp_path: Path
) -> None:
    uri = _workspace(tmp_path)
    await _start(bare_client, tmp_path, ON)
    extra = tmp_path / "pkg" / "extra.py"
    extra.write_text("def extra_one():\n    pass\n")
    changes = [types.FileEvent(extra.as_uri(), types.FileChangeType.Created)]
    bare_client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes))
    await _definitions_become(bare_client, 4)
    (tmp_path / "pkg" / "helpers.py").unlink()
    gone = (tmp_path / "pkg" / "helpers.py").as_uri()
    changes = [types.FileEvent(gone, types.FileChangeType.Deleted)]
    bare_client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes))
    await _definitions_become(bare_client, 2)
    # An open document's own text counts (after a pause in typing), saved or not.
    _open(bare_client, uri, "python", MAIN + "\n\n\ndef second():\n    pass\n")
    await _definitions_become(bare_client, 3)
