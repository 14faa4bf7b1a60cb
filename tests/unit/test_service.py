"""The completion service: supersession, cancellation, typing-through, modes."""

from __future__ import annotations

import asyncio

import pytest

from lsp_server.completion.pipeline import complete
from lsp_server.completion.request import request_for
from lsp_server.completion.service import CompletionService
from lsp_server.config.settings import CompletionSettings, Settings
from lsp_server.runtime.runtime import Runtime
from tests.support.fake_engine import FakeEngine

DOC = "def f(x):\n    return \n"
CURSOR = DOC.index("return ") + len("return ")


def _service(engine: FakeEngine, mode: str = "full", idle: bool = False) -> CompletionService:
    settings = Settings(completion=CompletionSettings(mode=mode, idle_work=idle))
    return CompletionService(Runtime(settings, factory=lambda model, s: engine))


async def test_a_newer_request_for_the_same_document_supersedes_the_older() -> None:
    engine = FakeEngine(" x * 2 + 1 if x else 0\n", seconds_per_token=0.02)
    service = _service(engine)
    first = asyncio.create_task(service.suggest("a", request_for(DOC, CURSOR)))
    await asyncio.sleep(0.1)
    typed = DOC[:CURSOR] + "y" + DOC[CURSOR:]
    second = await service.suggest("a", request_for(typed, CURSOR + 1))
    older = await first
    assert older.generation is not None and older.generation.stop_reason == "cancelled"
    assert second.generation is not None and second.generation.stop_reason != "cancelled"
    service.stop()
    service.runtime.close()


async def test_cancelling_the_request_stops_the_generation() -> None:
    engine = FakeEngine(" x" * 200 + "\n", seconds_per_token=0.01)
    service = _service(engine)
    task = asyncio.create_task(service.suggest("a", request_for(DOC, CURSOR)))
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.sleep(0.05)
    # The worker is free again quickly: the cancelled generation stopped between tokens.
    engine.seconds_per_token = 0
    engine.answer = " 1\n"
    done = await asyncio.wait_for(service.suggest("b", request_for(DOC, CURSOR)), 1.0)
    assert done.text == "1"
    service.stop()
    service.runtime.close()


async def test_typing_through_answers_from_the_cache_without_a_model_call() -> None:
    engine = FakeEngine(" x * 2\n")
    service = _service(engine)
    first = await service.suggest("a", request_for(DOC, CURSOR))
    assert first.text == "x * 2" and len(engine.prompts) == 1
    typed = DOC[:CURSOR] + "x *" + DOC[CURSOR:]
    rest = await service.suggest("a", request_for(typed, CURSOR + 3))
    assert rest.text == " 2" and rest.cached and len(engine.prompts) == 1
    records = list(service.stats.records)
    assert [r.cache_hit for r in records] == [False, True]
    service.forget("a")
    await service.suggest("a", request_for(typed, CURSOR + 3))
    assert len(engine.prompts) == 2
    service.stop()
    service.runtime.close()


async def test_naive_mode_never_uses_the_cache() -> None:
    engine = FakeEngine(" x * 2\n")
    service = _service(engine, mode="naive")
    await service.suggest("a", request_for(DOC, CURSOR))
    await service.suggest("a", request_for(DOC, CURSOR))
    assert len(engine.prompts) == 2 and not any(r.cache_hit for r in service.stats.records)
    service.stop()
    service.runtime.close()


def test_deadline_keeps_only_finished_lines() -> None:
    text = "def f(x):\n    \n"
    engine = FakeEngine("a = 1\n    b = 2\n    c = 3", deadline_after=20)
    suggestion = complete(request_for(text, 14), engine, CompletionSettings())
    assert suggestion.text == "a = 1\n    b = 2"
    single = FakeEngine(" x * 2 + 1\n", deadline_after=4)
    assert complete(request_for(DOC, CURSOR), single, CompletionSettings()).text == ""


async def _idle_done(service: CompletionService) -> None:
    done, loop = asyncio.Event(), asyncio.get_running_loop()
    service.runtime.run_idle(lambda loaded: None).add_done_callback(
        lambda _: loop.call_soon_threadsafe(done.set)
    )
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0.01)  # the idle result is stored on the event loop


async def test_the_suggestion_after_an_accepted_one_is_ready_when_it_is_accepted() -> None:
    engine = FakeEngine(" x * 2\n")
    service = _service(engine, idle=True)
    first = await service.suggest("a", request_for(DOC, CURSOR))
    await _idle_done(service)  # the person pauses: the follow-up is computed
    assert first.text == "x * 2" and len(engine.prompts) == 2
    accepted = DOC[:CURSOR] + first.text + DOC[CURSOR:]
    engine.answer = " + 1\n"
    after = await service.suggest("a", request_for(accepted, CURSOR + len(first.text)))
    assert after.cached and after.text == " x * 2"  # what the idle job's model said
    assert len(engine.prompts) == 2  # no model call while the person waited
    # The look-ahead ran in a KV session of its own, beside the document's: a keystroke
    # typed instead of accepting finds the document's state as it left it.
    sessions = [(p.session, p.alternate) for p in engine.params]
    assert sessions == [("a", "a#ahead"), ("a#ahead", "a")]


async def test_a_new_keystroke_stops_idle_work() -> None:
    engine = FakeEngine(" x" * 100 + "\n", seconds_per_token=0.01)
    service = _service(engine, idle=True)
    await service.suggest("a", request_for(DOC, CURSOR))  # ~1 s of generation
    await asyncio.sleep(0.1)  # the follow-up is being generated now
    engine.answer, engine.seconds_per_token = " y\n", 0
    typed = DOC[:CURSOR] + "z" + DOC[CURSOR:]
    second = await service.suggest("a", request_for(typed, CURSOR + 1))
    assert second.text == " y"
    # The follow-up of the first answer stopped between tokens, unfinished.
    assert [r.stop_reason for r in engine.results] == ["eog", "cancelled", "stop_when"]
    service.stop()
    service.runtime.close()


async def test_a_quick_answer_is_followed_by_warming_the_full_prompt() -> None:
    engine = FakeEngine(" x * 2\n", cold_seconds=10.0)  # the full prompt is cold
    service = _service(engine, idle=True)
    first = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    assert first.warming and first.text == "x * 2"
    await _idle_done(service)  # the person pauses
    # The idle job processed the full prompt in the document's own session (never the
    # quick start again), a slice at a time.
    quick, warm = engine.params
    assert quick.session == "a#quick" and quick.prompt_deadline is None
    assert warm.session == "a" and warm.prompt_deadline is not None
    service.stop()
    service.runtime.close()


async def test_a_load_the_inference_server_failed_is_tried_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A remote engine asks the server for its tokenizer when it loads: a server that
    was down then is asked again (after LOAD_RETRY_S), not given up on."""
    from lsp_server.engines.base import EngineError, EngineUnavailable
    from lsp_server.runtime import slot as slot_module

    engine, attempts = FakeEngine(" x\n"), []

    def factory(model: object, settings: object) -> FakeEngine:
        attempts.append(1)
        if len(attempts) == 1:
            raise EngineUnavailable("the engine at http://127.0.0.1:1 cannot be reached")
        return engine

    monkeypatch.setattr(slot_module, "LOAD_RETRY_S", 0.0)
    service = CompletionService(Runtime(Settings(), factory=factory))
    with pytest.raises(EngineUnavailable):
        await service.runtime.engine()
    assert await service.runtime.engine() is engine and len(attempts) == 2

    def broken(model: object, settings: object) -> FakeEngine:
        attempts.append(1)
        raise EngineError("cannot load: not a GGUF")

    other = CompletionService(Runtime(Settings(), factory=broken))
    for _ in range(2):
        with pytest.raises(EngineError):
            await other.runtime.engine()
    assert len(attempts) == 3  # a model that cannot load is not retried
    service.stop()
    service.runtime.close()
    other.stop()
    other.runtime.close()


async def test_a_cursor_warms_the_short_then_the_full_prompt_before_the_first_keystroke() -> None:
    engine = FakeEngine(" x * 2\n", cold_seconds=10.0)  # cold: a keystroke would go quick
    service = _service(engine, idle=True)
    service.warm("a", request_for(DOC, CURSOR))
    assert engine.prompts == []  # no model loaded yet: the place waits for it
    await service.runtime.engine()
    service.loaded()
    await _idle_done(service)  # the person has not typed yet
    # Issue 18, item 8: the short prompt first (a rest covers it on any machine).
    short, warm = engine.params
    assert short.session == "a#quick" and short.max_tokens == 1
    assert warm.session == "a" and warm.prompt_deadline is not None  # idle slices
    # The first keystroke there is answered from what the idle time computed.
    first = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    assert first.cached and first.text == "x * 2" and len(engine.prompts) == 2
    service.warm("a", request_for(DOC, CURSOR))  # the cache has it: no more work
    await _idle_done(service)
    assert len(engine.prompts) == 3  # only the follow-up of the shown suggestion
    service.stop()
    service.runtime.close()


async def test_a_keystroke_after_a_rest_answers_from_the_warm_short_prompt() -> None:
    engine = FakeEngine(" x * 2\n", cold_seconds=10.0)  # the full prompt stays cold
    service = _service(engine, idle=True)
    await service.runtime.engine()
    service.warm("a", request_for(DOC, CURSOR))
    await _idle_done(service)
    typed = DOC[:CURSOR] + "y" + DOC[CURSOR:]
    answer = await service.suggest("a", request_for(typed, CURSOR + 1, invoked=False))
    assert answer.warming and engine.params[2].session == "a#quick"
    service.stop()
    service.runtime.close()


async def test_a_cancelled_request_leaves_a_record() -> None:
    engine = FakeEngine(" x" * 100 + "\n", seconds_per_token=0.01)
    service = _service(engine)
    task = asyncio.ensure_future(service.suggest("a", request_for(DOC, CURSOR)))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (record,) = service.stats.records
    assert record.skipped == "cancelled"
    service.stop()
    service.runtime.close()


def _cascade(big: FakeEngine, small: FakeEngine) -> CompletionService:
    engines = {"big.gguf": big, "small.gguf": small}
    settings = Settings(
        model="/models/big.gguf",
        fast_model="/models/small.gguf",
        completion=CompletionSettings(idle_work=True),
    )
    runtime = Runtime(settings, factory=lambda model, s: engines[model.path.name])
    return CompletionService(runtime)


async def test_the_fast_model_answers_while_the_model_is_cold() -> None:
    big, small = FakeEngine(" big\n", cold_seconds=10.0), FakeEngine(" small\n")
    service = _cascade(big, small)
    first = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    # The fast model answered from its own full prompt, in the document's session.
    assert (first.text, first.fast, first.warming) == ("small", True, True)
    assert [p.session for p in small.params] == ["a"] and big.params == []
    await _idle_done(service)  # the person pauses: the idle time warms the model,
    await _idle_done(service)  # its short prompt first, then its full one
    assert [p.session for p in big.params] == ["a#quick", "a"]
    # Its short prompt warm, its full one not yet: the model answers from the short one.
    big.prompt_seconds = lambda ids, session, alternate="": (
        0.0 if session.endswith("#quick") else 10.0
    )  # type: ignore[method-assign]
    typed = DOC[:CURSOR] + "z" + DOC[CURSOR:]
    second = await service.suggest("a", request_for(typed, CURSOR + 1, invoked=False))
    assert (second.text.strip(), second.fast, second.warming) == ("big", False, True)
    assert big.params[-1].session == "a#quick"
    big.prompt_seconds = lambda ids, session, alternate="": 0.0  # type: ignore[method-assign]
    typed = typed[: CURSOR + 1] + "z" + typed[CURSOR + 1 :]
    third = await service.suggest("a", request_for(typed, CURSOR + 2, invoked=False))
    assert (third.text, third.fast, third.warming) == (" big", False, False)
    assert big.params[-1].session == "a"
    service.stop()
    service.runtime.close()


async def test_a_cold_fast_model_answers_from_the_short_prompt() -> None:
    big = FakeEngine(" big\n", cold_seconds=10.0)
    small = FakeEngine(" small\n", cold_seconds=10.0)
    service = _cascade(big, small)
    first = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    assert (first.text, first.fast) == ("small", True)
    assert [p.session for p in small.params] == ["a#quick"]
    service.stop()
    service.runtime.close()
