"""`slm-ls bench replay FILE...`: re-type real files through the real server over LSP.

For each file, holes (function bodies, blocks) are cut out; the hole's text is then
typed back word by word. After every word the client asks for an inline completion
(as an editor does while the user types) and accepts it when it matches what comes
next (all of it, or its first line). One server per mode; the same script for each.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.lsp.client import LanguageClient

from lsp_server.client.session import server_session
from lsp_server.methods import (
    CURSOR_METHOD,
    PARTIAL_ACCEPT_METHOD,
    STATS_METHOD,
)
from lsp_server.syntax.languages import language_of_path

IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
WORD = re.compile(r"\s*(\w+|[^\w\s]+)|\s+")


@dataclass
class Step:
    latency_ms: float  # client side, request to response
    suggestion: str
    accepted: int  # characters accepted from the suggestion
    typed: int  # characters typed by the "user" after it
    document: int = 0  # which re-typed document (in order)
    since_open_s: float = 0.0  # when the answer arrived, seconds after the document opened
    whole: bool = False  # the whole suggestion was taken (one Tab), not only its first line
    late: bool = False  # no answer within the person's patience: they typed on
    keys: int = 0  # accept keys pressed for `accepted` (Tab, or one per word or line)


class AcceptPolicy(StrEnum):
    """What the simulated person takes of a suggestion."""

    # The whole suggestion (one Tab), or its first line when only that is right: the
    # replay's rule before partial accepts existed.
    WHOLE = "whole"
    # The longest run of its lines that is right, one key a line (the Neovim plugin's
    # accept-line key); all of it with one key when all of it is right.
    LINE = "line"
    # The longest right word-aligned start, one key a word (VS Code's Ctrl+Right, the
    # Neovim plugin's accept-word key); all of it with one key when all of it is right.
    WORD = "word"


@dataclass(frozen=True)
class Pauses:
    """How long the simulated person waits before typing on (seconds): after a word,
    after finishing a line, and after opening a document before the first keystroke.
    All zero: typing without pauses (the next word as soon as the answer is in)."""

    word: float = 0.0
    line: float = 0.0
    open: float = 0.0

    def after(self, chunk: str) -> float:
        return self.line if chunk.endswith("\n") or "\n" in chunk else self.word


NO_PAUSES = Pauses()
HUMAN_PAUSES = Pauses(word=0.15, line=0.4, open=2.0)


@dataclass
class ModeRun:
    mode: str
    steps: list[Step] = field(default_factory=list)
    server: list[dict[str, Any]] = field(default_factory=list)  # slmls/stats records
    hole_chars: int = 0
    rss_mb: float | None = None
    open_files: int = 0
    hovers: list[Hovered] = field(default_factory=list)  # with --hover-every
    wall_s: float = 0.0  # a team's run: seconds from start to the last person's end
    auto: str = ""  # the configuration the server ran with (model "auto"'s choice)
    messages: list[str] = field(default_factory=list)  # window/showMessage, in order


@dataclass
class Hovered:
    latency_ms: float
    answered: bool  # non-empty Markdown came back
    cancelled: bool  # superseded by the next hover before it answered


def next_chunk(remaining: str) -> str:
    match = WORD.match(remaining)
    return match.group(0) if match else remaining[:1]


def lsp_position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    column = len(text[text.rfind("\n", 0, offset) + 1 : offset].encode("utf-16-le")) // 2
    return types.Position(line, column)


class Session:
    """An editor's side of the conversation: open, type, move the cursor, ask."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.versions: dict[str, int] = {}
        self.shown: types.InlineCompletionItem | None = None  # the last suggestion

    def accepted(self, chars: int, whole: bool) -> None:
        """Tell the server, as our editor plugins do: the item's command for all of it,
        Copilot's notification for a part (UTF-16 units of the insert text)."""
        item = self.shown
        if item is None or item.command is None:
            return
        if whole:
            arguments = item.command.arguments or []
            self.client.workspace_execute_command(
                types.ExecuteCommandParams(item.command.command, list(arguments))
            )
            return
        text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
        units = len(text[:chars].encode("utf-16-le", "surrogatepass")) // 2
        command = {"title": item.command.title, "command": item.command.command,
                   "arguments": list(item.command.arguments or [])}  # fmt: skip
        params = {"item": {"command": command}, "acceptedLength": units}
        self.client.protocol.notify(PARTIAL_ACCEPT_METHOD, params)

    def open(self, uri: str, language: str, text: str) -> None:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text))
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    def focus(self, uri: str, text: str, offset: int) -> None:
        """The cursor is at `offset` (sent as our editor plugins do)."""
        position = lsp_position(text, offset)
        params = {"textDocument": {"uri": uri}, "position": {"line": position.line,
                  "character": position.character}}  # fmt: skip
        self.client.protocol.notify(CURSOR_METHOD, params)

    def insert(self, uri: str, text: str, offset: int, chunk: str) -> None:
        self.versions[uri] += 1
        position = lsp_position(text, offset)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=self.versions[uri], uri=uri),
                [types.TextDocumentContentChangePartial(types.Range(position, position), chunk)],
            )
        )

    async def complete(self, uri: str, text: str, offset: int) -> tuple[str, float]:
        """The inline completion at `offset`; cancelled (the person typed on), it sends
        $/cancelRequest as an editor does."""
        started = time.perf_counter()
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=lsp_position(text, offset),
        )
        msg_id = str(uuid.uuid4())
        answer = self.client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id
        )
        try:
            # Shielded: pygls cannot take the answer for a future cancelled under it.
            result = await asyncio.shield(answer)
        except asyncio.CancelledError:
            self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            answer.add_done_callback(_dropped)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        items = result.items if isinstance(result, types.InlineCompletionList) else []
        self.shown = items[0] if items else None
        insert = items[0].insert_text if items else ""
        return (insert if isinstance(insert, str) else insert.value), elapsed

    async def hover(self, uri: str, text: str, offset: int, msg_id: str) -> Hovered:
        """A hover on the word just typed (as when the mouse rests on it), sent with
        `msg_id` so that a newer one can cancel it with $/cancelRequest."""
        started = time.perf_counter()
        params = types.HoverParams(types.TextDocumentIdentifier(uri), lsp_position(text, offset))
        try:
            result = await self.client.protocol.send_request_async(
                types.TEXT_DOCUMENT_HOVER, params, msg_id=msg_id
            )
        except JsonRpcRequestCancelled:
            return Hovered((time.perf_counter() - started) * 1000, False, True)
        contents = result.contents if result is not None else None
        answered = isinstance(contents, types.MarkupContent) and bool(contents.value.strip())
        return Hovered((time.perf_counter() - started) * 1000, answered, False)


def _dropped(answer: asyncio.Future[Any]) -> None:
    """The answer to a request the person no longer waits for: read, and let go."""
    if not answer.cancelled():
        answer.exception()


class _Hovering:
    """Hovers every few keystrokes, each superseding the previous one (an editor
    cancels the hover request of a mouse that moved on)."""

    def __init__(self, session: Session, every: int) -> None:
        self.session, self.every = session, every
        self.pending: tuple[str, asyncio.Task[Hovered]] | None = None
        self.tasks: list[asyncio.Task[Hovered]] = []

    def after_step(self, step: int, uri: str, text: str, offset: int) -> None:
        if not self.every or step % self.every:
            return
        if self.pending is not None and not self.pending[1].done():
            # What VS Code does when the mouse moves on: cancel the request.
            self.session.client.protocol.notify(
                types.CANCEL_REQUEST, types.CancelParams(id=self.pending[0])
            )
        words = list(IDENTIFIER.finditer(text, max(0, offset - 200), offset))
        if not words:
            return
        where = words[-1].start()  # the last name typed (or the nearest before it)
        msg_id = str(uuid.uuid4())
        task = asyncio.ensure_future(self.session.hover(uri, text, where, msg_id))
        self.pending = (msg_id, task)
        self.tasks.append(task)

    async def results(self) -> list[Hovered]:
        return [await task for task in self.tasks]


def taken(suggestion: str, remaining: str, policy: AcceptPolicy) -> tuple[str, int]:
    """What a person who takes what is right under `policy` accepts of `suggestion`
    when `remaining` is what they mean to type, and the accept keys that costs."""
    if policy is AcceptPolicy.WHOLE:
        if suggestion and remaining.startswith(suggestion):
            return suggestion, 1
        first = suggestion.split("\n", 1)[0]
        return (first, 1) if first.strip() and remaining.startswith(first) else ("", 0)
    if suggestion.strip() and remaining.startswith(suggestion):
        return suggestion, 1  # all of it is right: one Tab, whatever the policy
    if policy is AcceptPolicy.LINE:
        pieces = suggestion.splitlines(keepends=True)
    else:
        pieces = [m.group(0) for m in WORD.finditer(suggestion)]
    took, keys = "", 0
    for piece in pieces:
        if not remaining.startswith(took + piece):
            break
        took, keys = took + piece, keys + 1
    return (took, keys) if took.strip() else ("", 0)


@dataclass(frozen=True)
class Hole:
    uri: str
    text: str  # the document without the hole
    start: int  # where the hole was
    middle: str  # what the person types back
    document: int = 0
    language: str = ""


class Typist(Protocol):
    """What the typing loop needs from whoever answers: the slm-ls server over LSP, or
    a peer protocol (client/llama_vim.py)."""

    def insert(self, uri: str, text: str, offset: int, chunk: str) -> None: ...

    def focus(self, uri: str, text: str, offset: int) -> None:
        """Where the cursor is before the person types (our plugins tell the server)."""
        ...

    async def complete(self, uri: str, text: str, offset: int) -> tuple[str, float]: ...

    def accepted(self, chars: int, whole: bool) -> None:
        """The person took the start (`chars`) or all of the last suggestion shown."""
        ...


async def _retype(
    session: Typist,
    run: ModeRun,
    hole: Hole,
    plan: ReplayPlan,
    deadline: float,
    hovering: _Hovering | None = None,
) -> str:
    """Type `hole.middle` back word by word, asking for a suggestion after each word
    and accepting it (whole, or its first line) when it is what comes next."""
    text, offset, remaining = hole.text, hole.start, hole.middle
    opened = time.monotonic()
    session.focus(hole.uri, text, offset)
    await asyncio.sleep(plan.pauses.open)
    while remaining and len(run.steps) < plan.max_steps and time.monotonic() < deadline:
        suggestion, latency, late = await _ask(session, hole.uri, text, offset, plan.patience)
        since_open = time.monotonic() - opened
        chunk, keys = taken(suggestion, remaining, plan.accept)
        accepted = len(chunk)
        whole = bool(chunk) and chunk == suggestion
        if not chunk:
            chunk = next_chunk(remaining)
        session.insert(hole.uri, text, offset, chunk)
        if accepted:
            session.accepted(accepted, whole)
        text = text[:offset] + chunk + text[offset:]
        offset += len(chunk)
        remaining = remaining[len(chunk) :]
        typed = len(chunk) - accepted
        step = Step(
            latency, suggestion, accepted, typed, hole.document, since_open, whole, late, keys
        )
        run.steps.append(step)
        if hovering is not None:
            hovering.after_step(len(run.steps), hole.uri, text, offset)
        await asyncio.sleep(plan.pauses.after(chunk))
    return text


async def _ask(
    session: Typist, uri: str, text: str, offset: int, patience: float
) -> tuple[str, float, bool]:
    """(suggestion, latency ms, late): a person waits `patience` seconds at most (0:
    for ever), then types on — the request is cancelled and its answer never shown."""
    started = time.perf_counter()
    try:
        suggestion, latency = await asyncio.wait_for(
            session.complete(uri, text, offset), patience or None
        )
    except TimeoutError:
        return "", (time.perf_counter() - started) * 1000, True
    return suggestion, latency, False


def server_rss_mb(client: LanguageClient) -> float | None:
    process = getattr(client, "_server", None)
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


@dataclass(frozen=True)
class ReplayPlan:
    # Each file and the str spans cut out of it and typed back (bench/repo_holes.py).
    documents: list[tuple[Path, list[tuple[int, int]]]]
    model: str | None = None
    max_steps: int = 60  # completion requests per mode
    budget_s: float = 3600.0  # per mode
    open_files: int = 20
    pauses: Pauses = NO_PAUSES
    # Settings sent to each server (`--set`), under the mode's `completion.mode`.
    settings: dict[str, Any] = field(default_factory=dict)
    hover_every: int = 0  # a hover on the word just typed every N keystrokes (0: none)
    # Seconds a person waits for a suggestion before typing on (0: until it comes).
    patience: float = 0.0
    # The workspace folder of the `MODE@workspace` runs: the server indexes it, and each
    # hole is typed in its own file's URI (closed after), so the index never shows the
    # hole's original text as another file.
    workspace: Path | None = None
    wait_for_index: bool = True  # type only once the index is built
    accept: AcceptPolicy = AcceptPolicy.WHOLE  # what the person takes of a suggestion


def split_mode(mode: str) -> tuple[str, bool]:
    """(completion mode, with the workspace folder) of `full` or `full@workspace`."""
    base, _, context = mode.partition("@")
    return base, context == "workspace"


def _with_mode(settings: dict[str, Any], mode: str) -> dict[str, Any]:
    completion = {**settings.get("completion", {}), "mode": mode}
    return {**settings, "completion": completion}


async def run_mode(mode: str, plan: ReplayPlan) -> ModeRun:
    base, workspace = split_mode(mode)
    settings = _with_mode(plan.settings, base)
    root = plan.workspace if workspace else None
    if root is not None:  # the index on, whatever the default
        settings = {**settings, "context": {**settings.get("context", {}), "workspace": True}}
    async with server_session("slm-ls-replay", plan.model, settings, root=root) as client:
        if root is not None and plan.wait_for_index:
            await index_ready(client)
        return await _run_mode(client, mode, plan)


async def index_ready(client: LanguageClient, timeout: float = 600.0) -> dict[str, Any]:
    """The server's workspace index status once it is built (or after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = await client.protocol.send_request_async(STATS_METHOD, {})
        index = stats["workspaceIndex"] if isinstance(stats, dict) else stats.workspaceIndex
        status = index if isinstance(index, dict) else index._asdict()
        if status.get("state") in ("ready", "off", "stopped") or time.monotonic() > deadline:
            return dict(status)
        await asyncio.sleep(0.2)


async def _run_mode(client: LanguageClient, mode: str, plan: ReplayPlan) -> ModeRun:
    label = f"{mode}, hover every {plan.hover_every}" if plan.hover_every else mode
    session, run = Session(client), ModeRun(label)
    # What the server told the person (window/showMessage): kept with the results.
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: run.messages.append(params.message))
    hovering = _Hovering(session, plan.hover_every)
    deadline = time.monotonic() + plan.budget_s
    in_files = split_mode(mode)[1]
    for hole in _holes(plan, in_files):
        session.open(hole.uri, hole.language, hole.text)
        run.hole_chars += len(hole.middle)
        await _retype(session, run, hole, plan, deadline, hovering)
        if in_files:
            session.close(hole.uri)
    run.hovers = await hovering.results()
    files = [path for path, _ in plan.documents]
    run.open_files = await _open_many(session, files, plan.open_files)
    run.rss_mb = server_rss_mb(client)
    stats = await client.protocol.send_request_async(STATS_METHOD, {})
    run.server = [dict(r) for r in _records(stats)]
    run.auto = _choice(stats)
    return run


def _choice(stats: Any) -> str:
    """The server's configuration as its stats say: the model, its fast model, the
    prompt's budgets (prefix + suffix + context tokens)."""
    said = stats.get("auto") if isinstance(stats, dict) else getattr(stats, "auto", None)
    if said is None:
        return ""

    def get(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)

    tokens = get(said, "promptTokens")
    fast = get(said, "fastModel")
    budget = (
        f" {get(tokens, 'prefix')}+{get(tokens, 'suffix')}+{get(tokens, 'context')}"
        if tokens is not None and get(said, "auto")
        else ""
    )
    return f"{get(said, 'chosen')}{' + fast ' + fast if fast else ''}{budget}"


def _records(stats: Any) -> list[Any]:
    records = stats["records"] if isinstance(stats, dict) else getattr(stats, "records", [])
    return [
        r if isinstance(r, dict) else r._asdict() if hasattr(r, "_asdict") else vars(r)
        for r in records
    ]


async def _open_many(session: Session, files: list[Path], count: int) -> int:
    """Open `count` documents (copies of the files) and complete once in each: the
    memory a working session with that many open files needs."""
    for index in range(count):
        path = files[index % len(files)]
        text = path.read_text(encoding="utf-8")
        uri = path.resolve().with_name(f"{path.stem}.open{index}{path.suffix}").as_uri()
        session.open(uri, language_of_path(path.name), text)
        await session.complete(uri, text, len(text) // 2)
    return count


def _holes(plan: ReplayPlan, in_files: bool = False) -> list[Hole]:
    """The documents' holes, in the order they are typed back; `in_files`: each in its
    file's own URI (else a URI of its own beside it)."""
    holes: list[Hole] = []
    for path, spans in plan.documents:
        source = path.read_text(encoding="utf-8")
        language = language_of_path(path.name)
        for index, (start, end) in enumerate(spans):
            name = path.name if in_files else f"{path.stem}.hole{index}{path.suffix}"
            uri = path.resolve().with_name(name).as_uri()
            holes.append(
                Hole(
                    uri,
                    source[:start] + source[end:],
                    start,
                    source[start:end],
                    len(holes),
                    language,
                )
            )
    return holes


async def run_llama_vim(plan: ReplayPlan, url: str) -> ModeRun:
    """The same typing, answered by llama.vim's requests to the llama-server at `url`."""
    from lsp_server.client.llama_vim import LlamaVimPeer

    peer, run = LlamaVimPeer(url), ModeRun("llama.vim (peer)")
    deadline = time.monotonic() + plan.budget_s
    try:
        for hole in _holes(plan):
            peer.open(hole.uri, "", hole.text, hole.start)
            run.hole_chars += len(hole.middle)
            await _retype(peer, run, hole, plan, deadline)
    finally:
        await peer.close()
    run.server = peer.records
    return run


def _person(plan: ReplayPlan, index: int, people: int) -> ReplayPlan:
    """Person `index` of `people`: every people-th file from `index` on, so that every
    team size types the same files (one person types them all; eight people, one
    each). `max_steps` counts per file."""
    mine = plan.documents[index::people]
    return replace(plan, documents=mine, max_steps=plan.max_steps * len(mine), open_files=0)


async def _team(mode: str, plan: ReplayPlan, people: int, peer_url: str | None) -> ModeRun:
    """`people` typing at once, each with their own slm-ls server (or llama.vim peer),
    all on one inference server; their steps and records pooled into one run."""
    if people > len(plan.documents):
        raise ValueError(f"{people} people need at least {people} files to type")
    started = time.monotonic()
    if peer_url is None:
        runs = await asyncio.gather(
            *(run_mode(mode, _person(plan, i, people)) for i in range(people))
        )
    else:
        runs = await asyncio.gather(
            *(run_llama_vim(_person(plan, i, people), peer_url) for i in range(people))
        )
    label = "llama.vim (peer)" if peer_url else mode
    team = ModeRun(f"{label}, {people} {'person' if people == 1 else 'people'}")
    for index, run in enumerate(runs):
        team.steps += [replace(step, document=index * 1000 + step.document) for step in run.steps]
        team.server += run.server
        team.hole_chars += run.hole_chars
    team.wall_s = time.monotonic() - started
    return team


def team_replay(
    mode: str, plan: ReplayPlan, sizes: list[int], peer_url: str | None = None
) -> list[ModeRun]:
    """The concurrent replay for each team size, one after the other."""
    return [asyncio.run(_team(mode, plan, n, peer_url)) for n in sizes]


def replay(modes: list[str], plan: ReplayPlan) -> list[ModeRun]:
    """Each mode with its own server process, one after the other."""
    return [asyncio.run(run_mode(mode, plan)) for mode in modes]
