"""The llama.vim peer (client/llama_vim.py): its local context and render rules, its
client cache, and how a team's plan gives each person a file."""

from __future__ import annotations

from pathlib import Path

from lsp_server.client.llama_vim import LlamaVimPeer, local_context, rendered
from lsp_server.client.replay import ReplayPlan, _person

TEXT = "def f(x):\n    y = x\n    ret\n\nprint(f(1))\n"


def test_local_context_splits_the_cursor_line() -> None:
    offset = TEXT.index("ret") + 3
    context = local_context(TEXT, offset)
    assert context.prefix == "def f(x):\n    y = x\n"
    assert context.middle == "    ret" and context.indent == 4
    assert context.suffix == "\n\nprint(f(1))\n\n"


def test_a_blank_line_starts_from_its_beginning() -> None:
    text = "def f(x):\n    \n"
    context = local_context(text, text.index("    \n") + 4)
    assert (context.middle, context.indent) == ("", 0)
    # The answer carries the indentation; what is already typed is taken off.
    assert rendered("    return x\n\n", text, text.index("    \n") + 4) == "return x"


def test_render_drops_whitespace_and_a_repeat_of_the_line() -> None:
    text = "x = f(a)\n"
    assert rendered("  \n", text, 4) == ""
    assert rendered("f(a)", text, 4) == ""
    assert rendered("g(b)\n", text, 4) == "g(b)"


async def test_the_client_cache_serves_typing_through_an_answer() -> None:
    peer = LlamaVimPeer("http://127.0.0.1:9")  # never asked: the answers are cached
    offset = TEXT.index("ret") + 3
    context = local_context(TEXT, offset)
    from lsp_server.client.llama_vim import _hash

    peer.cache[_hash(context.prefix + context.middle + "Î" + context.suffix)] = "urn x + y"
    typed = TEXT[:offset] + "ur" + TEXT[offset:]
    suggestion, _ = await peer.complete("file:///f.py", typed, offset + 2)
    assert suggestion == "n x + y" and peer.records[-1]["cache_hit"]
    await peer.close()


def test_every_team_size_types_the_same_files() -> None:
    files = [(Path(f"{name}.py"), [(0, 1)]) for name in "abcd"]
    plan = ReplayPlan(files, max_steps=30, open_files=20)
    alone = _person(plan, 0, 1)
    assert [p.name for p, _ in alone.documents] == ["a.py", "b.py", "c.py", "d.py"]
    assert alone.max_steps == 120 and alone.open_files == 0
    pair = [_person(plan, i, 2) for i in range(2)]
    assert [[p.name for p, _ in person.documents] for person in pair] == [
        ["a.py", "c.py"],
        ["b.py", "d.py"],
    ]
