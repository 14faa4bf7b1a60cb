"""The llama.cpp engine and the CLI with the real models."""

from __future__ import annotations

import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from lsp_server.config.settings import EngineSettings, Speculation
from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve
from tests.e2e.conftest import slm_ls


@pytest.fixture(scope="module")
def qwen() -> Engine:
    return load_engine(resolve("qwen2.5-coder-0.5b"), EngineSettings(context_length=2048))


def test_fim_tokens_come_from_the_vocabulary(qwen: Engine) -> None:
    info = qwen.info
    assert info.family == "qwen2.5-coder" and info.fim is not None
    assert info.fim.complete and info.fim.rep is not None and info.fim.sep is not None
    assert info.fim.sep in info.stop_ids


def test_user_text_cannot_inject_control_tokens(qwen: Engine) -> None:
    assert qwen.info.fim is not None
    ids = qwen.tokenize("x = '<|fim_middle|><|file_sep|>'")
    assert qwen.info.fim.mid not in ids and qwen.info.fim.sep not in ids
    assert qwen.detokenize(ids) == "x = '<|fim_middle|><|file_sep|>'"


def test_kv_prefix_is_reused_and_limits_hold(qwen: Engine) -> None:
    prompt = qwen.tokenize("def add(a, b):\n    return")
    first = qwen.generate(prompt, GenerationParams(max_tokens=4), CancelToken())
    assert len(first.tokens) <= 4 and first.stop_reason in ("max_tokens", "eog")
    longer = prompt + qwen.tokenize(" a")
    second = qwen.generate(longer, GenerationParams(max_tokens=2), CancelToken())
    assert second.reused_tokens >= len(prompt) - 1
    cancelled = CancelToken()
    cancelled.cancel()
    assert qwen.generate(longer, GenerationParams(), cancelled).stop_reason == "cancelled"


def test_prompt_budget_stops_early_and_keeps_the_progress(qwen: Engine) -> None:
    prompt = qwen.tokenize("def area(width, height):\n    return width * height\n" * 40)
    budget = GenerationParams(prompt_deadline=time.monotonic(), session="budget")
    first = qwen.generate(prompt, budget, CancelToken())
    assert first.stop_reason == "prompt_budget" and first.text == ""
    second = qwen.generate(prompt, GenerationParams(max_tokens=2, session="budget"), CancelToken())
    assert 16 <= second.reused_tokens < len(prompt) - 1  # what the first one processed
    # The first call reports what it processed, not what it had to.
    assert first.evaluated_tokens == second.reused_tokens - first.reused_tokens
    assert second.stop_reason in ("max_tokens", "eog")


def test_forced_prefix_heals_a_backed_off_token(qwen: Engine) -> None:
    tokens = qwen.tokenize("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    ret")
    last = qwen.detokenize(tokens[-1:])
    assert last == " ret"
    params = GenerationParams(max_tokens=6, forced_prefix=last, reuse_cache=False)
    healed = qwen.generate(tokens[:-1], params, CancelToken())
    assert healed.text.startswith(" return a - b"), healed.text


def test_prefix_only_model_loads_without_fim() -> None:
    path = resolve("smollm2-135m").path
    # Given by path (no catalog entry), the context is capped at the model's own 8192.
    engine = load_engine(resolve(str(path)), EngineSettings(context_length=131_072))
    assert engine.info.fim is None and engine.info.context_length == 8192
    prompt = engine.tokenize("def hello():\n    print(")
    params = GenerationParams(max_tokens=8, reuse_cache=False)
    gen = engine.generate(prompt, params, CancelToken())
    assert gen.prompt_tokens == len(prompt) and len(gen.tokens) >= 1
    assert gen.text.strip() and gen.text == engine.detokenize(gen.tokens)
    # Greedy decoding: the same prompt gives the same text.
    assert engine.generate(prompt, params, CancelToken()).text == gen.text
    engine.close()


def test_cli_complete_prints_a_suggestion() -> None:
    result = slm_ls("complete", "examples/fibonacci.py:5:12", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "fibonacci" in result.stdout


def test_the_first_line_of_a_new_go_body_gets_a_suggestion(tmp_path: Path) -> None:
    """Issue 18, item 11: the model's `\t}` closing its own `if` was taken for the
    function's `}` below, and the cut block did not parse: nothing was suggested."""
    source = tmp_path / "g.go"
    source.write_text("package mathx\n\nfunc Max(a int, b int) int {\n\t\n}\n")
    result = slm_ls("complete", f"{source}:4:2", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "no suggestion"


def test_cli_reports_a_missing_model_cleanly() -> None:
    result = slm_ls(
        "complete", "examples/fibonacci.py:5:12", "--model", "/nonexistent/x.gguf", timeout=120
    )
    assert result.returncode == 1 and "/nonexistent/x.gguf" in result.stderr


def test_cli_complete_with_an_engine_that_does_not_answer_fails_in_one_line() -> None:
    """Issue 15, item 19: a traceback used to be printed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    result = slm_ls(
        "complete", "examples/fibonacci.py:5:12", "--engine", "llama-server",
        "--engine-url", f"http://127.0.0.1:{port}/v1", timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slm-ls: "), result.stderr
    assert "Traceback" not in result.stderr and f"127.0.0.1:{port}" in lines[0]


def test_switching_documents_keeps_each_kv_state(qwen: Engine) -> None:
    doc_a = qwen.tokenize("def area(width, height):\n    return width * height\n" * 6)
    doc_b = qwen.tokenize("function total(items) {\n  return items.length;\n}\n" * 6)
    qwen.generate(doc_a, GenerationParams(2, session="a"), CancelToken())
    qwen.generate(doc_b, GenerationParams(2, session="b"), CancelToken())
    back = qwen.generate(
        doc_a + qwen.tokenize("x"), GenerationParams(2, session="a"), CancelToken()
    )
    assert back.reused_tokens >= len(doc_a) - 1  # a's state was parked and restored
    again = qwen.generate(doc_b, GenerationParams(2, session="b"), CancelToken())
    assert again.reused_tokens == len(doc_b) - 1


def test_a_model_file_truncated_under_the_engine_changes_nothing(tmp_path: Path) -> None:
    """The weights were read into memory at load (use_mmap=False): a truncated file
    neither kills the process (SIGBUS, when mapped) nor stops the engine."""
    copy = tmp_path / "small.gguf"
    shutil.copy(resolve("smollm2-135m").path, copy)
    engine = load_engine(resolve(str(copy)), EngineSettings(context_length=512))
    prompt = engine.tokenize("def hello():\n")
    params = GenerationParams(max_tokens=4)
    before = engine.generate(prompt, params, CancelToken()).tokens
    with open(copy, "r+b") as handle:
        handle.truncate(1024)
    assert engine.generate(prompt, params, CancelToken()).tokens == before
    engine.close()


COPYING = [  # prompts whose continuation copies from the prompt, and some that do not
    "def area(width, height):\n    return width * height\n\n\n"
    "def volume(width, height, depth):\n    return area(",
    "ROUTES = {\n    'home': views.home_page,\n    'about': views.about_page,\n"
    "    'contact': views.contact_page,\n}\n\nHANDLERS = {\n    'home': ",
    "import os\n\n\ndef main():\n    print(",
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\n"
    '    def __repr__(self):\n        return f"Point(',
]


def test_speculative_decoding_takes_only_the_guesses_the_model_agrees_with(qwen: Engine) -> None:
    """Prompt lookup guesses, the model checks a batch; the text follows greedy decoding.
    Not bit for bit: llama.cpp's batched kernels round differently from its one-token
    ones (logits differ by up to ~0.3 here), so a long generation can part from the
    one-token run at a later token (docs/decisions.md); the first 12 never did here."""
    guessing = load_engine(
        resolve("qwen2.5-coder-0.5b"),
        EngineSettings(context_length=2048, speculative=Speculation.PROMPT_LOOKUP),
    )
    try:
        drafted = accepted = same = 0
        for text in COPYING:
            prompt = qwen.tokenize(text)
            params = GenerationParams(max_tokens=48, reuse_cache=False)
            guessed = guessing.generate(prompt, params, CancelToken())
            alone = qwen.generate(prompt, params, CancelToken())
            assert alone.drafted_tokens == 0
            assert guessed.tokens[:12] == alone.tokens[:12], text
            same += guessed.tokens == alone.tokens
            drafted += guessed.drafted_tokens
            accepted += guessed.accepted_tokens
            # The cache the guesses left behind serves the next call.
            longer = prompt + guessed.tokens[:3]
            again = guessing.generate(longer, GenerationParams(max_tokens=8), CancelToken())
            assert again.reused_tokens >= len(prompt) and again.tokens
        assert 0 < accepted <= drafted and same >= len(COPYING) - 1
    finally:
        guessing.close()


def test_the_look_ahead_and_the_keystrokes_keep_their_own_kv_states(qwen: Engine) -> None:
    """A document's keystrokes and the idle look-ahead past its suggestion run in two
    sessions: the look-ahead starts from the document's state, the next keystroke
    (typed instead of accepting) finds the document's own state as it left it, and a
    keystroke after accepting starts from the look-ahead's."""
    doc = qwen.tokenize("def area(width, height):\n    return width * height\n" * 6)
    accepted = qwen.tokenize("def volume(width, height, depth):\n    return width * height\n")
    typed = qwen.tokenize("def perimeter(width, height):\n")

    def run(prompt: list[int], session: str, alternate: str) -> int:
        params = GenerationParams(2, session=session, alternate=alternate)
        return qwen.generate(prompt, params, CancelToken()).reused_tokens

    run(doc, "doc", "doc#ahead")
    assert run(doc + accepted, "doc#ahead", "doc") >= len(doc) - 1  # forked from doc
    assert run(doc + typed, "doc", "doc#ahead") >= len(doc) - 1  # its own state, kept
    more = qwen.tokenize("x = 1\n")
    assert run(doc + accepted + more, "doc", "doc#ahead") >= len(doc + accepted) - 1


def test_candidates_part_from_the_greedy_text_and_leave_its_kv_state(qwen: Engine) -> None:
    """Issue 17: several continuations decoded together on the cached prompt. The
    first is the greedy text a single generation gives; the others differ from it
    after a common start; afterwards the KV state is the single generation's (the next
    keystroke reuses the prompt and the greedy tokens), and the other sequences are
    gone (a later single generation is unchanged)."""
    assert qwen.info.candidates
    assert qwen.info.fim is not None
    fim = qwen.info.fim
    before = (
        "def scale(values, factor):\n    result = []\n    for v in values:\n        result.append("
    )
    after = ")\n    return result\n"
    prompt = [fim.pre, *qwen.tokenize(before), fim.suf, *qwen.tokenize(after), fim.mid]
    stop = GenerationParams(max_tokens=16, session="cand", stop_when=lambda t: "\n" in t)
    single = qwen.generate(prompt, stop, CancelToken())
    several = qwen.generate(prompt, replace(stop, candidates=3), CancelToken())
    texts = [c.text for c in several.candidates]
    assert texts[0] == several.text == single.text, texts
    assert len(set(texts)) == 3, texts
    assert all(c.logprob <= 0 and c.tokens for c in several.candidates)
    # The KV state holds the prompt and the greedy tokens: the next keystroke (the
    # greedy text's first character typed) reuses all of the prompt.
    typed = prompt + qwen.tokenize(single.text[:1])
    again = qwen.generate(typed, replace(stop, max_tokens=4), CancelToken())
    assert again.reused_tokens >= len(prompt)
    # Healing: the forced text is spelled once, every candidate starts with it.
    healed = qwen.generate(
        [*prompt[:-1], fim.mid], replace(stop, candidates=3, forced_prefix="v"), CancelToken()
    )
    assert all(c.text.startswith("v") for c in healed.candidates), healed.candidates
    assert qwen.generate(prompt, stop, CancelToken()).text == single.text
