"""Issue 17's pure parts: ranking candidates, what a person takes of a suggestion under
each accept policy, the accept counts, the setting's bounds, and the pipeline and
service with an engine that gives several continuations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from lsp_server.client.replay import AcceptPolicy, taken
from lsp_server.completion.accepts import Accepts, Offered, Partial, Refused
from lsp_server.completion.pipeline import complete, ranked
from lsp_server.completion.request import request_for
from lsp_server.completion.service import CompletionService
from lsp_server.config.settings import CompletionSettings, Settings, parse_settings
from lsp_server.engines.base import (
    CancelToken,
    Candidate,
    Generation,
    GenerationParams,
    StopReason,
)
from lsp_server.runtime.runtime import Runtime
from tests.support.fake_engine import FakeEngine

DOC = "def double(x):\n    return \n\n\nprint(double(2))\n"
CURSOR = DOC.index("return ") + len("return ")


class SeveralEngine(FakeEngine):
    """Gives its scripted continuations (text, mean log-probability) when asked for
    more than one, the first as the greedy text."""

    def __init__(self, continuations: list[tuple[str, float]]) -> None:
        super().__init__(continuations[0][0])
        self.continuations = continuations
        self.info = replace(self.info, candidates=True)

    def generate(
        self, prompt: Sequence[int], params: GenerationParams, cancel: CancelToken
    ) -> Generation:
        result = super().generate(prompt, params, cancel)
        if params.candidates > 1:
            result.candidates = [
                Candidate(params.forced_prefix + text, tuple(range(4)), 4 * score, StopReason.EOG)
                for text, score in self.continuations[: params.candidates]
            ]
        return result


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        ([("a", -0.1), ("b", -0.5), ("c", -0.2)], ("a", "c", "b")),
        ([("a", -0.3), ("a  ", -0.1), ("b", -0.2)], ("a", "b")),  # same but trailing blanks
        ([("", -0.01), ("  ", -0.02), ("x", -2.0)], ("x",)),  # empty ones dropped
        ([("b", -0.9), ("a", -0.1)], ("b", "a")),  # the greedy one stays first
        ([], ()),
    ],
)
def test_candidates_are_distinct_non_empty_the_greedy_first_then_likeliest(
    scored: list[tuple[str, float]], expected: tuple[str, ...]
) -> None:
    assert ranked(scored) == expected


@pytest.mark.parametrize(
    ("policy", "suggestion", "remaining", "expected"),
    [
        (AcceptPolicy.WHOLE, "x * 2", "x * 2\n", ("x * 2", 1)),
        (AcceptPolicy.WHOLE, "x * 2\nfoo()", "x * 2\nbar()", ("x * 2", 1)),  # its first line
        (AcceptPolicy.WHOLE, "x * 3", "x * 2", ("", 0)),
        (AcceptPolicy.WORD, "x * 3", "x * 2", ("x *", 2)),
        (AcceptPolicy.WORD, "self.radius ** 2", "self.radius * 2", ("self.radius", 3)),
        (AcceptPolicy.WORD, "  ", "  x", ("", 0)),  # only blanks: nothing worth a key
        (AcceptPolicy.WORD, "x * 2", "x * 2\n", ("x * 2", 1)),  # all of it right: Tab
        (AcceptPolicy.LINE, "a = 1\nb = 2\nc = 9", "a = 1\nb = 2\nc = 3", ("a = 1\nb = 2\n", 2)),
        (AcceptPolicy.LINE, "a = 1", "a = 1", ("a = 1", 1)),
        (AcceptPolicy.LINE, "a = 2", "a = 1", ("", 0)),
    ],
)
def test_what_a_person_takes_under_each_policy(
    policy: AcceptPolicy, suggestion: str, remaining: str, expected: tuple[str, int]
) -> None:
    assert taken(suggestion, remaining, policy) == expected


def _offered(text: str = "x * 2", rank: int = 0) -> Offered:
    return Offered("a", DOC[:CURSOR], DOC[CURSOR:], text, False, rank)


def test_accepts_count_whole_partial_and_other_candidates() -> None:
    accepts = Accepts()
    first, second = accepts.offer(_offered()), accepts.offer(_offered("x + x", rank=1))
    part = accepts.partial(first, 2, DOC[:CURSOR] + "x " + DOC[CURSOR:])
    assert isinstance(part, Partial) and part.taken == "x " and not part.clamped
    # The notification may come before the change: the document as it was counts too.
    assert isinstance(accepts.partial(first, 1, DOC), Partial)
    whole = accepts.whole(second, DOC[:CURSOR] + "x + x" + DOC[CURSOR:])
    assert isinstance(whole, Offered)
    assert accepts.as_json() == {
        "shown": 2,
        "shownOthers": 1,
        "partial": 2,
        "partialChars": 3,
        "whole": 1,
        "wholeChars": 5,
        "wholeOthers": 1,
    }


def test_bad_accepts_are_refused_and_counted_apart() -> None:
    accepts = Accepts(keep=2)
    item = accepts.offer(_offered())
    too_long = accepts.partial(item, 999, DOC)
    assert isinstance(too_long, Partial) and too_long.clamped and too_long.taken == "x * 2"
    assert accepts.partial("s404", 1, DOC) is Refused.UNKNOWN
    assert accepts.partial(item, 1, None) is Refused.CLOSED
    assert accepts.partial(item, 1, "# edited elsewhere\n" + DOC) is Refused.STALE
    assert accepts.whole(item, DOC[:CURSOR] + "y" + DOC[CURSOR:]) is Refused.STALE
    accepts.forget("a")
    assert accepts.whole(item, DOC) is Refused.UNKNOWN
    for _ in range(3):  # only the last `keep` are remembered
        accepts.offer(_offered())
    assert accepts.partial("s2", 1, DOC) is Refused.UNKNOWN
    counts = accepts.as_json()
    assert counts["refusedUnknown"] == 3 and counts["refusedStale"] == 2
    assert counts["refusedClosed"] == 1 and counts["partial"] == 1


@pytest.mark.parametrize("value", [0, -1, 9, 1000, "3", 2.5, None, True])
def test_candidates_outside_one_to_eight_are_refused_and_the_default_kept(value: object) -> None:
    settings, errors = parse_settings({"completion": {"candidates": value}})
    assert settings.completion.candidates == 3
    assert len(errors) == 1 and errors[0].startswith("completion.candidates")


def test_an_invoked_request_gets_the_candidates_post_processed_and_ranked() -> None:
    continuations = [("x * 2\n", -0.3), ("x + x\n", -0.1), ("x * 2  \n", -0.2), ("  \n", -0.05)]
    engine = SeveralEngine(continuations)
    settings = replace(CompletionSettings(), candidates=4)
    invoked = complete(request_for(DOC, CURSOR), engine, settings)
    assert engine.params[-1].candidates == 4
    # Trimmed to a line like the first, the repeat and the blank one dropped;
    # the greedy one first, then the likeliest.
    assert invoked.candidates == ("x * 2", "x + x") and invoked.text == "x * 2"
    automatic = complete(request_for(DOC, CURSOR, invoked=False), engine, settings)
    assert engine.params[-1].candidates == 1 and automatic.candidates == ()
    one = complete(request_for(DOC, CURSOR), engine, replace(settings, candidates=1))
    assert engine.params[-1].candidates == 1 and one.text == "x * 2"


async def test_the_service_keeps_the_candidates_for_the_place_and_for_typing_through() -> None:
    engine = SeveralEngine([("x * 2\n", -0.1), ("x + x\n", -0.3)])
    settings = Settings(completion=CompletionSettings(idle_work=False))
    service = CompletionService(Runtime(settings, factory=lambda model, s: engine))
    invoked = await service.suggest("a", request_for(DOC, CURSOR))
    assert invoked.candidates == ("x * 2", "x + x")
    calls = len(engine.prompts)
    # Asked again at the same place (automatically): the same candidates, no call.
    again = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    assert again.candidates == invoked.candidates and len(engine.prompts) == calls
    # The person types the second one's start: its rest, from the cache.
    typed = DOC[:CURSOR] + "x +" + DOC[CURSOR:]
    rest = await service.suggest("a", request_for(typed, CURSOR + 3, invoked=False))
    assert rest.text == " x" and rest.cached and len(engine.prompts) == calls
    service.stop()


async def test_the_part_taken_is_followed_though_the_place_got_a_later_suggestion() -> None:
    engine = SeveralEngine([("x * 2\n", -0.1), ("x + x\n", -0.3)])
    settings = Settings(completion=CompletionSettings(idle_work=False))
    service = CompletionService(Runtime(settings, factory=lambda model, s: engine))
    await service.suggest("a", request_for(DOC, CURSOR))
    before, after = DOC[:CURSOR], DOC[CURSOR:]
    service.keep("a", before, after, "x + x", multiline=False)  # a word of the second
    service.cache.store("a", DOC, CURSOR, "x * 2", multiline=False)  # idle work, later
    typed = before + "x" + after
    rest = await service.suggest("a", request_for(typed, CURSOR + 1, invoked=False))
    assert rest.text == " + x" and rest.cached
    service.stop()


async def test_the_suggestion_shown_stays_first_so_that_cycling_shows_another() -> None:
    engine = SeveralEngine([("x * 2\n", -0.3), ("x + x\n", -0.1), ("x - 1\n", -0.2)])
    engine.answer = "x - 1\n"  # what the automatic request showed (another prompt state)
    settings = Settings(completion=CompletionSettings(idle_work=False, candidates=2))
    service = CompletionService(Runtime(settings, factory=lambda model, s: engine))
    shown = await service.suggest("a", request_for(DOC, CURSOR, invoked=False))
    assert shown.text == "x - 1"
    cycled = await service.suggest("a", request_for(DOC, CURSOR))
    assert cycled.candidates == ("x - 1", "x * 2") and cycled.text == "x - 1"
    service.stop()
