"""Issue 13: the cascade with real models — `fastModel` loaded beside `model`; a
keystroke whose prompt the model cannot process within the budget is answered by
the fast model, and the server's stats say which model answered."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import ROOT, init_params
from tests.e2e.test_server import _inline, _open
from tests.e2e.test_workspace_context import _last_record

# A budget no prompt fits: the model is always too cold, so the fast model answers.
CASCADE = {
    "fastModel": "smollm2-135m",
    "completion": {"promptBudgetMs": 1, "idleWork": False, "deadlineMs": 30000},
}


async def test_the_fast_model_answers_a_keystroke_the_model_cannot(
    bare_client: LanguageClient,
) -> None:
    await bare_client.initialize_session(init_params(CASCADE))
    text = (ROOT / "examples" / "fibonacci.py").read_text()
    uri = "file:///tmp/cascade/fibonacci.py"
    _open(bare_client, uri, "python", text)
    await _inline(
        bare_client, uri, 4, len("    return "), types.InlineCompletionTriggerKind.Automatic
    )
    record = await _last_record(bare_client)
    assert record["quick"] and record["fast"], record  # a stand-in: the fast model
    assert record["generated_tokens"] >= 1, record
    # An invoked request waits for the model itself.
    await _inline(bare_client, uri, 4, len("    return "))
    record = await _last_record(bare_client)
    assert not record["quick"] and not record["fast"], record
