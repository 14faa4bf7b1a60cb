"""What the CLI subcommands do (other than `serve`)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from lsp_server.completion.pipeline import complete as run_pipeline
from lsp_server.completion.request import request_for
from lsp_server.config.settings import EngineKind, Settings
from lsp_server.documents.positions import Encoding, position_to_offset
from lsp_server.engines.base import CancelToken, Engine, EngineError
from lsp_server.engines.loader import load_engine
from lsp_server.models.catalog import CATALOG, find_entry
from lsp_server.models.pull import pull
from lsp_server.models.resolve import (
    AUTO,
    ModelError,
    ResolvedModel,
    cache_dir,
    choose_spec,
    resolve,
)
from lsp_server.runtime.runtime import Runtime
from lsp_server.syntax.languages import detect_language
from lsp_server.tuning import auto, probe
from lsp_server.tuning.profile import Sample


def _fail(message: str) -> int:
    print(f"slm-ls: {message}", file=sys.stderr)
    return 1


def parse_location(location: str) -> tuple[str, int, int]:
    """PATH:LINE:COL (1-based) -> (path, line, col)."""
    path, line, col = location.rsplit(":", 2)
    return path, int(line), int(col)


def complete(args: argparse.Namespace, settings: Settings) -> int:
    try:
        path, line, col = parse_location(args.location)
        text = Path(path).read_text(encoding="utf-8")
    except (ValueError, OSError) as exc:
        return _fail(f"cannot read {args.location}: {exc}")
    runtime = Runtime(settings, args.model)
    try:  # the model and settings the server would use here (model "auto" included)
        model = runtime.model()
        settings = runtime.settings
        engine = load_engine(model, settings.engine)
    except (ModelError, EngineError) as exc:
        return _fail(str(exc))
    offset = position_to_offset(text, line - 1, col - 1, Encoding.UTF32)
    request = request_for(text, offset, detect_language(None, path), multiline=args.multiline)
    completion = replace(
        settings.completion, max_tokens=args.max_tokens, deadline_ms=args.deadline_ms
    )
    try:
        suggestion = run_pipeline(request, engine, completion)
    except (ModelError, EngineError) as exc:  # one line, as doctor does: no traceback
        return _fail(str(exc))
    finally:
        engine.close()
    print(suggestion.text)
    return 0


def models(args: argparse.Namespace, settings: Settings) -> int:
    if args.models_command == "list":
        print(f"{'name':32} {'family':15} {'fim':4} {'ctx':>6}  {'on disk':8} source")
        for entry in CATALOG:
            present = (cache_dir() / entry.filename).is_file()
            source = "pypi+hf" if entry.mirror else "hf"
            print(
                f"{entry.name:32} {entry.family:15} {'yes' if entry.fim else 'no':4} "
                f"{entry.context_length:>6}  {'yes' if present else '-':8} {source}"
            )
        print(f"\ncache: {cache_dir()}")
        return 0
    wanted = find_entry(args.name)
    if wanted is None:
        return _fail(f"unknown model '{args.name}' (see `slm-ls models list`)")
    try:
        print(pull(wanted, args.source))
    except ModelError as exc:
        return _fail(str(exc))
    return 0


def doctor(args: argparse.Namespace, settings: Settings) -> int:
    for package in ("slm-ls", "llama-cpp-python", "pygls", "lsprotocol", "tree-sitter"):
        try:
            print(f"{package:18} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            print(f"{package:18} MISSING")
    print(f"{'python':18} {platform.python_version()} ({platform.machine()})")
    spec = choose_spec(None, args.model)
    runtime = Runtime(settings, args.model)
    try:
        if spec == AUTO:
            spec = runtime.decide().choice.model
        model = resolve(spec)
        print(f"{'model':18} {spec} -> {model.path}")
        started = time.perf_counter()
        engine = load_engine(model, settings.engine)
    except (ModelError, EngineError) as exc:
        return _fail(str(exc))
    info = engine.info
    print(f"{'loaded in':18} {time.perf_counter() - started:.2f} s")
    print(f"{'family':18} {info.family or 'unknown'}  layout={'-'.join(info.layout) or 'prefix'}")
    print(f"{'fim tokens':18} {info.fim if info.fim else 'none (prefix-only completion)'}")
    if settings.engine.kind == EngineKind.LOCAL:
        layers = getattr(engine, "gpu_layers", 0)
        where = (
            "CPU only" if layers == 0 else f"{'all' if layers < 0 else layers} layers on the GPU"
        )
        print(f"{'gpu offload':18} {where} (engine.gpuLayers = {settings.engine.gpu_layers})")
    else:
        remote = settings.engine
        print(f"{'engine':18} {remote.kind} at {remote.url} (model: {remote.model or 'default'})")
        print(f"{'tokenizer':18} {getattr(engine, 'tokenizer', 'unknown')}")
        key = remote.api_key_env
        if key:
            print(f"{'api key':18} ${key} {'set' if os.environ.get(key) else 'NOT SET'}")
        for notice in info.notices:
            print(f"{'warning':18} {notice}")
    _index_report(args, settings)
    try:
        _speed_probe(engine, model, runtime)
        _fim_probe(engine, settings)
    except EngineError as exc:  # a remote engine that does not answer
        return _fail(str(exc))
    finally:
        engine.close()
    return 0


def _index_report(args: argparse.Namespace, settings: Settings) -> None:
    """The workspace index of --workspace (or of the current git repository)."""
    from lsp_server.bench.commands.index import measure

    here = Path.cwd() if (Path.cwd() / ".git").exists() else None
    folder = args.workspace or (here if settings.context.workspace else None)
    if folder is None:
        why = "no folder (--workspace PATH)" if settings.context.workspace else "off"
        print(f"{'workspace index':18} {why} (context.workspace)")
        return
    found = measure(folder.resolve(), settings.context)
    print(
        f"{'workspace index':18} {folder}: {found['files']} files, {found['definitions']} "
        f"definitions in {found['cold_s']:.2f} s; {found['held_mb']:.0f} MB held "
        f"(peak +{found['peak_mb']:.0f} MB); restart from the disk cache "
        f"{found['restart_s']:.2f} s"
    )


def _fim_probe(engine: Engine, settings: Settings) -> None:
    """One completion through the pipeline the server runs (a FIM prompt when the
    model has FIM tokens)."""
    text = "def add(a, b):\n    return \n"
    started = time.perf_counter()
    suggestion = run_pipeline(
        request_for(text, text.index("return ") + 7, "python"), engine, settings.completion
    )
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{'completion probe':18} {suggestion.text!r} in {elapsed:.0f} ms")


def _speed_probe(engine: Engine, model: ResolvedModel, runtime: Runtime) -> None:
    """The machine probe the server runs in idle time (tuning/probe.py): its figures join
    this machine's profile, and model "auto"'s choice is said with its reason."""
    token = CancelToken()
    seed = int(time.time()) % 100_000
    probe.enter(engine, token)
    short = probe.short_step(engine, seed, token)
    full = probe.full_step(engine, seed, token)
    if short is None or full is None:
        print(f"{'speed':18} not measured (the model stopped early)")
        return
    size = probe.model_bytes(model)
    rates = probe.rates(size, short, full)
    print(
        f"{'speed':18} prompt {rates.prompt_short:.0f} tokens/s (short), "
        f"{rates.prompt_full:.0f} tokens/s (full); generation {rates.decode:.1f} tokens/s"
    )
    runtime.profile.add(model.shown, Sample(rates, 0.0, time.time()))
    saved = runtime.save_profile()
    print(f"{'machine profile':18} {'saved' if saved else 'kept in memory only'}")
    _auto_report(runtime)


def _auto_report(runtime: Runtime) -> None:
    decision = runtime.decide()
    said = auto.report(decision, runtime.profile)
    print(f"{'auto':18} {decision.choice.reason}")
    tokens = said["promptTokens"]
    print(
        f"{'  follows':18} fastModel={said['fastModel']}, context.workspace={said['workspace']}, "
        f"prompt {tokens['prefix']}+{tokens['suffix']}+{tokens['context']} tokens, "
        f"quickStart={tokens['quickStart']}"
    )
    if said["pull"]:
        print(f"{'  would do better':18} {said['better']} (not on disk): {said['pull']}")
    for line in auto.predictions(runtime.profile, runtime.settings):
        print(f"{'  predicted':18} {line}")


def demo(args: argparse.Namespace, settings: Settings) -> int:
    from lsp_server.client.demo import run_demo

    return run_demo(args.model, args.file, args.repeat)
