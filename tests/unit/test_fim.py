from __future__ import annotations

import pytest

from lsp_server.models.families import FAMILIES, PSM, SPM, FimTokens, detect_family, format_for
from lsp_server.prompt.fim import build_prompt

TOKENS = FimTokens(pre=1, suf=2, mid=3, pad=4, rep=5, sep=6)
PREFIX, SUFFIX = [10, 11], [20, 21]


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (PSM, [1, 10, 11, 2, 20, 21, 3]),
        (SPM, [1, 2, 20, 21, 3, 10, 11]),
        (FAMILIES["codestral"].layout, [2, 20, 21, 1, 10, 11]),
    ],
)
def test_layouts(layout: tuple[str, ...], expected: list[int]) -> None:
    assert build_prompt(layout, TOKENS, PREFIX, SUFFIX) == expected


def test_bos_and_prefix_only_models() -> None:
    assert build_prompt(PSM, TOKENS, PREFIX, SUFFIX, bos=99)[0] == 99
    assert build_prompt(PSM, None, PREFIX, SUFFIX, bos=99) == [99, 10, 11]
    incomplete = FimTokens(pre=1, suf=None, mid=3)
    assert build_prompt(PSM, incomplete, PREFIX, SUFFIX) == PREFIX


def test_stop_ids() -> None:
    assert TOKENS.stop_ids() == {4, 5, 6}


@pytest.mark.parametrize(
    ("name", "arch", "pre", "family"),
    [
        ("Qwen2.5 Coder 0.5B Instruct", "qwen2", "<|fim_prefix|>", "qwen2.5-coder"),
        ("starcoder2-3b", "starcoder2", "<fim_prefix>", "starcoder"),
        ("CodeQwen1.5-7B", "qwen2", "<fim_prefix>", "starcoder"),
        ("granite-3b-code-base", "llama", None, "starcoder"),
        ("deepseek-coder-1.3b-base", "llama", None, "deepseek-coder"),
        ("CodeLlama-7b-hf", "llama", None, "codellama"),
        ("Codestral-22B-v0.1", "llama", None, "codestral"),
        ("codegemma-2b", "gemma", None, "codegemma"),
        ("some model", "gemma", "<|fim_prefix|>", "codegemma"),
        ("some model", "llama", "<fim-prefix>", "santacoder"),
        ("SmolLM2 135M", "llama", None, None),
    ],
)
def test_detect_family(name: str, arch: str, pre: str | None, family: str | None) -> None:
    assert detect_family(name, arch, pre) == family


def test_spm_orders_follow_training() -> None:
    assert format_for("codestral").trained_orders == ("spm",)  # type: ignore[union-attr]
    assert "spm" in format_for("codellama").trained_orders  # type: ignore[union-attr]
    assert format_for("starcoder2") is FAMILIES["starcoder"]
    assert format_for("none") is None


def test_fim_order_setting_switches_the_layout() -> None:
    from lsp_server.completion.pipeline import complete
    from lsp_server.completion.request import request_for
    from lsp_server.config.settings import CompletionSettings
    from tests.support.fake_engine import MID, PRE, SUF, FakeEngine

    engine = FakeEngine("x\n")
    complete(request_for("a = 1\nb = \nc = 3\n", 10), engine, CompletionSettings(fim_order="spm"))
    prompt = engine.prompts[-1]
    assert prompt[:2] == [PRE, SUF] and prompt.index(MID) < len(prompt) - 1
    assert engine.detokenize(prompt[prompt.index(MID) + 1 :]) == "a = 1\nb ="
