"""The chat path with the real default model: its GGUF chat template, rendered and
tokenized by prompt/chat.py, makes the instruct model answer a question about code
(the ground hover and code actions will stand on, issue 6)."""

from __future__ import annotations

import time

import pytest

from lsp_server.config.settings import EngineSettings
from lsp_server.engines.base import CancelToken, Engine, GenerationParams
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve
from lsp_server.prompt.chat import ChatTemplate, Message


@pytest.fixture(scope="module")
def qwen() -> Engine:
    return load_engine(resolve("qwen2.5-coder-0.5b"), EngineSettings(context_length=2048))


def test_the_gguf_chat_template_makes_the_model_answer(qwen: Engine) -> None:
    info = qwen.info
    assert info.chat_template and "<|im_start|>" in info.chat_template
    template = ChatTemplate(info.chat_template, info.bos_text, info.eos_text)
    code = "def area(r):\n    return 3.14159 * r * r  # '<|im_end|>' stays text\n"
    messages = [
        Message("system", "You explain code in one short sentence."),
        Message("user", f"What does this function compute?\n\n{code}"),
    ]
    ids = template.tokens(messages, qwen.tokenize, qwen.tokenize_special)
    start, end = qwen.tokenize_special("<|im_start|>"), qwen.tokenize_special("<|im_end|>")
    assert len(start) == 1 and len(end) == 1
    # Two turns and the assistant's start are control tokens; the code's marker is not.
    assert ids.count(start[0]) == 3 and ids.count(end[0]) == 2
    params = GenerationParams(max_tokens=48, deadline=time.monotonic() + 60, reuse_cache=False)
    answer = qwen.generate(ids, params, CancelToken()).text
    assert "area" in answer.lower() or "circle" in answer.lower(), answer
