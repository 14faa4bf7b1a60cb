"""Next edit: the edit history, the candidates the tree names, the gate — with a
scripted model (the real model's run is in tests/e2e/test_next_edit.py)."""

from __future__ import annotations

import asyncio
import subprocess

from hypothesis import given
from hypothesis import strategies as st

from lsp_server.documents.snapshot import Snapshot
from lsp_server.nextedit.candidates import Kind, candidates, change_of
from lsp_server.nextedit.history import Edit, EditHistory, diff
from lsp_server.nextedit.predict import TreeAnswer, next_edit, tree_answer
from tests.support.fake_engine import FakeEngine
from tests.support.history_repo import ROOMS, history_repo
from tests.support.in_process import TEMPLATE

BEFORE = """def total(values, scale):
    result = 0
    for value in values:
        result += value * scale
    print(scale)
    return result * scale


def other(scale):
    return scale
"""
AFTER = BEFORE.replace("def total(values, scale)", "def total(values, factor)")


def test_a_burst_of_typing_is_one_edit() -> None:
    now = [0.0]
    history = EditHistory(pause_s=1.0, clock=lambda: now[0])
    history.opened("u", "def f(value):\n")
    for typed in ("def f(v):\n", "def f(a):\n", "def f(am):\n", "def f(amount):\n"):
        now[0] += 0.2
        history.changed("u", typed)
    before, edit = history.last("u") or ("", None)
    assert before == "def f(value):\n" and edit == Edit(6, "value", "amount")
    now[0] += 5  # a pause, then a new burst
    history.changed("u", "def f(amount):\n    pass\n")
    assert history.last("u") == ("def f(amount):\n", Edit(15, "", "    pass\n"))
    assert diff("abc", "abc") is None


def test_a_renamed_parameter_names_its_uses_in_the_function_only() -> None:
    snapshot = Snapshot.parse(AFTER, "python")
    edit = diff(BEFORE, AFTER)
    assert edit is not None
    change = change_of(BEFORE, edit, snapshot)
    assert change is not None and (change.kind, change.old, change.new) == (
        Kind.RENAME,
        "scale",
        "factor",
    )
    found = candidates(snapshot, edit, change)
    assert [c.line for c in found] == [3, 4, 5]  # in total(), nearest first; not other()
    assert found[0].written == "result += value * factor"


def test_a_parameter_added_names_the_calls() -> None:
    before = "def area(w):\n    return w * w\n\n\nx = area(3)\ny = 2 + area(4)\n"
    after = before.replace("def area(w)", "def area(w, h)")
    snapshot = Snapshot.parse(after, "python")
    edit = diff(before, after)
    assert edit is not None
    change = change_of(before, edit, snapshot)
    assert change is not None and (change.kind, change.old) == (Kind.SIGNATURE, "area")
    assert [c.line for c in candidates(snapshot, edit, change)] == [4, 5]


def test_a_rename_is_followed_without_a_model_call() -> None:
    snapshot = Snapshot.parse(AFTER, "python")
    edit = diff(BEFORE, AFTER)
    assert edit is not None
    engine = FakeEngine("never asked", chat_template=TEMPLATE)
    found = next_edit(snapshot, BEFORE, edit, engine)
    assert found is not None and found.line == 3 and found.reason == "rename scale → factor"
    start = AFTER.index("value * scale") + len("value * ")
    assert (found.start, found.end, found.text) == (start, start + len("scale"), "factor")
    assert engine.prompts == []
    # An edit that renames nothing and touches no parameters: nothing to follow.
    changed = BEFORE.replace("result = 0", "result = 1")
    edit = diff(BEFORE, changed)
    assert edit is not None and change_of(BEFORE, edit, Snapshot.parse(changed, "python")) is None
    # Offsets past the text (a stale edit) are no rename either, never an error.
    assert change_of(BEFORE, Edit(10_000, "a", "b"), snapshot) is None


def test_a_call_is_rewritten_by_the_model_and_kept_only_past_the_gate() -> None:
    after = ROOMS.replace("def area(width)", "def area(width, height)")
    snapshot, edit = Snapshot.parse(after, "python"), diff(ROOMS, after)
    assert edit is not None

    def run(answer: str):  # type: ignore[no-untyped-def]
        engine = FakeEngine(answer, chat_template=TEMPLATE)
        return next_edit(snapshot, ROOMS, edit, engine), engine

    found, engine = run("```python\ntotal += area(room, room)\n```")
    assert found is not None and found.line == 7 and found.reason == "call of area"
    at = after.index("area(room)") + len("area(room")
    assert (found.start, found.end, found.text) == (at, at, ", room")
    (prompt,) = engine.prompts  # the edit as a diff and the line, through the template
    asked = engine.detokenize(prompt)
    assert "- def area(width):" in asked and "+ def area(width, height):" in asked
    assert "total += area(room)" in asked
    assert run("total += area(room)")[0] is None  # unchanged: stay quiet
    assert run("total += size(room, 2)")[0] is None  # no longer a call of area
    assert run("total += area(room, (")[0] is None  # does not parse


async def test_the_request_over_lsp_and_its_bad_input() -> None:
    from tests.support.in_process import InProcess

    settings = {"nextEdit": {"enabled": True, "debounceMs": 0}}
    server = InProcess(FakeEngine("", chat_template=TEMPLATE), settings)
    await server.initialize()
    uri = "file:///tmp/total.py"
    server.open(uri, BEFORE)
    line = {"line": 0, "character": len("def total(values, ")}
    end = {"line": 0, "character": len("def total(values, scale")}
    change = {"range": {"start": line, "end": end}, "text": "factor"}
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
    )
    # After the pause, the next edit is offered as a code action too (Helix).
    for _ in range(200):
        if uri in server.server.next_edit.ready:
            break
        await asyncio.sleep(0.01)
    span = {"start": line, "end": line}
    actions = await server.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": span, "context": {"diagnostics": []}},
    )
    (offer,) = [a for a in actions["result"] if a["title"].startswith("Apply next edit")]
    assert offer["title"] == "Apply next edit: rename scale → factor, line 4 (slm-ls)"
    assert offer["kind"] == "refactor.rewrite"
    (change,) = offer["edit"]["changes"][uri]
    assert change["newText"] == "factor" and change["range"]["start"]["line"] == 3
    params = {"textDocument": {"uri": uri, "version": 2}, "position": line}
    answer = await server.request("textDocument/copilotInlineEdit", params)
    (edit,) = answer["result"]["edits"]
    assert edit["text"] == "factor" and edit["range"]["start"]["line"] == 3
    assert edit["textDocument"] == {"uri": uri, "version": 2}
    assert edit["command"]["command"] == "slm-ls.nextEditAccepted"
    for bad in ({}, {"textDocument": {"uri": "file:///not-open.py"}}, {"textDocument": 3}):
        assert "error" in await server.request("textDocument/copilotInlineEdit", bad)
    off = {"settings": {"nextEdit": {"enabled": False}}}
    server.notify("workspace/didChangeConfiguration", off)
    answer = await server.request("textDocument/copilotInlineEdit", params)
    assert answer["result"] == {"edits": []}
    server.close()


def test_scenarios_come_from_the_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lsp_server.bench.edit_history import scenarios
    from lsp_server.bench.metrics import chrf

    history_repo(tmp_path)
    found = {s.follow is None: s for s in scenarios(tmp_path, 4, seed=0)}
    follow, quiet = found[False], found[True]
    assert follow.edited.startswith("def area(side):") and follow.follow is not None
    assert follow.follow.old == ("    return width * width",)
    assert follow.follow.new == ("    return side * side",)
    assert quiet.follow is None and "of a square" in quiet.edited and "x = 0" in quiet.edited
    assert chrf("return side * side", "return side * side") == 1.0
    assert 0 < chrf("return side", "return side * side") < 1


@given(st.text("ab\n", max_size=12), st.text("ab\n", max_size=12))
def test_the_diff_is_the_one_span_that_differs(before: str, after: str) -> None:
    edit = diff(before, after)
    if before == after:
        assert edit is None
        return
    assert edit is not None
    assert before[: edit.start] + edit.old + before[edit.start + len(edit.old) :] == before
    assert before[: edit.start] + edit.new + before[edit.start + len(edit.old) :] == after
    # The smallest: no common character left at either end of the span.
    assert not (edit.old and edit.new and edit.old[0] == edit.new[0])
    assert not (edit.old and edit.new and edit.old[-1] == edit.new[-1])


def _follow_up(before: str, after: str, language: str = "python"):  # type: ignore[no-untyped-def]
    """The next edit after `before` → `after`, with a model that must not be asked;
    returned as (the kind's reason, the text once it is applied)."""
    edit = diff(before, after)
    assert edit is not None
    engine = FakeEngine("never asked", chat_template=TEMPLATE)
    snapshot = Snapshot.parse(after, language)
    found = next_edit(snapshot, before, edit, engine)
    assert engine.prompts == []
    # The tree alone gives the same answer (the server's answer without the engine).
    assert tree_answer(snapshot, before, edit) == TreeAnswer(True, found)
    if found is None:
        return None
    return found.reason, after[: found.start] + found.text + after[found.end :]


def test_a_moved_line_has_its_old_copy_deleted() -> None:
    before = "def f(r):\n    if r:\n        ctx = make_context(r)\n        use(ctx)\n    return 1\n"
    after = before.replace("    if r:\n", "    ctx = make_context(r)\n    if r:\n")
    reason, applied = _follow_up(before, after)
    assert reason == "delete the moved line's old copy"
    assert (
        applied
        == "def f(r):\n    ctx = make_context(r)\n    if r:\n        use(ctx)\n    return 1\n"
    )
    # The same line in another function is that function's own: no follow-up.
    other = "def g(r):\n    ctx = make_context(r)\n\n\ndef f(r):\n    if r:\n        pass\n"
    moved = other.replace("    if r:\n", "    ctx = make_context(r)\n    if r:\n")
    assert _follow_up(other, moved) is None


def test_a_line_changed_like_its_copy_changes_the_copy_too() -> None:
    before = "def f(a, b):\n    t = compute(a, b, mode=1)\n    return t\n\n\ndef g(a, b):\n"
    before += "    t = compute(a, b, mode=1)\n    return -t\n"
    after = before.replace("mode=1", "mode=2", 1)
    reason, applied = _follow_up(before, after)
    assert reason == "the same change here" and applied == before.replace("mode=1", "mode=2")


def test_a_dotted_name_replaced_is_replaced_in_its_other_copies() -> None:
    before = "def fail(m) -> t.NoReturn:\n    raise E(m)\n\n\ndef abort() -> t.NoReturn:\n"
    before += "    raise A()\n"
    after = before.replace("t.NoReturn", '"te.NoReturn"', 1)
    reason, applied = _follow_up(before, after)
    assert reason == 'replace t.NoReturn → "te.NoReturn"'
    assert applied == before.replace("t.NoReturn", '"te.NoReturn"')
    # A name grown into more (`T` → `T | None`) is not a replacement to repeat.
    grown = before.replace("t.NoReturn", "t.NoReturn | None", 1)
    assert _follow_up(before, grown) is None


def test_an_extracted_expression_is_used_in_its_copies_below() -> None:
    before = "def f(p):\n    a = open(p + '.txt')\n    b = read(p + '.txt')\n    return a, b\n"
    after = before.replace("    a = open", "    name = p + '.txt'\n    a = open")
    reason, applied = _follow_up(before, after)
    assert reason == "use name" and "a = open(name)" in applied and "read(p + '.txt')" in applied


# A field set in two methods: adding `height` beside `width` in one is followed in the other.
BOX = "class Box:\n    def __init__(self):\n        self.width = 0\n\n    def reset(self):\n"
BOX += "        self.width = 0\n"


def test_a_sibling_line_is_added_where_the_first_one_is_named() -> None:
    before = BOX
    after = before.replace("self.width = 0\n", "self.width = 0\n        self.height = 0\n", 1)
    reason, applied = _follow_up(before, after)
    assert reason == "height beside width"
    assert applied.endswith(
        "    def reset(self):\n        self.width = 0\n        self.height = 0\n"
    )


def test_a_removed_variable_s_assignments_go_and_its_uses_are_asked_of_the_model() -> None:
    before = "def f(xs):\n    found = False\n    for x in xs:\n        found = True\n    return 1\n"
    after = before.replace("    found = False\n", "")
    reason, applied = _follow_up(before, after)
    assert reason == "found was removed" and "found" not in applied
    # A use that is not an assignment: the model rewrites it, and its line must no
    # longer name the removed variable.
    used = "def f(xs):\n    found = any(xs)\n    return found\n"
    gone = used.replace("    found = any(xs)\n", "")
    snapshot, edit = Snapshot.parse(gone, "python"), diff(used, gone)
    assert edit is not None
    for answer, kept in (("return found", False), ("return any(xs)", True)):
        engine = FakeEngine(answer, chat_template=TEMPLATE)
        found = next_edit(snapshot, used, edit, engine)
        assert (found is not None and found.text == "any(xs)") == kept
        assert "`found` no longer exists" in engine.detokenize(engine.prompts[0])


def test_scenarios_relate_hunks_by_names_not_keywords(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lsp_server.bench.commands.next_edit import Shown, _score
    from lsp_server.bench.edit_history import Hunk, Scenario, scenarios

    root = history_repo(tmp_path)
    text = "import os\n\n\ndef f():\n    return os.sep\n"
    (root / "mod.py").write_text(text)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "m"], check=True)
    changed = text.replace("import os\n", "import os\nimport re\n") + "\nimport sys\n"
    (root / "mod.py").write_text(changed)
    subprocess.run(["git", "-C", str(root), "commit", "-qam", "imports"], check=True)
    found = {s.scenario_id.split(":")[1]: s for s in scenarios(root, 10, seed=0)}
    # The two hunks share only the keyword `import`: quiet is the right answer.
    assert found["mod.py"].follows == ()
    # Any related hunk is a right place; the text is scored against that one.
    one, two = Hunk(3, ("a = 1",), ("a = 2",)), Hunk(7, ("b = 1",), ("b = 2",))
    scenario = Scenario("x", "p.py", "python", "", "", (one, two))
    assert _score(scenario, Shown(6, 1, "b = 2"))["chrf"] == 1.0
    assert _score(scenario, Shown(4, 1, "c = 2"))["located"] is False
    assert _score(scenario, Shown(2, 0, "a = 2"))["located"] is True  # inserted at its place


def test_a_new_parameter_gets_its_docstring_entry_from_the_model() -> None:
    before = '''def wrap(text, width):
    """Wrap the text.

    :param text: the text to wrap.
    :param width: the width, in columns,
        at most.
    """
    return text
'''
    after = before.replace("def wrap(text, width)", "def wrap(text, width, indent=0)")
    snapshot, edit = Snapshot.parse(after, "python"), diff(before, after)
    assert edit is not None

    def run(answer: str):  # type: ignore[no-untyped-def]
        engine = FakeEngine(answer, chat_template=TEMPLATE)
        return next_edit(snapshot, before, edit, engine), engine

    found, engine = run(":param indent: spaces before each line.")
    assert found is not None and found.reason == "document indent"
    applied = after[: found.start] + found.text + after[found.end :]
    assert '        at most.\n    :param indent: spaces before each line.\n    """' in applied
    asked = engine.detokenize(engine.prompts[0])
    assert "`indent`" in asked and ":param width: the width, in columns," in asked
    assert run("indent: spaces.")[0] is None  # not in the docstring's style
    assert run(":param width: spaces.")[0] is None  # not the new parameter


def test_a_name_shortened_is_found_at_its_start_and_followed_outside_its_definition() -> None:
    # `values` → `value` deletes the name's tail: the name is read at its start (at the
    # deletion's offset the tree has the next token), so a renamed function is
    # followed at its callers, outside it.
    before = "def values(x):\n    return [x]\n\n\nprint(values(1))\n"
    after = before.replace("def values(", "def value(")
    reason, applied = _follow_up(before, after)
    assert reason == "rename values → value" and applied.endswith("print(value(1))\n")


def test_an_extracted_expression_is_replaced_only_where_it_stands_whole() -> None:
    before = "def f(a, b):\n    y = h(xa * b + 12)\n    x = g(a * b + 1)\n    return x, y\n"
    after = before.replace("    y = h", "    total = a * b + 1\n    y = h")
    reason, applied = _follow_up(before, after)
    assert reason == "use total" and "g(total)" in applied and "h(xa * b + 12)" in applied


def test_a_sibling_line_in_a_crlf_text_ends_as_its_lines_do() -> None:
    before = BOX.replace("\n", "\r\n")
    after = before.replace("self.width = 0\r\n", "self.width = 0\r\n        self.height = 0\r\n", 1)
    _, applied = _follow_up(before, after)
    assert applied.endswith("        self.width = 0\r\n        self.height = 0\r\n")
    assert "\n" not in applied.replace("\r\n", "")
