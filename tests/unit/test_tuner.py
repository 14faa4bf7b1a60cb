"""The machine probe in idle time (runtime/tuner.py): it runs after a pause, a
keystroke stops the step in flight and the probe is resumed at the next pause, its
figures join the profile, and a new choice loads its model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from lsp_server.config.settings import Settings
from lsp_server.engines.base import CancelToken, Generation, GenerationParams, StopReason
from lsp_server.runtime import tuner as tuner_module
from lsp_server.runtime.runtime import Runtime
from lsp_server.runtime.tuner import Tuner
from lsp_server.runtime.worker import shared
from lsp_server.tuning import probe
from tests.support.fake_engine import FakeEngine

PER_TOKEN_S = 0.0005  # prompt processing: 2,000 tokens/s


class TimedEngine(FakeEngine):
    """The fake engine with timed, cancellable prompt processing."""

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        started = time.perf_counter()
        for _ in range(0, len(prompt), 16):
            if cancel.cancelled:
                self.params.append(params)
                return Generation("", prompt_tokens=len(prompt), stop_reason=StopReason.CANCELLED)
            time.sleep(16 * PER_TOKEN_S)
        prompt_ms = (time.perf_counter() - started) * 1000
        result = super().generate(prompt, params, cancel)
        result.prompt_ms = prompt_ms
        result.evaluated_tokens = len(prompt)
        result.generate_ms = max(0.1, (time.perf_counter() - started) * 1000 - prompt_ms)
        return result


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tuner_module, "QUIET_S", 0.2)
    monkeypatch.setattr(tuner_module, "RETRY_S", 0.05)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the profile goes here


async def _tuner(engine: FakeEngine) -> tuple[Tuner, list[str]]:
    runtime = Runtime(Settings(), factory=lambda model, settings: engine)
    await shared(runtime.load())
    reloads: list[str] = []
    return Tuner(runtime, lambda: reloads.append("reload")), reloads


async def _until(check, limit_s: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    waited = 0.0
    while not check() and waited < limit_s:
        await asyncio.sleep(0.05)
        waited += 0.05


@pytest.mark.usefixtures("quick")
async def test_the_probe_measures_after_a_pause_and_keeps_the_figures(tmp_path: Path) -> None:
    engine = TimedEngine("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11", seconds_per_token=0.001)
    tuner, _ = await _tuner(engine)
    tuner.loaded()
    await _until(lambda: tuner.done >= 1)
    assert tuner.done >= 1
    model = tuner.runtime.model().shown
    rates = tuner.runtime.profile.rates(model)
    assert rates is not None and rates.prompt_short > 100 and rates.decode > 10
    assert [p.session for p in engine.params][:3] == [probe.SESSION] * 3
    assert list((tmp_path / "slm-ls" / "machine").glob("*.json"))  # kept on disk
    tuner.stop()
    tuner.runtime.close()


@pytest.mark.usefixtures("quick")
async def test_a_keystroke_stops_the_probe_and_it_resumes_at_the_next_pause() -> None:
    engine = TimedEngine("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11", seconds_per_token=0.001)
    tuner, _ = await _tuner(engine)
    tuner.loaded()
    await _until(lambda: any(p.session == probe.SESSION for p in engine.params))
    tuner.activity()  # the person types while the probe runs
    await _until(lambda: tuner.interrupted >= 1)
    assert tuner.interrupted >= 1 and tuner.done == 0
    await _until(lambda: tuner.done >= 1)  # resumed once the person paused again
    assert tuner.done >= 1
    tuner.stop()
    tuner.runtime.close()


@pytest.mark.usefixtures("quick")
async def test_no_probe_while_the_person_keeps_typing() -> None:
    engine = TimedEngine("1, 2, 3, 4, 5, 6")
    tuner, _ = await _tuner(engine)
    tuner.loaded()
    for _ in range(10):  # a keystroke every 0.1 s: never a pause of 0.2 s
        tuner.activity()
        await asyncio.sleep(0.1)
    assert not any(p.session == probe.SESSION for p in engine.params)
    tuner.stop()
    tuner.runtime.close()


@pytest.mark.usefixtures("quick")
async def test_a_measurement_that_chooses_another_model_loads_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """model "auto" on a machine not measured yet: the smallest model on disk; the
    probe finds a fast machine, the choice names the 1.5B, and the server reloads."""
    monkeypatch.delenv("SLM_LS_MODEL")
    models = tmp_path / "slm-ls" / "models"
    models.mkdir(parents=True)
    for name in (
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    ):
        (models / name).write_bytes(b"weights")  # the fake engine reads nothing
    engine = TimedEngine("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11", seconds_per_token=0.001)
    tuner, reloads = await _tuner(engine)
    assert tuner.runtime.model().shown == "qwen2.5-coder-0.5b"
    assert tuner.runtime.decision is not None
    assert "not measured yet" in tuner.runtime.decision.choice.reason
    tuner.loaded()
    await _until(lambda: bool(reloads))
    assert reloads and tuner.runtime.model().shown == "qwen2.5-coder-1.5b"
    assert "auto: qwen2.5-coder-1.5b, predicted" in tuner.runtime.decision.choice.reason
    tuner.stop()
    tuner.runtime.close()
