"""model "auto" through the real server and the real model (issue 16): what it chooses
with only the 0.5B on disk, by this machine's measurement when a larger model is on
disk, an explicit model winning, the stats saying why, the probe measuring in idle time
(and yielding to keystrokes), a model that fails to load, a broken profile.

Each server gets a cache folder of its own ($XDG_CACHE_HOME): its models are links to
the real files, its machine profile is written by the test or by the server's probe.
Where the 1.5B was not pulled on this machine, its place holds a link to the 0.5B's
file: the decision and the load are real, the weights are the 0.5B's."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.config.settings import Settings
from lsp_server.models.catalog import find_entry
from lsp_server.models.resolve import cache_dir
from lsp_server.tuning import auto, profile
from lsp_server.tuning.predict import Rates
from tests.e2e.conftest import ROOT, init_params, slm_ls
from tests.e2e.test_server import _inline, _open
from tests.e2e.test_workspace_context import _stats

SMALL, LARGE = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"


def _cache(tmp_path: Path, *names: str, broken: str | None = None) -> Path:
    """A cache folder whose models are links to the real files (`broken`: a file that
    is not a GGUF in that model's place)."""
    models = tmp_path / "cache" / "slm-ls" / "models"
    models.mkdir(parents=True)
    small = cache_dir() / _file(SMALL)
    for name in names:
        real = cache_dir() / _file(name)
        (models / _file(name)).symlink_to(real if real.is_file() else small)
    if broken is not None:
        (models / _file(broken)).write_bytes(b"not a model" * 100)
    return tmp_path / "cache"


def _file(name: str) -> str:
    entry = find_entry(name)
    assert entry is not None
    return entry.filename


def _environment(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SLM_LS_MODEL"}
    return {**env, "XDG_CACHE_HOME": str(cache), "XDG_CONFIG_HOME": str(cache.parent / "config")}


def _write_profile(cache: Path, rates: Rates) -> None:
    """This machine's profile as a probe of the 0.5B would leave it."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    try:
        key = auto.machine_key(Settings())
        kept = profile.Profile(key)
        kept.add(SMALL, profile.Sample(rates, 0.0, time.time()))
        assert profile.dump(profile.profile_file(cache / "slm-ls", key), kept)
    finally:
        os.environ.pop("XDG_CACHE_HOME") if old is None else os.environ.update(XDG_CACHE_HOME=old)


FAST = Rates(491_400_064, 2000.0, 2000.0, 400.0)  # a machine where the 1.5B costs little
SLOW = Rates(491_400_064, 30.0, 30.0, 6.0)  # one where the 1.5B would be late


@asynccontextmanager
async def _server(cache: Path, options: Any = None) -> AsyncIterator[LanguageClient]:
    client = LanguageClient()
    # window/showMessage, kept (a client built here has no default handler for it).
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: client.messages.append(params))
    serve = [sys.executable, "-m", "lsp_server", "serve"]
    await client.start_io(*serve, env=_environment(cache), cwd=str(ROOT))
    try:
        await client.initialize_session(init_params(options))
        yield client
    finally:
        await client.shutdown_session()


async def _auto(client: LanguageClient) -> dict[str, Any]:
    return dict((await _stats(client))["auto"])


async def _loaded(client: LanguageClient) -> str:
    """Complete once (waits for the load) and return the suggestion."""
    text = (ROOT / "examples" / "fibonacci.py").read_text()
    uri = "file:///tmp/auto/fibonacci.py"
    _open(client, uri, "python", text)
    return "".join(await _inline(client, uri, 4, len("    return ")))


async def test_a_fresh_server_with_only_the_small_model_chooses_it_and_measures(
    tmp_path: Path,
) -> None:
    cache = _cache(tmp_path, SMALL)
    async with _server(cache) as client:
        said = await _auto(client)
        assert said["chosen"] == SMALL and "not measured yet" in said["reason"], said
        assert await _loaded(client)
        for _ in range(120):  # the probe runs once the person has paused
            said = await _auto(client)
            if said["probesThisSession"]:
                break
            await asyncio.sleep(0.5)
        assert said["probesThisSession"] >= 1, said
        assert said["chosen"] == SMALL and "ms a keystroke" in said["reason"], said
        measured = next(m for m in said["measured"] if m["model"] == SMALL)
        assert measured["promptShort"] > 0 and measured["decode"] > 0, said
    files = list((cache / "slm-ls" / "machine").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["samples"][SMALL]


async def test_with_the_larger_model_on_disk_the_measurement_decides(tmp_path: Path) -> None:
    for rates, chosen in ((FAST, LARGE), (SLOW, SMALL)):
        cache = _cache(tmp_path / chosen, SMALL, LARGE)
        _write_profile(cache, rates)
        async with _server(cache) as client:
            said = await _auto(client)
            assert said["chosen"] == chosen and said["auto"], said
            assert f"auto: {chosen}, predicted" in said["reason"], said
            assert await _loaded(client)
            said = await _auto(client)
            assert said["chosen"] == chosen, said


async def test_an_explicit_model_wins_and_the_stats_say_so(tmp_path: Path) -> None:
    cache = _cache(tmp_path, SMALL, LARGE)
    _write_profile(cache, FAST)
    async with _server(cache, {"model": SMALL}) as client:
        said = await _auto(client)
        assert said["chosen"] == SMALL and not said["auto"], said
        assert "named in the settings" in said["reason"], said
        assert await _loaded(client)


async def test_typing_stops_the_probe_and_it_resumes_later(tmp_path: Path) -> None:
    cache = _cache(tmp_path, SMALL)
    async with _server(cache) as client:
        text = (ROOT / "examples" / "fibonacci.py").read_text()
        uri = "file:///tmp/auto/typing.py"
        _open(client, uri, "python", text)
        await _inline(client, uri, 4, len("    return "))
        # A pause: the probe starts 2-3 s after the last keystroke and runs for seconds
        # (a short prompt, 32 tokens, up to 2 s of a full one).
        await asyncio.sleep(3.5)
        for column in range(4):  # keystrokes while it runs: each answered
            await _inline(client, uri, 4, column, types.InlineCompletionTriggerKind.Automatic)
            await asyncio.sleep(0.3)
        for _ in range(120):
            said = await _auto(client)
            if said["probesThisSession"]:
                break
            await asyncio.sleep(0.5)
        assert said["probesInterrupted"] >= 1, said  # a keystroke stopped it
        assert said["probesThisSession"] >= 1, said  # and it ran again at the next pause


async def test_a_model_that_fails_to_load_gives_way_to_the_next(tmp_path: Path) -> None:
    cache = _cache(tmp_path, SMALL, broken=LARGE)
    _write_profile(cache, FAST)
    async with _server(cache) as client:
        said = await _auto(client)
        assert said["chosen"] == LARGE, said
        for _ in range(60):
            said = await _auto(client)
            if said["chosen"] == SMALL:
                break
            await asyncio.sleep(0.5)
        assert said["chosen"] == SMALL, said
        assert await _loaded(client)
        messages = [m.message for m in client.messages]  # window/showMessage
    told = [m for m in messages if "could not be loaded" in m]
    assert len(told) == 1 and SMALL in told[0], messages


async def test_a_broken_profile_is_measured_anew(tmp_path: Path) -> None:
    cache = _cache(tmp_path, SMALL, LARGE)
    _write_profile(cache, FAST)
    for found in (cache / "slm-ls" / "machine").glob("*.json"):
        found.write_text("{ broken")
    async with _server(cache) as client:
        said = await _auto(client)
        assert said["chosen"] == SMALL and "not measured yet" in said["reason"], said


def test_tune_refuses_what_it_cannot_replay(tmp_path: Path) -> None:
    missing = slm_ls("tune", str(tmp_path / "missing"), "--dry-run", timeout=120)
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    (tmp_path / "notes.txt").write_text("no source here\n")
    empty = slm_ls("tune", str(tmp_path), "--dry-run", timeout=120)
    assert empty.returncode == 2 and "no source file" in empty.stderr


def test_tune_plans_a_folder_that_is_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text((ROOT / "examples" / "fibonacci.py").read_text())
    planned = slm_ls("tune", str(tmp_path), "--dry-run", "--budget", "120", timeout=120)
    assert planned.returncode == 0, planned.stderr
    assert "not a git repository" in planned.stdout and "shapes.py" in planned.stdout
    assert "expected time" in planned.stdout and "default (auto)" in planned.stdout
