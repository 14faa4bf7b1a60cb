from __future__ import annotations

from pathlib import Path

from lsp_server.bench.replay_report import markdown, summarise
from lsp_server.bench.repo_holes import replay_holes
from lsp_server.client.replay import AcceptPolicy, next_chunk, taken

ROOT = Path(__file__).resolve().parents[2]


def test_words_are_typed_with_their_leading_whitespace() -> None:
    text = "    return fib(n - 1)"
    chunks = []
    while text:
        chunk = next_chunk(text)
        chunks.append(chunk)
        text = text[len(chunk) :]
    assert chunks == ["    return", " fib", "(", "n", " -", " 1", ")"]


def test_a_suggestion_is_accepted_whole_or_by_its_first_line() -> None:
    def whole(suggestion: str, remaining: str) -> str:
        return taken(suggestion, remaining, AcceptPolicy.WHOLE)[0]

    assert whole("x + 1", "x + 1\nreturn y") == "x + 1"
    assert whole("x + 1\nfoo()", "x + 1\nreturn y") == "x + 1"
    assert whole("x + 2", "x + 1") == ""
    assert whole("", "x") == ""


def test_holes_are_function_bodies_or_blocks_and_do_not_overlap() -> None:
    path = ROOT / "lsp_server" / "postprocess" / "suffix.py"
    spans = replay_holes(path, 3, seed=1)
    assert spans == replay_holes(path, 3, seed=1) and 1 <= len(spans) <= 3
    for a, b in spans:
        assert 40 <= b - a <= 400
        assert all(b <= c or a >= d for c, d in spans if (c, d) != (a, b))


def test_summary_pairs_client_steps_with_server_records() -> None:
    steps = [
        {"latency_ms": ms, "accepted": acc, "typed": 3, "suggestion": ""}
        for ms, acc in ((900, 0), (2, 5), (800, 0))
    ]
    server = [
        {
            "seconds": 0.85,
            "cache_hit": False,
            "evaluated_tokens": 70,
            "generated_tokens": 9,
            "skipped": "",
        },
        {
            "seconds": 0.001,
            "cache_hit": True,
            "evaluated_tokens": 0,
            "generated_tokens": 0,
            "skipped": "",
        },
        {
            "seconds": 0.75,
            "cache_hit": False,
            "evaluated_tokens": 66,
            "generated_tokens": 5,
            "skipped": "",
        },
        {
            "seconds": 0.5,
            "cache_hit": False,
            "evaluated_tokens": 900,
            "generated_tokens": 5,
            "skipped": "",
        },  # an open-files request after the replay: not paired
    ]
    summary = summarise("full", steps, server, hole_chars=20, rss_mb=700.0, open_files=1)
    assert summary["requests"] == 3 and summary["cache_hits"] == 1
    assert summary["latency_p50_ms"] == 800 and summary["tokens_processed_p50"] == 66
    assert summary["tokens_processed_p50_per_model_call"] == 68
    assert summary["accepted_share"] == 0.25
    assert "| cache hits | 33.3% |" in markdown({"full": summary})


def test_summary_reports_what_a_person_gets() -> None:
    def step(document: int, at: float, suggestion: str, accepted: int) -> dict[str, object]:
        return {
            "latency_ms": 100.0 if suggestion else 5.0,
            "suggestion": suggestion,
            "accepted": accepted,
            "typed": 0 if accepted else 4,
            "document": document,
            "since_open_s": at,
        }

    steps = [
        step(0, 2.5, "", 0),
        step(0, 3.0, "x + 1", 0),
        step(0, 3.4, "y", 1),
        step(0, 3.9, "z", 1),
        step(1, 2.2, "", 0),
        step(1, 2.6, "", 0),
    ]
    record = {"seconds": 0.1, "cache_hit": False, "skipped": ""}
    server = [{**record, "evaluated_tokens": 3, "generated_tokens": 4}] * 6
    summary = summarise("full", steps, server, hole_chars=10, rss_mb=None, open_files=0)
    assert summary["nonempty_share"] == 0.5 and summary["latency_nonempty_p50_ms"] == 100.0
    assert summary["documents"] == 2 and summary["documents_with_accepted"] == 1
    assert summary["first_accepted_p50_s"] == 3.4
    assert summary["first_nonempty_p50_s"] == 3.0  # document 1 never got one
    assert summary["accepted_share"] == 0.2
    assert "non-empty answers | 50.0%" in markdown({"full": summary})


def test_replay_servers_get_the_set_settings_under_their_mode() -> None:
    from lsp_server.client.replay import _with_mode

    settings = {"completion": {"quickStart": False, "mode": "x"}, "logLevel": "info"}
    sent = _with_mode(settings, "full")
    assert sent == {"completion": {"quickStart": False, "mode": "full"}, "logLevel": "info"}


def test_a_suggestion_that_came_after_the_patience_is_not_counted_in_time() -> None:
    steps = [
        {"latency_ms": ms, "accepted": acc, "typed": 0, "suggestion": "x" * acc}
        for ms, acc in ((400, 4), (1500, 6), (1000, 2))
    ]
    server = [
        {
            "seconds": 0.1,
            "cache_hit": False,
            "evaluated_tokens": 1,
            "generated_tokens": 1,
            "skipped": "",
        }
    ] * 3
    summary = summarise("full", steps, server, hole_chars=20, rss_mb=None, open_files=0)
    assert summary["accepted_share"] == 0.6 and summary["accepted_in_time_share"] == 0.3
    assert summary["context_changed_share"] == 0.0


def test_a_person_types_on_when_no_answer_comes_within_the_patience() -> None:
    import asyncio

    from lsp_server.client.replay import Hole, ModeRun, ReplayPlan, _retype

    class Slow:
        """Answers the whole rest after `delay` seconds; remembers what was typed."""

        def __init__(self, delay: float) -> None:
            self.delay, self.cancelled = delay, 0

        def insert(self, uri: str, text: str, offset: int, chunk: str) -> None:
            pass

        def focus(self, uri: str, text: str, offset: int) -> None:
            pass

        def accepted(self, chars: int, whole: bool) -> None:
            pass

        async def complete(self, uri: str, text: str, offset: int) -> tuple[str, float]:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            return "a + b", self.delay * 1000

    hole = Hole("file:///f.py", "def f(a, b):\n    return \n", 24, "a + b")
    for delay, patience, late in ((0.3, 0.05, True), (0.01, 1.0, False), (0.3, 0.0, False)):
        run, typist = ModeRun("full"), Slow(delay)
        plan = ReplayPlan([], patience=patience)
        asyncio.run(_retype(typist, run, hole, plan, deadline=1e12))
        if late:  # typed word by word, every answer too late and cancelled
            assert [s.accepted for s in run.steps] == [0, 0, 0]
            assert all(s.late and not s.suggestion for s in run.steps)
            assert typist.cancelled == 3
        else:  # taken whole with one Tab
            assert [(s.accepted, s.whole, s.late) for s in run.steps] == [(5, True, False)]


def test_word_accepts_take_the_right_start_and_tell_the_server() -> None:
    """Issue 17: under `--accept word` the person takes the right words of a suggestion
    (one key each) and the typist is told, as an editor tells the server; under
    `whole` the same suggestion is typed over."""
    import asyncio

    from lsp_server.client.replay import Hole, ModeRun, ReplayPlan, _retype

    class Partly:
        def __init__(self) -> None:
            self.told: list[tuple[int, bool]] = []

        def insert(self, uri: str, text: str, offset: int, chunk: str) -> None:
            pass

        def focus(self, uri: str, text: str, offset: int) -> None:
            pass

        def accepted(self, chars: int, whole: bool) -> None:
            self.told.append((chars, whole))

        async def complete(self, uri: str, text: str, offset: int) -> tuple[str, float]:
            return ("total + 1" if text[offset - 1] == " " else ""), 1.0

    hole = Hole("file:///f.py", "def f(total):\n    return \n", 25, "total + 2")
    for policy, keys, told in ((AcceptPolicy.WORD, [2, 0], [(7, False)]),
                               (AcceptPolicy.WHOLE, [0, 0, 0], [])):  # fmt: skip
        run, typist = ModeRun("full"), Partly()
        plan = ReplayPlan([], accept=policy)
        asyncio.run(_retype(typist, run, hole, plan, deadline=1e12))
        assert [s.keys for s in run.steps] == keys and typist.told == told
        assert sum(s.accepted for s in run.steps) == (7 if policy is AcceptPolicy.WORD else 0)


def test_the_report_has_a_row_per_language() -> None:
    from lsp_server.bench.replay_report import by_language, markdown

    steps = [
        {"document": 0, "latency_ms": 100.0, "accepted": 10},
        {"document": 1, "latency_ms": 100.0, "accepted": 5},
        {"document": 1, "latency_ms": 1500.0, "accepted": 5},  # late: not counted
    ]
    shares = by_language(steps, [("python", 20), ("go", 50)])
    assert shares == {"in_time_language:python": 0.5, "in_time_language:go": 0.1}
    table = markdown({"a": {"accepted_in_time_share": 0.3, **shares}})
    assert "| accepted in time: go | 10.0% |" in table
    assert "| accepted in time: python | 50.0% |" in table
    assert "accepted in time: share" not in table
