"""`slm-ls bench rest`: the first keystroke after a rest, as an editor sends it, through
the real server: open a file, report the cursor (as our plugins do) or not, rest, type
one character at the cursor and ask for an inline completion at once. Optionally with
busy processes beside the server, as a person's editor, browser and build are."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsp_server.client.replay import Session
from lsp_server.client.session import server_session
from lsp_server.methods import STATS_METHOD
from lsp_server.syntax.languages import language_of_path

BUSY = "while True: pass"
OPEN_PAUSE_S = 3.0  # the file is looked at before the cursor settles


@dataclass(frozen=True)
class RestPlan:
    path: Path
    offset: int  # str offset of the cursor
    typed: str  # what the person types after the rest
    rest_s: float
    cursor: bool  # the cursor reported (slm-ls/didChangeCursor) before the rest
    tries: int
    busy: int  # busy processes beside the server


@dataclass(frozen=True)
class RestTry:
    latency_ms: float
    suggestion: str
    quick: bool  # answered from the short prompt
    cache_hit: bool


def rest(model: str | None, settings: dict[str, Any], plan: RestPlan) -> list[RestTry]:
    """Each try in its own document (a fresh place), one server for them all."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(plan.busy)]
    try:
        return asyncio.run(_tries(model, settings, plan))
    finally:
        for process in busy:
            process.kill()
            process.wait()


async def _tries(model: str | None, settings: dict[str, Any], plan: RestPlan) -> list[RestTry]:
    text = plan.path.read_text(encoding="utf-8")
    language = language_of_path(plan.path.name)
    found: list[RestTry] = []
    async with server_session("slm-ls-bench-rest", model, settings) as client:
        for n in range(plan.tries):
            session = Session(client)
            uri = f"file:///slm-ls-bench-rest/{n}/{plan.path.name}"
            session.open(uri, language, text)
            await asyncio.sleep(OPEN_PAUSE_S)
            if plan.cursor:
                session.focus(uri, text, plan.offset)
            await asyncio.sleep(plan.rest_s)
            session.insert(uri, text, plan.offset, plan.typed)
            typed = text[: plan.offset] + plan.typed + text[plan.offset :]
            started = time.perf_counter()
            suggestion, _ = await session.complete(uri, typed, plan.offset + len(plan.typed))
            latency = (time.perf_counter() - started) * 1000
            record = await _last_record(client)
            found.append(
                RestTry(
                    latency, suggestion, bool(record.get("quick")), bool(record.get("cache_hit"))
                )
            )
            session.close(uri)
    return found


async def _last_record(client: Any) -> dict[str, Any]:
    stats = await client.protocol.send_request_async(STATS_METHOD, {})
    records = getattr(stats, "records", None) or []
    last = records[-1] if records else None
    return {k: getattr(last, k, None) for k in ("quick", "cache_hit")} if last else {}
