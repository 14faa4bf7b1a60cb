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


def test_tokenizer_requests_per_server() -> None:
    from lsp_server.engines import backends as b

    assert b.tokenize_body(b.LLAMA_TOKENIZER, "x", special=False, bos=False, model="m") == {
        "content": "x",
        "add_special": False,
        "parse_special": False,
    }
    vllm = b.tokenize_body(b.VLLM_TOKENIZER, "x", special=True, bos=True, model="m")
    assert vllm == {"model": "m", "prompt": "x", "add_special_tokens": True}
    assert b.tokenize_body(b.LCP_TOKENIZER, "x", False, False, "") == {"input": "x", "model": None}
    assert b.detokenize_body(b.LLAMA_TOKENIZER, [1, 2], "m") == {"tokens": [1, 2]}
    assert b.TOKENIZER_APIS["openai"][0] is b.VLLM_TOKENIZER and "ollama" not in b.TOKENIZER_APIS


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        ({"tokens": [1, 2]}, [1, 2]),
        ({"tokens": [{"id": 7, "piece": "def"}]}, [7]),  # llama-server's with_pieces
        ({"count": 2, "max_model_len": 4096, "tokens": [3, 4]}, [3, 4]),  # vLLM
    ],
)
def test_tokenize_answers(data: object, ids: list[int]) -> None:
    from lsp_server.engines.backends import tokens_of

    assert tokens_of(data) == ids


@pytest.mark.parametrize(
    "data", [{}, {"tokens": "1 2"}, {"tokens": [1, "2"]}, {"tokens": [True]}, [1, 2], None]
)
def test_bad_tokenize_answers_are_refused(data: object) -> None:
    from lsp_server.engines.backends import tokens_of

    with pytest.raises(BadAnswer):
        tokens_of(data)


def test_detokenize_answers_and_served_model_facts() -> None:
    from lsp_server.engines import backends as b

    assert b.text_of(b.LLAMA_TOKENIZER, {"content": "def"}) == "def"
    assert b.text_of(b.VLLM_TOKENIZER, {"prompt": "def"}) == "def"
    assert b.text_of(b.LCP_TOKENIZER, {"text": "def"}) == "def"
    with pytest.raises(BadAnswer):
        b.text_of(b.LLAMA_TOKENIZER, {"prompt": "def"})
    props = {
        "model_path": "/m/qwen.gguf",
        "chat_template": "{{ x }}",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "default_generation_settings": {"n_ctx": 2048},
    }
    served = b.served_model("llama-server", props)
    assert served == b.ServedModel("/m/qwen.gguf", 2048, "{{ x }}", "<s>", "</s>")
    models = {"data": [{"id": "Qwen/Qwen2.5-Coder-32B", "max_model_len": 32768}]}
    assert b.served_model("openai", models) == b.ServedModel("Qwen/Qwen2.5-Coder-32B", 32768)
    assert b.served_model("openai", {"data": []}) == b.ServedModel()
    assert b.served_model("llama-server", "garbage") == b.ServedModel()


def test_an_http_error_says_what_was_asked_and_what_to_change() -> None:
    """Issue 15, item 19: `engine.url = http://host:8000/v1` gave bare 404s."""
    import httpx

    from lsp_server.engines.remote import describe

    request = httpx.Request("POST", "http://host:8000/v1/v1/completions")
    error = httpx.HTTPStatusError("404", request=request, response=httpx.Response(404))
    message = describe(error, "http://host:8000/v1")
    assert "POST http://host:8000/v1/v1/completions answered HTTP 404" in message
    assert "engine.url" in message and "engine.kind" in message
