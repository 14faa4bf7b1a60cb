"""The workspace index: facts read from files, imports resolved, bad input skipped, the
index kept current, and the context chosen from it (stable while the cursor's names
are covered)."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import pytest

from lsp_server.context.workspace import Block, WorkspaceView, workspace_block
from lsp_server.documents.snapshot import Snapshot
from lsp_server.prompt.builder import PromptCaches
from lsp_server.workspace.chunks import ChunkMemo
from lsp_server.workspace.facts import Import, read_facts
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.indexer import Indexer
from lsp_server.workspace.scan import Limits

HELPERS = '''"""Helpers."""

MAX_TITLE = 80


def slugify_title(title: str, sep: str = "-") -> str:
    """Lower-case `title`, words joined by `sep`."""
    words = title.lower().split()
    return sep.join(words)[:MAX_TITLE]


class Registry:
    def add(self, name: str, value: object) -> None:
        self.items[name] = value
'''

MAIN = """from pkg import helpers
from pkg.helpers import Registry


def page_url(title):
    return "/pages/" + helpers.
"""


def words(text: str) -> list[int]:
    return [0] * len(text.split())


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def built(root: Path, limits: Limits | None = None) -> WorkspaceIndex:
    index = WorkspaceIndex()
    Indexer(index, [root], limits).build()
    return index


def test_python_facts_name_definitions_and_imports() -> None:
    facts = read_facts("pkg/helpers.py", "python", HELPERS.encode(), (0, 0))
    names = {s.name: s for s in facts.symbols}
    assert {"MAX_TITLE", "slugify_title", "Registry", "add"} <= set(names)
    assert names["slugify_title"].text == (
        'def slugify_title(title: str, sep: str = "…") -> str:\n'
        '    """Lower-case `title`, words joined by `sep`."""\n'
        "    ..."
    )
    assert names["add"].member and not names["Registry"].member
    main = read_facts("main.py", "python", MAIN.encode(), (0, 0))
    assert main.imports == (
        Import("pkg", ("helpers",)),
        Import("pkg.helpers", ("Registry",)),
    )


def test_go_and_typescript_facts() -> None:
    go = b"""package render

import (
\t"fmt"
\tj "github.com/x/y/internal/json"
)

// Render writes the body.
type Render interface {
\tRender(w io.Writer) error
}

const plain = "text/plain"

func writeContentType(w io.Writer, value []string) {
\tfmt.Println(value)
}
"""
    facts = read_facts("render/render.go", "go", go, (0, 0))
    texts = {s.name: s.text for s in facts.symbols}
    assert texts["Render"].startswith("// Render writes the body.\ntype Render interface")
    assert texts["writeContentType"] == "func writeContentType(w io.Writer, value []string) { ... }"
    assert "plain" in texts
    assert facts.imports == (
        Import("fmt", alias="fmt"),
        Import("github.com/x/y/internal/json", alias="j"),
    )
    ts = b"""import { a, b as c } from "./util.js";
import * as core from "../core/index";
export const LIMIT = 3;
export type Shape = { size: number };
export function area(s: Shape): number {
  return s.size;
}
"""
    facts = read_facts("src/shape.ts", "typescript", ts, (0, 0))
    assert {s.name for s in facts.symbols} == {"LIMIT", "Shape", "area"}
    assert facts.imports == (
        Import("./util.js", ("a", "b")),
        Import("../core/index", (), alias="core"),
    )


def test_imports_resolve_to_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/helpers.py": HELPERS,
            "pkg/sub/user.py": "from ..helpers import slugify_title\nfrom . import peer\n",
            "pkg/sub/peer.py": "X = 1\n",
            "main.py": MAIN,
            "web/src/util.ts": "export function a() {}\n",
            "web/src/core/index.ts": "export const k = 1;\n",
            "web/src/app/main.ts": (
                'import { a } from "../util.js";\nimport * as c from "../core";\n'
            ),
            "render/render.go": "package render\nfunc R() {}\n",
            "render/render_test.go": "package render\n",
            "cmd/main.go": 'package main\nimport "github.com/x/y/render"\n',
        },
    )
    index = built(tmp_path)
    root = tmp_path.resolve().as_posix()

    def resolved(path: str, language: str) -> list[str]:
        key = f"{root}/{path}"
        entry = index.entry(key)
        assert entry is not None
        return [k[len(root) + 1 :] for k in index.resolve(key, language, entry.facts.imports)]

    assert resolved("main.py", "python") == ["pkg/__init__.py", "pkg/helpers.py"]
    assert resolved("pkg/sub/user.py", "python") == ["pkg/helpers.py", "pkg/sub/peer.py"]
    assert resolved("web/src/app/main.ts", "typescript") == [
        "web/src/util.ts",
        "web/src/core/index.ts",
    ]
    assert resolved("cmd/main.go", "go") == ["render/render.go"]


def test_bad_files_are_skipped_with_one_log_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "ws"
    outside = tmp_path / "outside"
    write(root, {"good.py": "def good():\n    pass\n"})
    write(outside, {"secret.py": "def secret():\n    pass\n", "lib/leak.py": "LEAK = 1\n"})
    (root / "binary.py").write_bytes(b"x = 1\n\x00\x01\x02")
    (root / "min.js").write_text("var a=" + "1+" * 2000 + "1;\n")
    with (root / "huge.py").open("wb") as handle:  # 200 MB, sparse: costs no disk
        handle.truncate(200 * 1024 * 1024)
    (root / "link_out.py").symlink_to(outside / "secret.py")
    (root / "dir_out").symlink_to(outside / "lib", target_is_directory=True)
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    for use_git in (False, True):
        if use_git:
            subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="lsp_server.workspace"):
            index = built(root)
        names = sorted(Path(k).name for k in index.paths())
        assert names == ["good.py"], use_git
        skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
        for name in ("binary.py", "min.js", "huge.py", "link_out.py", "loop_a.py", "dangling.py"):
            assert sum(f" {name}:" in line for line in skipped) == 1, (name, skipped)
        assert not any("secret" in line or "leak" in line for line in skipped)


def test_file_count_and_size_limits(tmp_path: Path) -> None:
    write(tmp_path, {f"m{i}.py": f"def f{i}():\n    pass\n" for i in range(5)})
    write(tmp_path, {"big.py": "X = 1\n" * 1000})
    assert len(built(tmp_path, Limits(max_files=3))) == 3
    assert "big.py" not in {
        Path(k).name for k in built(tmp_path, Limits(max_file_bytes=100)).paths()
    }


def test_the_index_follows_edits_changes_and_deletions(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "def first():\n    pass\n"})
    index = WorkspaceIndex()
    indexer = Indexer(index, [tmp_path])
    indexer.build()
    key = (tmp_path / "a.py").resolve().as_posix()
    assert [f.symbol.name for f in index.defined_in(key)] == ["first"]
    (tmp_path / "a.py").write_text("def second():\n    pass\n")
    indexer.refresh(str(tmp_path / "a.py"))
    assert [f.symbol.name for f in index.defined_in(key)] == ["second"]
    indexer._put_text(str(tmp_path / "a.py"), "def typed_in_editor():\n    pass\n")
    assert index.named("typed_in_editor") and not index.named("second")
    (tmp_path / "a.py").unlink()
    indexer.refresh(str(tmp_path / "a.py"))
    assert index.entry(key) is None


def test_the_disk_cache_is_used_when_path_mtime_and_size_match(tmp_path: Path) -> None:
    root, cache = tmp_path / "ws", tmp_path / "cache"
    write(root, {"a.py": "def a():\n    pass\n", "b.py": "def b():\n    pass\n"})
    assert Indexer(WorkspaceIndex(), [root], cache_dir=cache).build().from_cache == 0
    (root / "b.py").write_text("def b2():\n    pass\n")
    index = WorkspaceIndex()
    progress = Indexer(index, [root], cache_dir=cache).build()
    assert progress.from_cache == 1 and index.named("b2") and not index.named("b")
    (cache / next(p.name for p in cache.iterdir())).write_bytes(b"not a pickle")
    assert Indexer(WorkspaceIndex(), [root], cache_dir=cache).build().files == 2
    assert oct(os.stat(next(cache.iterdir())).st_mode & 0o777) == "0o600"


def test_the_block_holds_what_the_module_being_typed_offers(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/helpers.py": HELPERS, "main.py": MAIN})
    index = built(tmp_path)
    key = (tmp_path / "main.py").resolve().as_posix()
    document = Snapshot.parse(MAIN, "python")
    block = workspace_block(WorkspaceView(index, key, 1024), document, len(MAIN) - 1, words)
    codes = "\n".join(s.code for s in block.snippets)
    assert "def slugify_title(title: str" in codes and "class Registry" in codes
    assert all(s.path == "pkg/helpers.py" for s in block.snippets)
    assert "slugify_title" in block.names
    small = workspace_block(WorkspaceView(index, key, 0), document, len(MAIN) - 1, words)
    assert small == Block()


def test_the_block_stays_while_it_covers_the_names_near_the_cursor() -> None:
    caches = PromptCaches(words)
    first = Block(names=frozenset({"a", "b"}), wanted=frozenset({"a"}))
    assert caches.workspace_block("doc", first) is first
    same_names = Block(names=frozenset({"b"}), wanted=frozenset({"b"}))
    assert caches.workspace_block("doc", same_names) is first  # still covered: kept
    new_name = Block(names=frozenset({"c"}), wanted=frozenset({"c"}))
    assert caches.workspace_block("doc", new_name) is new_name
    assert caches.head_changed("doc", [1, 2]) and not caches.head_changed("doc", [1, 2])


def test_workspace_folders_added_and_removed(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write(first, {"a.py": "def in_one():\n    pass\n"})
    write(second, {"b.py": "def in_two():\n    pass\n"})
    index = WorkspaceIndex()
    indexer = Indexer(index, [first])
    indexer.build()
    indexer.folder_added(str(second))
    indexer._apply_next()
    assert index.named("in_one") and index.named("in_two")
    indexer.folder_removed(str(first))
    indexer._apply_next()
    assert not index.named("in_one") and index.named("in_two")


def test_a_file_is_cut_into_chunks_once_per_version() -> None:
    memo = ChunkMemo()
    reads: list[str] = []

    def read() -> str:
        reads.append("read")
        return "alpha_one = beta_two(gamma_three)\n" * 30

    first = memo.chunks("/ws/a.py", (1, 10), read)
    assert first and memo.chunks("/ws/a.py", (1, 10), read) is first and len(reads) == 1
    memo.chunks("/ws/a.py", (2, 10), read)  # a new version: read again
    assert len(reads) == 2 and memo.chunks("/ws/gone.py", (1, 1), lambda: None) == []


def test_cross_file_holes_sit_at_the_first_use_of_each_name(tmp_path: Path) -> None:
    from lsp_server.bench.repo_holes import cross_file_tasks

    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/helpers.py": HELPERS,
            "main.py": (
                "from pkg import helpers\n\n\n"
                "def first(title):\n    return helpers.slugify_title(title)\n\n\n"
                "def second(title):\n    return helpers.slugify_title(title, sep='_')\n"
            ),
        },
    )
    index = built(tmp_path)
    main = tmp_path / "main.py"
    holes = {
        task.middle
        for seed in range(8)
        for task in cross_file_tasks(tmp_path, [main], index, 4, seed)
    }
    # the second call could be copied from the first: never a hole
    assert holes == {"slugify_title(title)"}
