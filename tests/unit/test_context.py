from __future__ import annotations

from dataclasses import replace

from lsp_server.completion.pipeline import complete
from lsp_server.completion.request import build_request, request_for
from lsp_server.config.settings import CompletionSettings
from lsp_server.context.symbols import identifiers_near
from lsp_server.documents.snapshot import Snapshot
from lsp_server.prompt.builder import PromptCaches
from tests.support.fake_engine import MID, PRE, REP, SEP, SUF, FakeEngine

FILLER = "".join(f"value_{i} = {i}\n" for i in range(300))
SOURCE = (
    "import os\nfrom pathlib import Path\n\n"
    'def helper(a, b):\n    """Add two numbers."""\n    return a + b\n\n'
    + FILLER
    + "class Report:\n    def render(self, rows):\n"
    + "".join(f"        line_{i} = rows[{i}]\n" for i in range(40))
    + "        total = helper("
)
OTHER = 'def compute_total(items):\n    """Sum the items."""\n    return sum(items)\n'


def _prompt_text(engine: FakeEngine) -> str:
    return engine.detokenize(engine.prompts[-1])


SMALL = CompletionSettings(prefix_tokens=200, suffix_tokens=50, context_tokens=200)
WIDE = CompletionSettings(prefix_tokens=1000, suffix_tokens=50, context_tokens=200)


def test_same_file_context_outside_the_window() -> None:
    engine = FakeEngine("1, 2)\n")
    request = request_for(SOURCE, len(SOURCE), "python")
    complete(request, engine, SMALL)
    prompt = engine.prompts[-1]
    prefix = engine.detokenize(prompt[prompt.index(PRE) + 1 : prompt.index(SUF)])
    assert prefix.startswith("import os\nfrom pathlib import Path\n")
    assert '# def helper(a, b):\n#     """Add two numbers."""' in prefix
    assert "class Report:\n    def render(self, rows):\n" in prefix
    lead = engine.detokenize(prompt[prompt.index(MID) + 1 :]) + engine.params[-1].forced_prefix
    assert (prefix + lead).endswith("        line_39 = rows[39]\n        total = helper(")
    assert "value_0 = 0" not in lead
    assert "value_0 = 0" not in prefix  # the filler is outside the window and not context


def test_nothing_in_the_window_is_repeated() -> None:
    engine = FakeEngine("1)\n")
    small = "import os\ndef helper(a):\n    return a\nx = helper("
    complete(request_for(small, len(small), "python"), engine, SMALL)
    assert _prompt_text(engine).count("import os") == 1
    assert _prompt_text(engine).count("def helper") == 1


def test_other_open_files_in_the_repository_format() -> None:
    engine = FakeEngine("items)\n", repo=True)
    text = "def report(items):\n    return compute_total("
    other = ("lib/util.py", Snapshot.parse(OTHER, "python"))
    request = build_request(
        Snapshot.parse(text, "python"), len(text), path="app.py", others=[other], repo_name="demo"
    )
    complete(request, engine, SMALL)
    prompt = engine.prompts[-1]
    assert prompt[0] == REP and prompt.count(SEP) == 2
    head = engine.detokenize(prompt[: prompt.index(PRE)])
    assert (
        head == 'demo\nlib/util.py\ndef compute_total(items):\n    """Sum the items."""\napp.py\n'
    )


def test_other_open_files_as_comments_without_repo_tokens() -> None:
    engine = FakeEngine("items)\n")
    text = "def report(items):\n    return compute_total("
    other = ("lib/util.py", Snapshot.parse(OTHER, "python"))
    request = build_request(Snapshot.parse(text, "python"), len(text), others=[other])
    complete(request, engine, SMALL)
    assert "# Path: lib/util.py\n# def compute_total(items):" in _prompt_text(engine)


def test_context_budget_zero_adds_nothing() -> None:
    engine = FakeEngine("1)\n")
    request = request_for(SOURCE, len(SOURCE), "python")
    settings = CompletionSettings(prefix_tokens=200, suffix_tokens=50, context_tokens=0)
    complete(request, engine, settings)
    assert "import os" not in _prompt_text(engine)


def test_identifiers_nearest_first() -> None:
    text = "alpha = 1\nbeta = gamma(delta)\nresult = compute(\nafter_call()\n"
    cursor = text.index("compute(") + len("compute(")
    names = identifiers_near(text, cursor)
    assert names[0] == "compute" and names.index("gamma") < names.index("alpha")


def test_the_identifier_being_typed_finds_definitions_by_prefix() -> None:
    engine = FakeEngine("payload_checksum(p)\n", repo=True)
    other_text = (
        "def frobnicate_payload_checksum(payload):\n    return 1\n\ndef other():\n    pass\n"
    )
    text = "def verify(p):\n    return frobnicate_"
    other = ("util.py", Snapshot.parse(other_text, "python"))
    request = build_request(Snapshot.parse(text, "python"), len(text), others=[other])
    complete(request, engine, SMALL)
    head = engine.detokenize(engine.prompts[-1][: engine.prompts[-1].index(PRE)])
    assert "def frobnicate_payload_checksum(payload):" in head and "def other" not in head


def test_the_context_stays_byte_identical_while_typing_in_one_scope() -> None:
    source = (
        "def helper_alpha(a):\n    return a * 2\n\n"
        + FILLER
        + "def report(rows):\n    total = 0\n    "
    )
    typed = ["", "x", "x = ", "x = helper_al", "x = helper_alpha(total"]

    def prompts(session: str) -> list[list[int]]:
        engine = FakeEngine("1\n")
        caches = PromptCaches(engine.tokenize)
        for text in typed:
            request = replace(request_for(source + text, len(source + text), "python"))
            complete(replace(request, session=session), engine, WIDE, caches=caches)
        return engine.prompts

    def up_to_mid(prompt: list[int]) -> list[int]:
        return prompt[: prompt.index(MID) + 1]

    kept = prompts("doc")
    # Everything before <mid> (repository and same-file context, prefix and suffix
    # windows) is the same on every keystroke: only the lead after <mid> grows.
    assert all(up_to_mid(p) == up_to_mid(kept[0]) for p in kept)
    assert all(p[: len(kept[0])] == kept[0] for p in kept[1:3])
    # Chosen afresh (a one-off request), the context follows the identifier typed.
    fresh = prompts("")
    assert up_to_mid(fresh[-1]) != up_to_mid(fresh[0])
    assert "helper_alpha" in FakeEngine("").detokenize(up_to_mid(fresh[-1]))
