"""The remote servers' wire formats (engines/backends.py): requests built from our
prompt, streamed lines read back, and anything else refused."""

from __future__ import annotations

import pytest

from lsp_server.engines.backends import Ask, BadAnswer, Chunk, parse, request

ASK = Ask(
    ids=[1, 2, 3],
    text="<|fim_prefix|>x",
    as_tokens=True,
    max_tokens=64,
    stop=["<|endoftext|>"],
    model="qwen",
    slot=1,
    max_ms=900,
    keep_alive="30m",
)


def test_llama_server_gets_token_ids_a_slot_and_prompt_caching() -> None:
    path, body = request("llama-server", ASK)
    assert path == "/completion"
    assert body["prompt"] == [1, 2, 3] and body["cache_prompt"] is True and body["id_slot"] == 1
    assert body["n_predict"] == 64 and body["t_max_predict_ms"] == 900 and body["stream"]


def test_openai_gets_ids_or_text_and_never_a_suffix() -> None:
    path, body = request("openai", ASK)
    assert path == "/v1/completions" and body["prompt"] == [1, 2, 3] and "suffix" not in body
    _, text = request("openai", Ask(**{**ASK.__dict__, "as_tokens": False}))
    assert text["prompt"] == "<|fim_prefix|>x" and text["model"] == "qwen"


def test_ollama_gets_raw_text_and_keep_alive() -> None:
    path, body = request("ollama", ASK)
    assert path == "/api/generate" and body["raw"] is True and body["prompt"] == "<|fim_prefix|>x"
    assert body["keep_alive"] == "30m" and body["options"]["num_predict"] == 64


@pytest.mark.parametrize(
    ("kind", "line", "chunk"),
    [
        ("llama-server", 'data: {"content": "re", "stop": false}', Chunk("re")),
        (
            "llama-server",
            'data: {"content": "", "stop": true, "stop_type": "limit", "tokens_cached": 108,'
            ' "tokens_evaluated": 100, "timings": {"cache_n": 90, "prompt_n": 10,'
            ' "prompt_ms": 5.0, "predicted_ms": 40.0}}',
            Chunk("", True, "max_tokens", 90, 10, 5.0, 40.0),
        ),
        ("openai", 'data: {"choices": [{"text": "turn", "finish_reason": null}]}', Chunk("turn")),
        (
            "openai",
            'data: {"choices": [{"text": "", "finish_reason": "stop"}]}',
            Chunk("", True, "eog"),
        ),
        ("openai", "data: [DONE]", Chunk(done=True, finish="eog")),
        ("ollama", '{"response": " x", "done": false}', Chunk(" x")),
        (
            "ollama",
            '{"response": "", "done": true, "done_reason": "stop", "prompt_eval_count": 12,'
            ' "prompt_eval_duration": 3000000, "eval_duration": 8000000}',
            Chunk("", True, "eog", None, 12, 3.0, 8.0),
        ),
        ("openai", "", None),
        ("openai", ": keep-alive", None),
    ],
)
def test_streamed_lines(kind: str, line: str, chunk: Chunk | None) -> None:
    assert parse(kind, line) == chunk


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        ("openai", "data: {not json"),
        ("openai", "<html>502 Bad Gateway</html>"),
        ("llama-server", 'data: {"something": "else"}'),
        ("ollama", "[1, 2]"),
        ("openai", 'data: {"error": {"message": "model not found"}}'),
    ],
)
def test_anything_else_is_refused(kind: str, line: str) -> None:
    with pytest.raises(BadAnswer):
        parse(kind, line)
