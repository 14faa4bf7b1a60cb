"""initialize / initialized / configuration / shutdown, and model loading with $/progress."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from lsprotocol import types

from lsp_server.config.settings import EngineKind
from lsp_server.config.user import read_user_settings, user_settings_file
from lsp_server.documents.positions import Encoding
from lsp_server.engines.base import EngineError
from lsp_server.features import workspace
from lsp_server.logs import set_level
from lsp_server.methods import LOAD_PROGRESS_PREFIX
from lsp_server.models.catalog import find_entry
from lsp_server.models.resolve import ModelError, resolve
from lsp_server.runtime.worker import shared
from lsp_server.server import SlmLanguageServer
from lsp_server.tuning.quality import MEASURED

log = logging.getLogger(__name__)


def apply_settings(ls: SlmLanguageServer, raw: Any) -> list[str]:
    """Merge `raw` into the server's settings; returns the rejected fields' messages."""
    errors = ls.live.update(raw)
    set_level(ls.settings.log_level)
    return errors


def _report(ls: SlmLanguageServer, errors: list[str]) -> None:
    for error in errors:
        ls.tell(types.MessageType.Warning, f"slm-ls setting ignored: {error}")


async def load_model(ls: SlmLanguageServer) -> None:
    """Load (or reload) the engine, with $/progress when the client supports it."""
    caps = ls.client_capabilities.window
    progress = bool(caps and caps.work_done_progress)
    # A token per load: one that is never released (a failed load, a client that did
    # not answer) must not block the progress of the next load.
    token = f"{LOAD_PROGRESS_PREFIX}{uuid.uuid4()}"
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as exc:  # the client refused: go on without progress
            log.warning("no progress for this load: %s", exc)
            progress = False
    if progress:
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title="slm-ls", message="loading model", cancellable=False),
        )
    message = "model not loaded"
    try:
        engine = await ls.runtime.engine()
        message = f"{_loaded_name(ls, engine.info.name)} ready"
        if (fast := ls.runtime.load_fast()) is not None:  # the cascade's fast model
            await shared(fast)
            message += f", {resolve(ls.runtime.fast_spec() or '').shown} as the fast model"
        ls.service.loaded()  # a place the cursor named meanwhile is prepared now
        ls.tuner.loaded()  # measures the machine in idle time (model "auto")
        for notice in engine.info.notices:
            ls.tell(types.MessageType.Warning, notice)
    except (ModelError, EngineError) as exc:
        if _next_candidate(ls, exc):
            return
        ls.tell(types.MessageType.Error, str(exc))
    except Exception as exc:  # a bug in loading must still end the progress and be told
        log.exception("model load failed")
        message = f"model not loaded: {type(exc).__name__}"
        ls.tell(types.MessageType.Error, f"slm-ls could not load the model: {exc!r}")
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


def _spawn(ls: SlmLanguageServer, tasks: set[asyncio.Task[None]]) -> None:
    task = asyncio.ensure_future(load_model(ls))
    tasks.add(task)  # held until done: the loop keeps only weak references
    task.add_done_callback(tasks.discard)


def register(server: SlmLanguageServer) -> None:
    # The feature's state, kept by its handlers: tasks (model loads, watcher
    # registration) held until done.
    loads: set[asyncio.Task[None]] = set()

    @server.feature(types.INITIALIZE)
    def initialize(ls: SlmLanguageServer, params: types.InitializeParams) -> None:
        kind = ls.workspace.position_encoding or "utf-16"
        ls.documents.encoding = Encoding(getattr(kind, "value", kind))
        # The user settings file (`slm-ls tune --write`) first: the editor's win.
        user = read_user_settings()
        if user is not None:
            errors = apply_settings(ls, user)
            ls.pending_warnings.extend(f"{user_settings_file()}: {e}" for e in errors)
        ls.pending_warnings.extend(apply_settings(ls, params.initialization_options))
        _decide(ls)

    server.reload = lambda: _spawn(server, loads)

    @server.feature(types.INITIALIZED)
    def initialized(ls: SlmLanguageServer, params: types.InitializedParams) -> None:
        _report(ls, ls.pending_warnings)
        ls.pending_warnings.clear()
        _suggest_pull(ls)
        _spawn(ls, loads)
        workspace.start(ls, loads)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: SlmLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        if params.settings is None:
            return
        _report(ls, apply_settings(ls, params.settings))
        _decide(ls)
        _spawn(ls, loads)  # reloads only when the model or engine settings changed
        workspace.start(ls, loads)  # `context.workspace` turned on

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: SlmLanguageServer, params: None) -> None:
        ls.shutdown_requested = True
        ls.stop_engines(wait=False)  # `exit` waits for them


def _next_candidate(ls: SlmLanguageServer, exc: Exception) -> bool:
    """Model "auto" chose a model that failed to load: the next one is loaded instead,
    said once. False when the person named the model, or none is left."""
    if ls.runtime.named_model() is not None:
        return False
    failed = ls.runtime.model().shown
    instead = ls.runtime.give_up_on(failed)
    if instead is None:
        return False
    text = f"slm-ls: {failed} could not be loaded ({exc}); using {instead} instead"
    log.warning("%s", text)
    ls.tell(types.MessageType.Warning, text)
    ls.reload()
    return True


def _decide(ls: SlmLanguageServer) -> None:
    """`model: "auto"`'s configuration from what this machine measured (or the report on
    the model the person named); a failure leaves the settings as they are."""
    try:
        decision = ls.runtime.decide()
    except Exception:  # a bug in choosing must not stop the server: the defaults serve
        log.exception("auto: could not choose; the defaults are used")
        return
    log.info("%s", decision.choice.reason)


def _suggest_pull(ls: SlmLanguageServer) -> None:
    """A model that would suggest more here is not on disk: said once, with the command
    (it is never downloaded unasked)."""
    decision = ls.runtime.decision
    if decision is None or not decision.overlay or decision.choice.better is None:
        return  # a model the person named is their choice: doctor and the stats still say
    better, predicted = decision.choice.better, decision.choice.better_prediction
    cost = f", predicted {predicted.p50_ms:.0f} ms a keystroke here" if predicted else ""
    entry = find_entry(better)
    guess = (
        "" if entry is None or entry.name in MEASURED else " (its quality estimated from its size)"
    )
    text = (
        f"slm-ls: {better} would suggest more on this machine{cost}{guess}; it is not on "
        f"disk. Run: slm-ls models pull {better}"
    )
    log.warning("%s", text)
    ls.tell(types.MessageType.Info, text)


def _loaded_name(ls: SlmLanguageServer, engine_name: str) -> str:
    """The loaded model as the person chose it (a remote engine: its model at its URL)."""
    if ls.settings.engine.kind != EngineKind.LOCAL:
        return engine_name
    return ls.runtime.model().shown
