"""What we know about each model family: FIM control tokens (texts, and the ids
read from a loaded vocabulary), the order they are trained in, stop tokens, and
how a family is recognised. The catalog, the prompt builder and the engines all
read this one registry.

The token strings are a fallback for models whose GGUF vocabulary does not
mark its FIM tokens; the family also decides the order (PSM or SPM), which the
vocabulary cannot tell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FimTokens:
    """Token ids of a model's FIM control tokens (None where the model lacks one)."""

    pre: int | None
    suf: int | None
    mid: int | None
    pad: int | None = None
    rep: int | None = None
    sep: int | None = None

    @property
    def complete(self) -> bool:
        """True when prefix, suffix and middle tokens all exist (FIM is possible)."""
        return None not in (self.pre, self.suf, self.mid)

    def stop_ids(self) -> frozenset[int]:
        """Tokens that end a middle: pad, file separator, repository name."""
        return frozenset(t for t in (self.pad, self.sep, self.rep) if t is not None)


# Layout parts: FIM control tokens by role, and the two text slots.
PRE, SUF, MID = "pre", "suf", "mid"
PREFIX, SUFFIX = "prefix", "suffix"

PSM: tuple[str, ...] = (PRE, PREFIX, SUF, SUFFIX, MID)
# "SPM" as in Bavarian et al. 2022 (variant used by StarCoder and CodeLlama):
# the suffix first, the prefix last so that it runs straight into the middle.
SPM: tuple[str, ...] = (PRE, SUF, SUFFIX, MID, PREFIX)
# Codestral: [SUFFIX]suffix[PREFIX]prefix, no middle token.
SPM_CODESTRAL: tuple[str, ...] = (SUF, SUFFIX, PRE, PREFIX)


@dataclass(frozen=True)
class FimFormat:
    family: str
    pre: str
    suf: str
    mid: str
    pad: str | None = None
    rep: str | None = None  # repository-name token
    sep: str | None = None  # file-separator token
    layout: tuple[str, ...] = PSM
    trained_orders: tuple[str, ...] = ("psm",)
    stop_texts: tuple[str, ...] = ()


FAMILIES: dict[str, FimFormat] = {
    f.family: f
    for f in (
        FimFormat(
            "qwen2.5-coder",
            "<|fim_prefix|>",
            "<|fim_suffix|>",
            "<|fim_middle|>",
            "<|fim_pad|>",
            "<|repo_name|>",
            "<|file_sep|>",
            stop_texts=("<|endoftext|>", "<|im_end|>"),
        ),
        FimFormat(
            "starcoder",
            "<fim_prefix>",
            "<fim_suffix>",
            "<fim_middle>",
            "<fim_pad>",
            "<repo_name>",
            "<file_sep>",
            stop_texts=("<|endoftext|>",),
        ),
        FimFormat(
            "santacoder",
            "<fim-prefix>",
            "<fim-suffix>",
            "<fim-middle>",
            "<fim-pad>",
            stop_texts=("<|endoftext|>",),
        ),
        FimFormat(
            "deepseek-coder",
            "<｜fim▁begin｜>",
            "<｜fim▁hole｜>",
            "<｜fim▁end｜>",
            stop_texts=("<|EOT|>", "<｜end▁of▁sentence｜>"),
        ),
        FimFormat(
            "codellama",
            "▁<PRE>",
            "▁<SUF>",
            "▁<MID>",
            trained_orders=("psm", "spm"),
            stop_texts=("▁<EOT>",),
        ),
        FimFormat(
            "codestral",
            "[PREFIX]",
            "[SUFFIX]",
            "[MIDDLE]",
            layout=SPM_CODESTRAL,
            trained_orders=("spm",),
            stop_texts=("</s>",),
        ),
        FimFormat(
            "codegemma",
            "<|fim_prefix|>",
            "<|fim_suffix|>",
            "<|fim_middle|>",
            sep="<|file_separator|>",
            trained_orders=("psm", "spm"),
            stop_texts=("<|file_separator|>", "<end_of_turn>", "<eos>"),
        ),
    )
}

# Names that map onto a family (CodeQwen1.5 and Granite use StarCoder's tokens).
FAMILY_ALIASES: dict[str, str] = {
    "codeqwen": "starcoder",
    "starcoder2": "starcoder",
    "granite": "starcoder",
    "deepseek-coder-v2": "deepseek-coder",
}


def detect_family(model_name: str, architecture: str, fim_pre_text: str | None) -> str | None:
    """Best guess of a model's family from its GGUF metadata and FIM-prefix token text."""
    name = model_name.lower().replace(" ", "-").replace("_", "-")
    for needle, family in (
        ("qwen2.5-coder", "qwen2.5-coder"),
        ("qwen2.5coder", "qwen2.5-coder"),
        ("codeqwen", "starcoder"),
        ("starcoder", "starcoder"),
        ("granite", "starcoder"),
        ("santacoder", "santacoder"),
        ("deepseek-coder", "deepseek-coder"),
        ("codellama", "codellama"),
        ("code-llama", "codellama"),
        ("codestral", "codestral"),
        ("codegemma", "codegemma"),
    ):
        if needle in name:
            return family
    if fim_pre_text is None:
        return None
    if fim_pre_text == "<|fim_prefix|>":
        return "codegemma" if architecture.startswith("gemma") else "qwen2.5-coder"
    for fmt in FAMILIES.values():
        if fim_pre_text == fmt.pre:
            return fmt.family
    return None


def format_for(family: str | None) -> FimFormat | None:
    if family is None:
        return None
    family = FAMILY_ALIASES.get(family, family)
    return FAMILIES.get(family)
