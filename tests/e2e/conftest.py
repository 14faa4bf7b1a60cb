"""End-to-end fixtures: the real `slm-ls serve` process, the real default model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_server.models.catalog import find_entry
from lsp_server.models.pull import pull

ROOT = Path(__file__).resolve().parents[2]
SERVE = [sys.executable, "-m", "lsp_server", "serve"]


def slm_ls(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run the `slm-ls` command (as `python -m lsp_server`) from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "lsp_server", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


MISSING_MODEL = "/nonexistent/slm-ls-test/missing.gguf"


@pytest.fixture(scope="session", autouse=True)
def test_models() -> None:
    """The README's test command pulls these first; pull here too for direct pytest runs."""
    for name in ("qwen2.5-coder-0.5b", "smollm2-135m"):
        entry = find_entry(name)
        assert entry is not None
        pull(entry, show_progress=False)


def init_params(
    options: object = None,
    encodings: list[str] | None = None,
) -> types.InitializeParams:
    caps = client_capabilities("visual-studio-code")
    if encodings is not None:
        caps.general = types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind(e) for e in encodings]
        )
    return types.InitializeParams(capabilities=caps, initialization_options=options)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVE))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[*SERVE, "--model", MISSING_MODEL]))
async def client_missing_model(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(init_params())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVE))
async def bare_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """Not initialized: the test chooses the initialize parameters."""
    yield
    await lsp_client.shutdown_session()
