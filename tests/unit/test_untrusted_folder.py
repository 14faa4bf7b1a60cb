"""Issue 18 (hardening round 4): opening a folder never runs what the folder
configures and never reads outside it. A folder is an attacker's here: its
`.git/config` names programs, its files are swapped after the scan for a FIFO, a link
to /dev/zero or a link out of the folder, it has ignored files and no git, it holds a
secret in a constant; the index's disk cache is input too."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lsp_server.bench.edit_history import scenarios
from lsp_server.bench.repo_holes import tracked_sources
from lsp_server.workspace import git
from lsp_server.workspace.files import Refused, read_inside
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.indexer import Indexer
from lsp_server.workspace.scan import Limits, sources

HELPERS = "def slugify_title(title):\n    return title.lower()\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _hostile_repository(root: Path, marks: Path) -> None:
    """A repository with history whose config runs a program (it touches a file in
    `marks`) from every hook git offers a folder: fsmonitor, a clean filter, a
    textconv, an external diff, a signature program."""
    root.mkdir()
    marks.mkdir()
    _git(root, "init", "-q")
    (root / ".gitattributes").write_text("*.py filter=evil diff=evil\n")
    (root / "a.py").write_text("def area(width):\n    return width * width\n\n\nx = area(2)\n")
    (root / "ignored.py").write_text("SECRET = 1\n")
    (root / ".gitignore").write_text("ignored.py\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "one")
    (root / "a.py").write_text(
        "def area(width, height):\n    return width * height\n\n\nx = area(2, 3)\n"
    )
    _git(root, "commit", "-qam", "two")
    (root / "a.py").write_text("def area(width, height):\n    return width * height\n")
    for key, name in [
        ("core.fsmonitor", "fsmonitor"),
        ("filter.evil.clean", "clean"),
        ("filter.evil.process", "process"),
        ("diff.evil.textconv", "textconv"),
        ("diff.evil.command", "command"),
        ("diff.external", "external"),
        ("gpg.program", "gpg"),
        ("core.pager", "pager"),
    ]:
        _git(root, "config", key, f"touch {marks / name}; cat")
    _git(root, "config", "log.showSignature", "true")


def test_the_folders_git_config_runs_nothing(tmp_path: Path) -> None:
    root, marks = tmp_path / "repo", tmp_path / "marks"
    _hostile_repository(root, marks)
    listed = [s.relative for s in sources(root, Limits())]
    assert listed == ["a.py"]  # git listed it: ignored.py is ignored
    assert [p.name for p in tracked_sources(root, include_all=True)] == ["a.py"]
    scenarios(root, 4, 0)  # the benchmark's history mining: log, show
    for args in (("diff", "HEAD"), ("log", "-p"), ("show", "HEAD"), ("status",)):
        git.run(root, *args)
    assert sorted(p.name for p in marks.iterdir()) == []
    # Without the runner, git itself runs what the folder says (the test can fail).
    subprocess.run(["git", "status"], cwd=root, capture_output=True, check=False)
    assert (marks / "fsmonitor").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_repository_of_another_user_is_treated_as_git_treats_it(tmp_path: Path) -> None:
    root, marks = tmp_path / "repo", tmp_path / "marks"
    _hostile_repository(root, marks)
    shutil.chown(root, 4242, 4242)
    for path in root.rglob("*"):
        os.lchown(path, 4242, 4242)
    with pytest.raises(git.GitError, match="dubious ownership"):
        git.run(root, "ls-files")
    listed = sorted(s.relative for s in sources(root, Limits()))
    assert listed == ["a.py"]  # walked, .gitignore honoured without git's help
    assert list(marks.iterdir()) == []


def _indexed(root: Path) -> tuple[WorkspaceIndex, str]:
    (root / "helpers.py").write_text(HELPERS)
    index = WorkspaceIndex()
    Indexer(index, [root]).build()
    key = (root / "helpers.py").resolve().as_posix()
    assert index.entry(key) is not None and index.text(key, 10_000) == HELPERS
    return index, key


def _swap(path: Path, how: str, outside: Path) -> None:
    path.unlink()
    if how == "fifo":
        os.mkfifo(path)
    elif how == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.symlink_to(outside)


@pytest.mark.parametrize("how", ["fifo", "zero", "outside"])
def test_a_file_swapped_after_the_scan_is_not_read(tmp_path: Path, how: str) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    outside = tmp_path / "private.py"
    outside.write_text("PRIVATE_KEY_MATERIAL = 1\n")
    index, key = _indexed(root)
    _swap(root / "helpers.py", how, outside)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a hang fails, not blocks
        assert pool.submit(index.text, key, 10_000).result(timeout=10) is None


def test_every_read_checks_what_it_opens(tmp_path: Path) -> None:
    root = (tmp_path / "ws").resolve()
    (root / "sub").mkdir(parents=True)
    (root / "ok.py").write_text("x = 1\n")
    (tmp_path / "out.py").write_text("y = 2\n")
    (root / "sub" / "link.py").symlink_to(root / "ok.py")
    (root / "out_link.py").symlink_to(tmp_path / "out.py")
    (root / "big.py").write_text("z = 3\n" * 100)
    assert read_inside(root, root / "ok.py", 100) == b"x = 1\n"
    assert read_inside(root, root / "sub" / "link.py", 100) == b"x = 1\n"  # inside: fine
    assert isinstance(read_inside(root, root / "out_link.py", 100), Refused)
    assert isinstance(read_inside(root, root / "big.py", 100), Refused)
    assert isinstance(read_inside(root, root / "sub", 100), Refused)
    assert isinstance(read_inside(root, root / "missing.py", 100), Refused)


def test_without_git_the_ignore_files_are_honoured(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    files = {
        "app.py": "x = 1\n",
        "local_settings.py": "PASSWORD = 1\n",
        ".gitignore": "local_settings.py\nbuild_out/\n*.gen.py\n",
        "build_out/made.py": "y = 1\n",
        "pkg/keep.gen.py": "z = 1\n",
        "pkg/.gitignore": "!keep.gen.py\nnotes.py\n",
        "pkg/notes.py": "n = 1\n",
        "pkg/mod.py": "m = 1\n",
        "scratch/.ignore": "*\n",
        "scratch/tmp.py": "t = 1\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    listed = sorted(s.relative for s in sources(root, Limits()))
    assert listed == ["app.py", "pkg/keep.gen.py", "pkg/mod.py"]


SECRETS = '''API_TOKEN = "sk-live-0123456789abcdef"
PORT = 8080


class Config:
    """Settings."""

    password = "hunter2"


def connect(token="sk-default-secret"):
    """Open a connection."""
    return token
'''


def test_the_disk_cache_keeps_no_literal_and_is_private(tmp_path: Path) -> None:
    root, cache = tmp_path / "ws", tmp_path / "cache" / "index"
    root.mkdir()
    (root / "conf.py").write_text(SECRETS)
    index = WorkspaceIndex()
    Indexer(index, [root], cache_dir=cache).build()
    (stored,) = cache.iterdir()
    body = stored.read_text()
    for secret in ("sk-live", "hunter2", "sk-default"):
        assert secret not in body
        assert all(secret not in s.symbol.text for s in index.named("API_TOKEN"))
    shown = {f.symbol.name: f.symbol.text for n in ("API_TOKEN", "Config", "connect")
             for f in index.named(n)}  # fmt: skip
    assert shown["API_TOKEN"] == 'API_TOKEN = "…"'
    assert '"""Settings."""' in shown["Config"] and "password" in shown["Config"]
    assert json.loads(body)["files"]["conf.py"]["path"] == "conf.py"  # JSON, not pickle
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700"
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    os.chmod(cache, 0o755)  # an older slm-ls made it so: made private again
    Indexer(WorkspaceIndex(), [root], cache_dir=cache).build()
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700"


@pytest.mark.parametrize(
    "content",
    [
        b"\x80\x04\x95not json",  # a pickle (what older versions wrote): never loaded
        b'{"version": 2, "root": "/elsewhere", "files": {}}',
        b'{"version": 2, "root": "ROOT", "files": {"a.py": {"path": 3}}}',
        b'{"version": 2, "root": "ROOT", "files": {"a.py": []}}',
        b"[" * 100_000,
    ],
)
def test_a_foreign_or_broken_cache_is_ignored(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    root, cache = (tmp_path / "ws").resolve(), tmp_path / "cache"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    pass\n")
    Indexer(WorkspaceIndex(), [root], cache_dir=cache).build()
    (stored,) = cache.iterdir()
    stored.write_bytes(content.replace(b"ROOT", str(root).encode()))
    index = WorkspaceIndex()
    progress = Indexer(index, [root], cache_dir=cache).build()
    assert progress.files == 1 and progress.from_cache == 0 and index.named("a")


MAIN = (
    "import helpers\n\n\ndef page_url(title):\n    return helpers.slugify_title(title).lower() + "
)
BELOW = "\n" * 30 + "for title in []:\n    print(slugify_title(title).lower(), url)  # {}\n"
NEIGHBOUR = "def slugify_title(title):\n    return title.strip()\n" + BELOW.format("NEIGHBOUR_BODY")
PRIVATE = "def slugify_title(title):\n    return title.strip()\n" + BELOW.format("PRIVATE_BODY")


async def _server_on(root: Path):  # type: ignore[no-untyped-def]
    from tests.support.fake_engine import FakeEngine
    from tests.support.in_process import InProcess

    settings = {"context": {"workspace": True, "diskCache": False}, "completion": {"warm": False}}
    lsp = InProcess(FakeEngine("'/'"), settings)
    params = {
        "capabilities": {},
        "initializationOptions": settings,
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
    }
    assert "result" in await lsp.request("initialize", params)
    lsp.notify("initialized", {})
    assert await _wait(lambda: lsp.server.index.index.ready.is_set())
    return lsp


async def _wait(condition) -> bool:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(500):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return False


async def _prompt_after_completion(lsp, uri: str) -> str:  # type: ignore[no-untyped-def]
    lsp.engine.prompts.clear()
    at = {"line": 4, "character": len(MAIN.split("\n")[-1])}
    params = {"textDocument": {"uri": uri}, "position": at, "context": {"triggerKind": 1}}
    answer = await lsp.answer(lsp.start("textDocument/inlineCompletion", params), timeout=20)
    assert "result" in answer
    return "".join(lsp.engine.detokenize(p) for p in lsp.engine.prompts)


@pytest.mark.parametrize("how", ["fifo", "zero", "outside"])
async def test_what_a_prompt_holds_of_a_swapped_neighbour(tmp_path: Path, how: str) -> None:
    """The probe: the engine logs every prompt; a neighbour swapped after the scan for a
    FIFO or /dev/zero delays nothing, and one swapped for a link out of the folder
    never reaches a prompt, while the real neighbour did."""
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    (root / "helpers.py").write_text(NEIGHBOUR)
    (root / "util.py").write_text(BELOW.format("UTIL_BODY"))  # a neighbour left as it is
    (root / "main.py").write_text(MAIN)
    (tmp_path / "private.py").write_text(PRIVATE)
    lsp = await _server_on(root)
    uri = (root / "main.py").as_uri()
    try:
        _swap(root / "helpers.py", how, tmp_path / "private.py")  # no watcher event
        lsp.open(uri, MAIN)
        prompts = await _prompt_after_completion(lsp, uri)
        assert "UTIL_BODY" in prompts  # neighbours' code is read...
        assert "PRIVATE_BODY" not in prompts  # ...but not through a link out of the folder
    finally:
        lsp.close()


async def test_an_ignored_file_without_git_reaches_no_prompt(tmp_path: Path) -> None:
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    (root / ".gitignore").write_text("helpers.py\n")
    (root / "helpers.py").write_text(NEIGHBOUR)
    (root / "main.py").write_text(MAIN)
    lsp = await _server_on(root)
    uri = (root / "main.py").as_uri()
    try:
        lsp.open(uri, MAIN)
        assert "NEIGHBOUR_BODY" not in await _prompt_after_completion(lsp, uri)
        assert not lsp.server.index.index.named("slugify_title")
    finally:
        lsp.close()
