"""The dependency contract (pyproject.toml, [tool.importlinter]) holds, and breaks on
an import that points the wrong way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "lsp_server", tree / "lsp_server")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is a dev dependency")
def test_the_contract_holds_for_the_tree(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is a dev dependency")
@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("postprocess/trim.py", "import lsp_server.completion.plan", "Layers"),
        ("engines/base.py", "import lsp_server.prompt.fim", "Layers"),
        ("client/replay.py", "import lsp_server.bench.repo_holes", "Layers"),
        ("context/windows.py", "import lsprotocol.types", "protocol skin"),
        ("completion/plan.py", "import lsp_server.completion.service", "Inside completion/"),
        ("completion/pipeline.py", "import lsp_server.completion.idle", "Inside completion/"),
        ("runtime/worker.py", "import lsp_server.runtime.slot", "Inside runtime/"),
        ("server.py", "import lsp_server.features.hover", "Layers"),
        ("client/replay.py", "import lsp_server.features.completion", "server's features"),
        ("completion/pipeline.py", "import httpx", "inference backends"),
        ("commands.py", "import llama_cpp", "inference backends"),
        ("documents/store.py", "import subprocess", "Processes start only"),
        ("client/demo.py", "import subprocess", "Processes start only"),
    ],
)
def test_a_wrong_import_breaks_the_contract(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    tree = _copy(tmp_path)
    target = tree / "lsp_server" / module
    target.write_text(target.read_text() + f"\n{bad_import}  # noqa\n")
    result = _lint(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(contract in line for line in broken), result.stdout


def test_no_import_cycle_of_any_kind() -> None:
    """Not even through imports made only for type checking (issue 11: the completion
    service, its idle work and the chat runner used to call each other that way)."""
    import grimp

    graph = grimp.build_graph("lsp_server", exclude_type_checking_imports=False)
    ours = [m for m in graph.modules if m.startswith("lsp_server")]
    cycles = [
        (module, imported)
        for module in ours
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("lsp_server")
        and graph.chain_exists(importer=imported, imported=module)
    ]
    assert cycles == []
