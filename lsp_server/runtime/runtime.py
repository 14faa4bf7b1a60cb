"""The runtime: the engine worker, the completion model's slot and the chat model's
(the same engine unless `chatModel` names another). The completion service and the
chat runner (chat.py) use it; neither owns a model, and it calls neither."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from lsp_server.config.live import LiveSettings
from lsp_server.config.settings import Settings
from lsp_server.engines.base import Engine, EngineError
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import AUTO, ResolvedModel, cache_dir, choose_spec, resolve
from lsp_server.runtime.slot import EngineFactory, EngineSlot, Loaded
from lsp_server.tuning import auto, profile

__all__ = ["EngineFactory", "Runtime", "default_factory"]
from lsp_server.runtime.worker import EngineWorker, Priority, shared

T = TypeVar("T")


def default_factory(model: ResolvedModel, settings: Settings) -> Engine:
    return load_engine(model, settings.engine)


class Runtime:
    def __init__(
        self,
        settings: LiveSettings | Settings | None = None,
        cli_model: str | None = None,
        factory: EngineFactory = default_factory,
    ) -> None:
        self.live = settings if isinstance(settings, LiveSettings) else LiveSettings(settings)
        self.cli_model = cli_model
        self.worker = EngineWorker()
        self.completion = EngineSlot(self.worker, factory)
        self._fast = EngineSlot(self.worker, factory)
        self._chat = EngineSlot(self.worker, factory)
        self._profile: profile.Profile | None = None
        self.decision: auto.Decision | None = None  # model "auto"'s, or the report on a named one
        self.unloadable: set[str] = set()  # models "auto" chose that failed to load

    @property
    def settings(self) -> Settings:
        return self.live.current

    @property
    def ready(self) -> bool:
        """The completion engine is loaded."""
        return self.completion.active is not None

    def model(self) -> ResolvedModel:
        """The model the settings ask for (raises ModelError for an unknown name)."""
        if self.decision is None and self.named_model() is None:
            self.decide()
        return resolve(choose_spec(self.settings.model, self.cli_model))

    def named_model(self) -> str | None:
        """The model the person named (settings, --model, $SLM_LS_MODEL); None: auto."""
        spec = choose_spec(self.live.base.model, self.cli_model)
        return None if spec == AUTO else spec

    @property
    def profile(self) -> profile.Profile:
        """This machine's measured speeds (read from the cache once per machine key)."""
        key = auto.machine_key(self.settings)
        if self._profile is None or self._profile.key != key:
            self._profile = profile.load(profile.profile_file(_cache_root(), key), key)
        return self._profile

    def save_profile(self) -> bool:
        return profile.dump(profile.profile_file(_cache_root(), self.profile.key), self.profile)

    def decide(self) -> auto.Decision:
        """Choose the configuration for this machine (model "auto"), or only report on
        the model the person named; the settings in force follow at once."""
        named = self.named_model()
        self.decision = auto.choose(self.settings, self.profile, named, self.unloadable)
        self.live.set_auto(self.decision.overlay)
        return self.decision

    def give_up_on(self, model: str) -> str | None:
        """The model "auto" chose failed to load: choose again without it. Returns the
        next choice, or None when the person named the model or nothing else is left."""
        if self.named_model() is not None or model in self.unloadable:
            return None
        self.unloadable.add(model)
        choice = self.decide().choice
        return None if choice.model in self.unloadable else choice.model

    def engine_key(self) -> tuple[object, ...]:
        """What identifies the engine the settings ask for (model, engine settings)."""
        return (choose_spec(self.settings.model, self.cli_model), self.settings.engine)

    def load(self) -> concurrent.futures.Future[Loaded]:
        """Start loading the completion engine, and the cascade's fast one when
        `fastModel` names one (no-ops when they are loaded)."""
        self.load_fast()
        return self.completion.load(self.engine_key(), self.model, lambda: self.settings)

    def fast_spec(self) -> str | None:
        """The cascade's fast model, when `fastModel` names one other than `model`."""
        spec = (self.settings.fast_model or "").strip()
        if not spec or spec == choose_spec(self.settings.model, self.cli_model):
            return None
        return spec

    def load_fast(self) -> concurrent.futures.Future[Loaded] | None:
        """Start loading the fast model (dropped when the setting is removed)."""
        spec = self.fast_spec()
        if spec is None:
            self._fast.drop()
            return None
        key = (spec, self.settings.engine)
        return self._fast.load(key, lambda: resolve(spec), lambda: self.settings)

    async def engine(self) -> Engine:
        """The loaded engine; raises ModelError or EngineError when loading failed."""
        return (await shared(self.load())).engine

    def chat_spec(self) -> str | None:
        """The chat model, when `chatModel` names one other than the completion model."""
        spec = (self.settings.chat_model or "").strip()
        if not spec or spec == choose_spec(self.settings.model, self.cli_model):
            return None
        return spec

    def chat_engine_key(self) -> tuple[object, ...]:
        """What identifies the engine that answers chat (hover, actions)."""
        spec = self.chat_spec()
        return self.engine_key() if spec is None else (spec, self.settings.engine)

    def load_chat(self) -> concurrent.futures.Future[Loaded]:
        """Start loading the chat engine: the completion engine unless `chatModel`
        names another model, which is then loaded beside it (and replaced or dropped
        when the setting changes)."""
        spec = self.chat_spec()
        if spec is None:
            self._chat.drop()
            return self.load()
        return self._chat.load(self.chat_engine_key(), lambda: resolve(spec), lambda: self.settings)

    def run_completion(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the completion engine, before hover and idle work."""
        return self.worker.submit(
            lambda: self._on(self._with_fast(self.completion.active), job), Priority.COMPLETION
        )

    def _with_fast(self, loaded: Loaded | None) -> Loaded | None:
        """The completion engine with the cascade's fast one beside it (on the worker)."""
        fast = self._fast.active if self.fast_spec() is not None else None
        return replace(loaded, fast=fast) if loaded is not None and fast is not None else loaded

    def run_next_edit(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the completion engine, after the completions waiting (next edit)."""
        return self.worker.submit(lambda: self._on(self.completion.active, job), Priority.EXPLAIN)

    def run_chat(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the chat engine, after the completions waiting: one worker runs both
        models, so a chat model never competes with typing for the CPU."""
        own = self.chat_spec() is not None
        slot = self._chat if own else self.completion
        return self.worker.submit(lambda: self._on(slot.active, job, "chat "), Priority.EXPLAIN)

    def run_idle(self, job: Callable[[Loaded], T]) -> concurrent.futures.Future[T]:
        """`job` on the completion engine, after every other kind of work."""
        return self.worker.submit(lambda: self._on(self.completion.active, job), Priority.IDLE)

    @staticmethod
    def _on(loaded: Loaded | None, job: Callable[[Loaded], T], kind: str = "") -> T:
        if loaded is None:
            raise EngineError(f"no {kind}model is loaded")
        return job(loaded)

    def close(self) -> None:
        """Free the engines once no job uses them (the callers stop their own work
        first: the completion service, the chat runner)."""
        self.worker.close(then=self._unload)

    def stop(self, timeout: float) -> bool:
        """`close`, then wait until the engines are freed and the worker has ended: the
        interpreter must not unload llama.cpp while a generation is still running in
        it (SIGSEGV at exit). False when the thread did not end in `timeout` seconds."""
        self.close()
        return self.worker.join(timeout)

    def _unload(self) -> None:
        self._chat.unload()
        self._fast.unload()
        self.completion.unload()


def _cache_root() -> Path:
    """slm-ls's cache folder (the models' folder's parent)."""
    return cache_dir().parent
