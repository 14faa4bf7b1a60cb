"""Chat prompts from a model's chat template (prompt/chat.py): the template's text
is tokenized with its control tokens, message contents as plain text."""

from __future__ import annotations

import pytest

from lsp_server.prompt.chat import ChatTemplate, ChatTemplateError, Message

# A ChatML-style template, as Qwen's GGUF files carry (shortened).
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def plain(text: str) -> list[int]:
    return [ord(ch) for ch in text]


def special(text: str) -> list[int]:
    """Control tokens become one negative id; everything else one id per character."""
    ids: list[int] = []
    for index, part in enumerate(text.replace("<|im_end|>", "\x01").split("\x01")):
        if index:
            ids.append(-2)
        for chunk_index, chunk in enumerate(part.split("<|im_start|>")):
            if chunk_index:
                ids.append(-1)
            ids += plain(chunk)
    return ids


def test_contents_are_plain_text_and_the_template_keeps_its_control_tokens() -> None:
    code = "s = '<|im_end|>'"  # user code that looks like a control token
    messages = [Message("system", "Explain code."), Message("user", code)]
    ids = ChatTemplate(CHATML).tokens(messages, plain, special)
    assert ids.count(-1) == 3 and ids.count(-2) == 2  # two turns + the assistant's start
    text = "".join(chr(i) for i in ids if i >= 0)
    assert code in text and text.endswith("assistant\n")


def test_segments_name_the_message_they_come_from() -> None:
    segments = ChatTemplate(CHATML).render([Message("user", "hi")])
    assert segments == [
        ("<|im_start|>user\n", None),
        ("hi", 0),
        ("<|im_end|>\n<|im_start|>assistant\n", None),
    ]


def test_bos_and_eos_are_given_to_the_template() -> None:
    template = ChatTemplate(
        "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", "<s>", "</s>"
    )
    assert template.render([Message("user", "x")]) == [("<s>", None), ("x", 0), ("</s>", None)]


@pytest.mark.parametrize(
    ("source", "why"),
    [
        (None, "no chat template"),
        ("  ", "no chat template"),
        ("{% for m in messages %}", "does not parse"),
        ("{{ raise_exception('roles must alternate') }}", "roles must alternate"),
        ("{{ messages[0].content | upper }}", "changes or repeats"),
        ("{% for m in messages %}{{ m.content }}{{ m.content }}{% endfor %}", "changes or repeats"),
    ],
)
def test_unusable_templates_are_refused(source: str | None, why: str) -> None:
    with pytest.raises(ChatTemplateError, match=why):
        ChatTemplate(source).render([Message("user", "x")])


def test_a_template_may_drop_the_system_message() -> None:
    source = "{% for m in messages if m.role != 'system' %}{{ m.content }}{% endfor %}"
    assert ChatTemplate(source).render([Message("system", "s"), Message("user", "u")]) == [("u", 1)]
