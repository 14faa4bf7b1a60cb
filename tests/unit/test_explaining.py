"""Chat answers on the completion engine (completion/explaining.py): typing pre-empts
them, they restart, finished ones are cached, and a model without a chat template is
refused."""

from __future__ import annotations

import asyncio

import pytest

from lsp_server.completion.request import request_for
from lsp_server.completion.service import CompletionService
from lsp_server.config.settings import CompletionSettings, Settings
from lsp_server.prompt.chat import ChatTemplateError, Message
from lsp_server.runtime.chat import ChatRunner
from lsp_server.runtime.runtime import Runtime
from tests.support.fake_engine import FakeEngine

TEMPLATE = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}[assistant]"
ASK = [Message("user", "What is `f`?")]
DOC = "def f(x):\n    return \n"


def _wired(runtime: Runtime) -> tuple[CompletionService, ChatRunner]:
    """The service and the chat runner over one runtime, wired as the server wires them."""
    runner = ChatRunner(runtime)
    return CompletionService(runtime, runner.preempt), runner


def _service(engine: FakeEngine) -> tuple[CompletionService, ChatRunner]:
    settings = Settings(completion=CompletionSettings(idle_work=False))
    return _wired(Runtime(settings, factory=lambda model, s: engine))


async def test_typing_preempts_an_answer_which_then_restarts_in_its_own_session() -> None:
    engine = FakeEngine("It doubles x.", seconds_per_token=0.02, chat_template=TEMPLATE)
    service, runner = _service(engine)
    answer = asyncio.create_task(runner.answer("doc", ASK, 64, 30.0))
    await asyncio.sleep(0.15)
    await service.suggest("doc", request_for(DOC, DOC.index("return ") + 7))
    done = await answer
    assert done.done and done.text == "It doubles x."
    sessions = [params.session for params in engine.params]
    assert sessions == ["doc#explain", "doc", "doc#explain"]
    assert engine.results[0].stop_reason == "cancelled"  # pre-empted between tokens
    service.stop()
    service.runtime.close()


async def test_a_finished_answer_is_cached() -> None:
    engine = FakeEngine("It doubles x.", chat_template=TEMPLATE)
    service, runner = _service(engine)
    first = await runner.answer("doc", ASK, 64, 30.0)
    again = await runner.answer("other", ASK, 64, 30.0)
    assert (first.cached, again.cached, again.text) == (False, True, "It doubles x.")
    assert len(engine.prompts) == 1
    # The prompt is the template's text with the content inside it.
    assert "".join(chr(t) for t in engine.prompts[0]) == "[user]What is `f`?[assistant]"
    service.stop()
    service.runtime.close()


async def test_a_newer_question_for_the_same_document_cancels_the_older() -> None:
    engine = FakeEngine("A long answer. " * 10, seconds_per_token=0.01, chat_template=TEMPLATE)
    service, runner = _service(engine)
    older = asyncio.create_task(runner.answer("doc", ASK, 200, 30.0))
    await asyncio.sleep(0.05)
    newer = await runner.answer("doc", [Message("user", "And `g`?")], 200, 30.0)
    assert newer.done and not (await older).done
    service.stop()
    service.runtime.close()


async def test_a_model_without_a_chat_template_is_refused() -> None:
    service, runner = _service(FakeEngine("x"))
    with pytest.raises(ChatTemplateError, match="no chat template"):
        await runner.answer("doc", ASK, 64, 30.0)
    service.stop()
    service.runtime.close()


async def test_a_chat_model_answers_beside_the_completion_model() -> None:
    fim = FakeEngine("x * 2")
    chat = FakeEngine("It doubles x.", chat_template=TEMPLATE)
    engines = {"fim.gguf": fim, "chat.gguf": chat}
    settings = Settings(
        model="/models/fim.gguf",
        chat_model="/models/chat.gguf",
        completion=CompletionSettings(idle_work=False),
    )
    service, runner = _wired(Runtime(settings, factory=lambda model, s: engines[model.path.name]))
    answer = await runner.answer("doc", ASK, 64, 30.0)
    await service.suggest("doc", request_for(DOC, DOC.index("return ") + 7))
    assert answer.text == "It doubles x." and len(chat.prompts) == 1
    assert len(fim.prompts) == 1 and not fim.closed and not chat.closed  # both loaded
    # Without chatModel, the completion model answers (and the chat engine is freed).
    service.runtime.live.update({"chatModel": None})
    with pytest.raises(ChatTemplateError):
        await runner.answer("doc", [Message("user", "And `g`?")], 64, 30.0)
    await asyncio.sleep(0.05)
    assert chat.closed and not runner.usable()
    service.stop()
    service.runtime.close()
