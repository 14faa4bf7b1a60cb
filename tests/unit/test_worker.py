"""The engine thread: jobs by priority, and engine lifetime across reloads."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

from lsp_server.completion.request import request_for
from lsp_server.completion.service import CompletionService
from lsp_server.config.live import LiveSettings
from lsp_server.config.settings import CompletionSettings, Settings
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.worker import EngineWorker, Priority, shared
from tests.support.fake_engine import FakeEngine


def test_jobs_run_by_priority_then_in_order() -> None:
    worker = EngineWorker()
    gate = threading.Event()
    ran: list[str] = []
    first = worker.submit(gate.wait, Priority.COMPLETION)  # holds the thread
    jobs = [
        worker.submit(lambda: ran.append("explain"), Priority.EXPLAIN),
        worker.submit(lambda: ran.append("complete-1"), Priority.COMPLETION),
        worker.submit(lambda: ran.append("load"), Priority.LOAD),
        worker.submit(lambda: ran.append("complete-2"), Priority.COMPLETION),
    ]
    gate.set()
    for job in [first, *jobs]:
        job.result(timeout=5)
    assert ran == ["load", "complete-1", "complete-2", "explain"]
    worker.close()


def test_close_cancels_queued_jobs_and_runs_the_final_one() -> None:
    worker = EngineWorker()
    gate, started = threading.Event(), threading.Event()

    def hold() -> bool:
        started.set()
        return gate.wait()

    running = worker.submit(hold, Priority.COMPLETION)
    assert started.wait(5)
    queued = worker.submit(lambda: "never", Priority.COMPLETION)
    done = threading.Event()
    worker.close(then=done.set)
    gate.set()
    assert running.result(timeout=5) is True
    assert queued.cancelled() and done.wait(5)


class ClosingEngine(FakeEngine):
    """A fake engine that refuses work once closed (as a freed llama.cpp model
    would crash)."""

    def __init__(self, answer: str, name: str) -> None:
        super().__init__(answer)
        self.name = name
        self.closed = False

    def generate(self, prompt, params, cancel):  # type: ignore[no-untyped-def]
        assert not self.closed, f"{self.name} used after close"
        return super().generate(prompt, params, cancel)

    def close(self) -> None:
        self.closed = True


async def test_a_request_queued_before_a_reload_runs_on_the_new_engine() -> None:
    engines: list[ClosingEngine] = []

    def factory(model, settings):  # type: ignore[no-untyped-def]
        engine = ClosingEngine(" 1\n" if not engines else " 2\n", f"engine{len(engines)}")
        engines.append(engine)
        return engine

    live = LiveSettings(Settings())
    service = CompletionService(Runtime(live, factory=factory))
    await service.runtime.engine()
    text = "def f(x):\n    return \n"
    gate = threading.Event()
    service.runtime.worker.submit(gate.wait, Priority.COMPLETION)  # the engine is busy
    request = asyncio.create_task(service.suggest("a", request_for(text, 21)))
    await asyncio.sleep(0.05)
    live.update({"engine": {"batchSize": 256}})
    service.runtime.load()  # the reload is queued while the completion waits
    gate.set()
    suggestion = await asyncio.wait_for(request, 5)
    assert engines[0].closed and not engines[1].closed
    assert suggestion.text == "2"  # answered by the engine in use when it ran
    service.stop()
    service.runtime.close()


class FailingEngine(FakeEngine):
    def generate(self, prompt, params, cancel):  # type: ignore[no-untyped-def]
        if self.answer == "boom":
            raise RuntimeError("engine bug")
        return super().generate(prompt, params, cancel)


async def test_an_engine_exception_fails_one_request_and_the_next_one_works() -> None:
    engine = FailingEngine("boom")
    settings = Settings(completion=CompletionSettings(idle_work=False))
    service = CompletionService(Runtime(settings, factory=lambda model, s: engine))
    text = "def f(x):\n    return \n"
    with pytest.raises(RuntimeError, match="engine bug"):
        await service.suggest("a", request_for(text, 21))
    engine.answer = " x\n"
    assert (await service.suggest("a", request_for(text, 21))).text == "x"
    service.stop()
    service.runtime.close()


async def test_a_cancelled_waiter_does_not_cancel_a_shared_job() -> None:
    """A hover cancelled while the model load it waits for is still queued must not
    cancel the load that every later request needs."""
    load: concurrent.futures.Future[str] = concurrent.futures.Future()  # queued, not running
    waiter = asyncio.ensure_future(shared(load))
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.sleep(0.01)
    assert waiter.cancelled() and not load.cancelled()
    load.set_result("engine")
    assert await shared(load) == "engine"


def test_gpu_layers_auto_is_none_on_a_cpu_build_and_the_setting_reaches_llama() -> None:
    """Issue 15, item 20: engine.gpuLayers -> Llama(n_gpu_layers=...)."""
    from pathlib import Path

    import llama_cpp

    from lsp_server.engines import llama_cpp as engine_module

    assert engine_module.offloaded_layers(llama_cpp, -1) == (
        -1 if llama_cpp.llama_supports_gpu_offload() else 0
    )
    assert engine_module.offloaded_layers(llama_cpp, 12) == 12
    seen: dict[str, object] = {}

    class FakeLib:
        @staticmethod
        def Llama(**kwargs: object) -> object:
            seen.update(kwargs)
            return object()

    loading = engine_module.Loading(n_ctx=512, n_batch=64, threads=2, gpu_layers=7)
    engine_module._construct(FakeLib, Path("m.gguf"), loading)
    assert seen["n_gpu_layers"] == 7 and seen["use_mmap"] is False
