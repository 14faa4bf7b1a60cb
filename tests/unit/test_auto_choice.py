"""model "auto": the decision over machine classes, the prediction, the profile cache
(tuning/). Speeds of the other machines are published llama.cpp figures for a 7B Q4_0
(docs/tuning.md names the sources); this machine's are our own probe's."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from lsp_server.config.live import LiveSettings
from lsp_server.tuning import profile as profiles
from lsp_server.tuning.auto import overlay
from lsp_server.tuning.choose import FIRST_FULL_S, Candidate, Machine, decide
from lsp_server.tuning.predict import Rates, predict
from lsp_server.tuning.quality import quality

GB = 1_000_000_000
LLAMA_7B_Q4_0 = int(3.56 * 1024**3)
SIZES = {
    "qwen2.5-coder-0.5b": 491_400_064,
    "qwen2.5-coder-1.5b": 1_117_320_768,
    "qwen2.5-coder-3b-instruct": int(2.10 * GB),
    "qwen2.5-coder-7b-instruct": int(4.68 * GB),
}


def models(*on_disk: str) -> list[Candidate]:
    return [
        Candidate(name, size, name in on_disk, True, quality(name, size))
        for name, size in SIZES.items()
    ]


# Machine classes: rates for one model there, and the memory a model may take.
THIS_CPU = Machine(Rates(SIZES["qwen2.5-coder-0.5b"], 219, 224, 45.9), 14 * GB)
THIS_CPU_ONE_THREAD = Machine(Rates(SIZES["qwen2.5-coder-0.5b"], 118, 120, 27.0), 14 * GB)
# llama.cpp issue #34 (a 13900K, 8 threads, 7B): pp512 33.7 t/s, tg 18.3 t/s.
LAPTOP_8_CORES = Machine(Rates(LLAMA_7B_Q4_0, 33.7, 33.7, 18.3), 9 * GB)
# llama.cpp discussion #4167, M2 Pro (19 GPU cores), 7B Q4_0: pp512 341, tg128 38.9.
APPLE_M2_PRO = Machine(Rates(LLAMA_7B_Q4_0, 341, 341, 38.9), 10 * GB)
# An RTX 3090 (24 GB), 7B Q4_0: pp512 ~5000 t/s, tg128 ~150 t/s (llama.cpp's CUDA figures).
NVIDIA_24GB = Machine(Rates(LLAMA_7B_Q4_0, 5000, 5000, 150), int(22 * GB))
EVERY = tuple(SIZES)


@pytest.mark.parametrize(
    ("machine", "on_disk", "model", "fast", "workspace"),
    [
        # The weakest machine: the 1.5B's short prompt beats the 0.5B (docs/benchmarks.md),
        # with a full prompt small enough for its first suggestion within 3 s.
        (THIS_CPU, EVERY[:2], "qwen2.5-coder-1.5b", None, False),
        (THIS_CPU, EVERY[:1], "qwen2.5-coder-0.5b", None, False),
        # One thread is a slower machine: the 1.5B is late too often alone, the 0.5B
        # answers while its prompt is cold.
        (THIS_CPU_ONE_THREAD, EVERY[:2], "qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", False),
        (THIS_CPU_ONE_THREAD, EVERY[:1], "qwen2.5-coder-0.5b", None, False),
        (LAPTOP_8_CORES, EVERY[:2], "qwen2.5-coder-1.5b", None, False),
        # A larger model's quality is only estimated: it must win by 10 % to be chosen.
        (LAPTOP_8_CORES, EVERY, "qwen2.5-coder-1.5b", None, False),
        (THIS_CPU, EVERY, "qwen2.5-coder-1.5b", None, False),
        # The 7B's full prompt must stay small for its first suggestion within 3 s:
        # no room left for the workspace block.
        (APPLE_M2_PRO, EVERY, "qwen2.5-coder-7b-instruct", None, False),
        (APPLE_M2_PRO, EVERY[:2], "qwen2.5-coder-1.5b", None, True),
        (NVIDIA_24GB, EVERY, "qwen2.5-coder-7b-instruct", None, True),
    ],
)
def test_the_choice_fits_the_machine(
    machine: Machine, on_disk: tuple[str, ...], model: str, fast: str | None, workspace: bool
) -> None:
    choice = decide(machine, models(*on_disk), 1000)
    assert (choice.model, choice.fast_model, choice.workspace) == (model, fast, workspace)
    assert choice.model in choice.reason and "ms a keystroke" in choice.reason
    predicted = choice.prediction
    assert predicted is not None and predicted.rss_bytes <= machine.memory_bytes


def test_the_full_prompt_comes_within_the_target_and_grows_with_speed() -> None:
    sizes = []
    for machine in (THIS_CPU_ONE_THREAD, THIS_CPU, APPLE_M2_PRO, NVIDIA_24GB):
        choice = decide(machine, models("qwen2.5-coder-0.5b"), 1000)
        budgets, rates = choice.budgets, choice.prediction.rates  # type: ignore[union-attr]
        total = budgets.prefix + budgets.suffix + budgets.context + budgets.workspace
        engine_s = total / rates.prompt_full + 24 / rates.decode
        if budgets.quick_start:
            engine_s += 160 / rates.prompt_short
        assert engine_s <= FIRST_FULL_S or total <= 160
        sizes.append(total)
    assert sizes == sorted(sizes) and sizes[-1] == 1024 + 256 + 256  # today's most


def test_memory_rules_out_what_does_not_fit() -> None:
    small = Machine(NVIDIA_24GB.rates, int(2.5 * GB))
    choice = decide(small, models(*EVERY), 1000)
    assert choice.model == "qwen2.5-coder-1.5b"  # the 3B and 7B do not fit 2.5 GB


def test_a_better_model_not_on_disk_is_named_never_chosen() -> None:
    choice = decide(NVIDIA_24GB, models("qwen2.5-coder-0.5b"), 1000)
    assert choice.model == "qwen2.5-coder-0.5b"
    # A model whose quality we measured first (the 7B's is only estimated from its size).
    assert choice.better == "qwen2.5-coder-1.5b"
    only_estimates = [c for c in models("qwen2.5-coder-0.5b") if c.name != "qwen2.5-coder-1.5b"]
    assert decide(NVIDIA_24GB, only_estimates, 1000).better == "qwen2.5-coder-7b-instruct"
    assert decide(THIS_CPU, models(*EVERY[:2]), 1000).better is None


def test_before_any_measurement_the_smallest_on_disk() -> None:
    choice = decide(Machine(None, 14 * GB), models(*EVERY[:2]), 1000)
    assert choice.model == "qwen2.5-coder-0.5b" and "not measured" in choice.reason


def test_a_named_model_is_kept_and_reported() -> None:
    choice = decide(THIS_CPU, models(*EVERY[:2]), 1000, model="qwen2.5-coder-0.5b")
    assert choice.model == "qwen2.5-coder-0.5b" and "named in the settings" in choice.reason


def test_patience_moves_the_choice() -> None:
    eager = decide(THIS_CPU_ONE_THREAD, models(*EVERY[:2]), 200)
    patient = decide(THIS_CPU_ONE_THREAD, models(*EVERY[:2]), 5000)
    assert (eager.model, eager.fast_model) == ("qwen2.5-coder-0.5b", None)
    assert (patient.model, patient.fast_model) == ("qwen2.5-coder-1.5b", None)


def test_prediction_scales_with_size_and_rates() -> None:
    rates = THIS_CPU.rates
    assert rates is not None
    small, large = (
        predict(rates, SIZES["qwen2.5-coder-0.5b"]),
        predict(rates, SIZES["qwen2.5-coder-1.5b"]),
    )
    assert small.rates == rates  # the measured model itself: no scaling
    assert large.p50_ms > small.p50_ms and large.p95_ms > small.p95_ms
    assert 0.0 < large.in_time(1000) < small.in_time(1000) < 1.0


def test_what_the_person_set_wins_over_auto() -> None:
    live = LiveSettings()
    live.update({"completion": {"prefixTokens": 900}, "context": {"workspace": False}})
    choice = decide(NVIDIA_24GB, models(*EVERY), 1000)
    live.set_auto(overlay(choice))
    assert live.current.model == "qwen2.5-coder-7b-instruct"
    assert live.current.completion.prefix_tokens == 900  # explicit
    assert live.current.context.workspace is False  # explicit
    assert live.current.completion.suffix_tokens == choice.budgets.suffix  # auto's
    live.update({"model": "qwen2.5-coder-0.5b"})
    assert live.current.model == "qwen2.5-coder-0.5b"
    live.update({"model": "auto"})
    assert live.current.model == "qwen2.5-coder-7b-instruct"


KEY = profiles.MachineKey("Test CPU", 2, 2, "llama-cpp-python test cpu", -1)


def test_the_profile_keeps_the_best_probe_and_the_working_day(tmp_path: Path) -> None:
    where = profiles.profile_file(tmp_path, KEY)
    kept = profiles.Profile(KEY)
    kept.add("m", profiles.Sample(Rates(100, 50, 40, 10), 1.8, 1.0))  # a busy moment
    kept.add("m", profiles.Sample(Rates(100, 200, 180, 60), 0.0, 2.0))
    assert profiles.dump(where, kept)
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    again = profiles.load(where, KEY)
    assert again.rates("m") == Rates(100, 200, 180, 60)
    for _ in range(profiles.OBSERVED_ENOUGH):
        again.observe("m", 30.0)
    assert again.rates("m") == Rates(100, 200, 180, 45)  # halfway to what requests see
    assert not again.due("m", now=3.0) and again.due("m", now=3.0 + profiles.STALE_S + 10)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps(
            {"version": 1, "key": {**vars(KEY), "cores": 64}, "samples": {}, "observed": {}}
        ),
        json.dumps({"version": 1, "key": vars(KEY), "samples": {"m": [{"decode": "fast"}]}}),
        json.dumps(
            {
                "version": 1,
                "key": vars(KEY),
                "samples": {"m": [{"model_bytes": 1, "prompt_short": 1e400}]},
            }
        ),
        "[" * 100_000,
    ],
)
def test_a_broken_or_foreign_profile_is_measured_anew(
    tmp_path: Path, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    where = profiles.profile_file(tmp_path, KEY)
    where.parent.mkdir(parents=True)
    where.write_text(body)
    loaded = profiles.load(where, KEY)
    assert loaded.samples == {} and loaded.due("m")
    assert len([r for r in caplog.records if "measured anew" in r.getMessage()]) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_keeps_the_profile_in_memory(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        assert not profiles.dump(profiles.profile_file(tmp_path, KEY), profiles.Profile(KEY))
    finally:
        tmp_path.chmod(0o700)


def test_a_cache_path_that_cannot_be_a_folder_keeps_the_profile_in_memory(tmp_path: Path) -> None:
    (tmp_path / "machine").write_text("a file where the folder goes")
    assert not profiles.dump(profiles.profile_file(tmp_path, KEY), profiles.Profile(KEY))


def test_a_named_model_without_a_prediction_is_reported_as_it_is() -> None:
    unmeasured = decide(
        Machine(None, 14 * GB), models(*EVERY[:2]), 1000, model="qwen2.5-coder-1.5b"
    )
    assert unmeasured.model == "qwen2.5-coder-1.5b" and "not measured" in unmeasured.reason
    path = decide(THIS_CPU, models(*EVERY[:2]), 1000, model="/models/mine.gguf")
    assert path.model == "/models/mine.gguf" and "not in the catalog" in path.reason


def test_a_model_too_slow_to_answer_itself_is_not_paired() -> None:
    """The 7B on this 2-core CPU would answer almost no keystroke itself: pairing it
    with a fast model would only burn the idle time (and 5 GB)."""
    choice = decide(THIS_CPU, models("qwen2.5-coder-0.5b", "qwen2.5-coder-7b-instruct"), 1000)
    assert (choice.model, choice.fast_model) == ("qwen2.5-coder-0.5b", None)


def test_a_remote_engine_runs_the_servers_model_and_auto_only_reports() -> None:
    from lsp_server.config.settings import EngineKind, EngineSettings, Settings
    from lsp_server.tuning.auto import choose

    remote = EngineSettings(kind=EngineKind.LLAMA_SERVER, url="http://127.0.0.1:8080")
    kept = profiles.Profile(KEY)
    kept.add("qwen2.5-coder-0.5b", profiles.Sample(Rates(100, 900, 800, 120), 0.0, 1.0))
    decision = choose(Settings(engine=remote), kept)
    assert decision.overlay == {}
    assert decision.choice.reason.startswith("remote engine:")
    assert "900 prompt / 120.0 generated tokens/s" in decision.choice.reason


def test_tune_keeps_the_default_unless_another_configuration_clearly_wins(tmp_path: Path) -> None:
    import json

    from lsp_server.bench import tune

    def row(label: str, model: str, share: float, settings: dict | None = None) -> dict:  # type: ignore[type-arg]
        config = tune.Config(label, model, settings or {})
        return {"config": config, "accepted_in_time_share": share, "latency_p50_ms": 100}

    close = [row("default (auto)", "auto", 0.373), row("pair", "q", 0.374, {"fastModel": "f"})]
    assert tune.winner(close)["config"].model == "auto"  # 0.1 point: chance
    clear = [row("default (auto)", "auto", 0.30), row("pair", "q", 0.36, {"fastModel": "f"})]
    assert tune.winner(clear)["config"].label == "pair"
    where = tmp_path / "settings.json"
    tune.write(clear[1]["config"], where)
    assert json.loads(where.read_text())["fastModel"] == "f"
    tune.write(close[0]["config"], where)  # the default again: an earlier choice goes
    assert json.loads(where.read_text()) == {"model": "auto", "context": {}}
