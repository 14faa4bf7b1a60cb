"""One typed settings tree, camelCase on the wire.

Settings arrive from `initializationOptions` and `workspace/didChangeConfiguration`.
Each field is checked on its own: a bad value is reported (naming the field and
the value kept) and the field keeps its previous value (the default at first), so
one typo never discards the rest, nor crashes the server.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, get_type_hints

import cattrs


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class FimOrder(StrEnum):
    AUTO = "auto"  # the family's trained order
    PSM = "psm"
    SPM = "spm"


class CompletionMode(StrEnum):
    FULL = "full"
    NAIVE = "naive"  # benchmarks: none of what slm-ls adds


class EngineKind(StrEnum):
    """Where the model runs."""

    LOCAL = "local"  # in this process (llama.cpp)
    LLAMA_SERVER = "llama-server"
    OPENAI = "openai"  # any OpenAI-compatible /v1/completions
    OLLAMA = "ollama"


class PromptFormat(StrEnum):
    AUTO = "auto"  # token ids, then text once a server refuses them
    TOKENS = "tokens"
    TEXT = "text"


class Speculation(StrEnum):
    """How generation guesses tokens ahead for the model to check in one batch."""

    OFF = "off"
    PROMPT_LOOKUP = "prompt-lookup"  # the tokens that followed the same tokens in the prompt


class TokenizerChoice(StrEnum):
    """Whose tokenizer builds a remote engine's prompts."""

    AUTO = "auto"
    LOCAL = "local"  # the GGUF `model` names (its vocabulary only)
    SERVER = "server"  # the inference server's /tokenize


@dataclass(frozen=True)
class EngineSettings:
    threads: int = 0  # 0: choose from the CPU count
    # Fewer threads while other programs keep cores busy (engines/cpu_share.py): on a
    # shared CPU llama.cpp's threads wait for each other. `threads` stays the most used.
    adapt_threads: bool = True
    context_length: int = 4096
    batch_size: int = 512
    state_cache_mb: int = 512  # llama.cpp states of recently used documents
    # Layers offloaded to the GPU: -1 (auto) all of them when llama.cpp was built with
    # GPU offload (Metal, CUDA, Vulkan: scripts/setup.sh), else 0; 0: the CPU only.
    gpu_layers: int = -1
    # Speculative decoding in process (engines/draft.py). Off by default: on a CPU a
    # checked batch costs several one-token steps (docs/decisions.md).
    speculative: Speculation = Speculation.OFF
    # Where the model runs: in this process, or on an inference server (docs/remote.md).
    # Remote, the top-level `model` names the tokenizer: a GGUF whose vocabulary the
    # served model shares (only its vocabulary is loaded).
    kind: EngineKind = EngineKind.LOCAL
    url: str = ""  # the server's base URL, e.g. http://127.0.0.1:8080
    model: str = ""  # the model name the server knows (openai, ollama)
    api_key_env: str = ""  # the environment variable that holds the API key
    connect_timeout_ms: int = 2000
    prompt_format: PromptFormat = PromptFormat.AUTO
    keep_alive: str = "30m"  # ollama: how long the server keeps the model loaded
    # Whose tokenizer builds the prompts: auto (a local GGUF of `model` when there is
    # one, else the server's /tokenize), local, or server.
    tokenizer: TokenizerChoice = TokenizerChoice.AUTO


@dataclass(frozen=True)
class CompletionSettings:
    prefix_tokens: int = 1024
    suffix_tokens: int = 256  # PSM: re-processed when the cursor crosses an anchor line
    context_tokens: int = 256  # imports, signatures, definitions, other open files
    max_tokens: int = 128
    deadline_ms: int = 4000
    # Automatic requests stop processing their prompt after this long and answer
    # nothing; the part processed stays cached, so the next keystroke goes on from
    # there instead of one request blocking on a cold file. 0: off.
    prompt_budget_ms: int = 500
    max_document_bytes: int = 2_000_000
    fim_order: FimOrder = FimOrder.AUTO
    # Use the time between keystrokes: carry on with a prompt a keystroke's budget cut,
    # and compute the suggestion that follows the one shown (completion/idle.py).
    idle_work: bool = True
    # A cold prompt that the budget cannot cover: answer now from a short prompt (the
    # lines just around the cursor) while idle time warms the full one.
    quick_start: bool = True
    # Prepare the suggestion where the editor says the cursor is (slm-ls/didChangeCursor),
    # in the idle time before the first keystroke there.
    warm: bool = True
    # How long the person waits for a suggestion before typing on: `model: "auto"`
    # chooses the model whose keystrokes come within it (docs/tuning.md). 1 s: what the
    # typing replay measures with (human pauses: 150 ms after a word, 400 ms after a
    # line), the longest a typist's next key leaves a suggestion worth showing.
    patience_ms: int = 1000
    # Suggestions an invoked request returns (VS Code's Alt+], the Neovim plugin's
    # cycle keys, Helix's menu): the greedy one and the next-best first tokens', decoded
    # together on the cached prompt, ranked by the model's likelihood. Automatic
    # requests (as you type) always get one. 1: one for every request.
    candidates: int = 3
    mode: CompletionMode = CompletionMode.FULL


@dataclass(frozen=True)
class HoverSettings:
    enabled: bool = True
    max_tokens: int = 96  # the explanation's length
    # How long a hover waits for the model; then it shows what the tree knows (the
    # signature and docstring) and the model's answer is not kept.
    deadline_ms: int = 8000


@dataclass(frozen=True)
class ContextSettings:
    # Definitions and similar code from the whole workspace (an index built in the
    # background); off: from the open documents only. Off by default: with the default
    # 0.5B model it does not yet pay (docs/decisions.md, docs/benchmarks.md).
    workspace: bool = False
    workspace_tokens: int = 1024  # the workspace block's share of the prompt
    # Code chunks most like the lines before the cursor, after the definitions.
    similar_code: bool = True
    max_files: int = 10_000  # per workspace folder
    max_file_bytes: int = 1_000_000
    # Keep the index's facts under the user cache folder (keyed by path, mtime and
    # size), so that a restart reads only the files that changed.
    disk_cache: bool = True


@dataclass(frozen=True)
class NextEditSettings:
    # Answer textDocument/copilotInlineEdit and offer "Apply next edit" (docs/editors/).
    # On since `bench next-edit` says it helps (docs/benchmarks.md, issue 14).
    enabled: bool = True
    # A pause in editing this long, and the next edit is computed in the background
    # (for the code action "Apply next edit"; clients asking copilotInlineEdit wait).
    debounce_ms: int = 500
    deadline_ms: int = 4000  # then no next edit (the model's work is stopped)
    max_candidates: int = 3  # lines the model rewrites before giving up


@dataclass(frozen=True)
class Settings:
    # A .gguf path or a catalog name; None or "auto": chosen for this machine from its
    # measured speed and the models on disk, with what follows the model (the fast
    # model, the workspace context, the prompt's size) — docs/tuning.md.
    model: str | None = None
    # The instruct model for hover and code actions (a path or catalog name) when the
    # completion model is a base/FIM model; None: the completion model serves all.
    chat_model: str | None = None
    # The cascade: a smaller, faster model (a path or catalog name) that answers a
    # keystroke whose prompt `model` could not process within the budget, with its own
    # full prompt, while the idle time warms `model`; None: the quick start's short
    # prompt on `model` stands in (docs/decisions.md).
    fast_model: str | None = None
    log_level: LogLevel = LogLevel.WARNING
    engine: EngineSettings = field(default_factory=EngineSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    hover: HoverSettings = field(default_factory=HoverSettings)
    context: ContextSettings = field(default_factory=ContextSettings)
    next_edit: NextEditSettings = field(default_factory=NextEditSettings)


# What `engine.apiKeyEnv` may name when it comes from the editor: settings can come
# from a cloned repository's workspace configuration, and the key goes to
# `engine.url`; a name of this shape holds an inference API key by convention, not a
# cloud or source-hosting secret (AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN). docs/decisions.md.
API_KEY_NAME = re.compile(r"[A-Z][A-Z0-9_]*_API_KEY")

# Range checks by full path (camelCase, as on the wire); enums are checked by their type.
_CHECKS: dict[str, tuple[Any, str]] = {
    "engine.threads": (lambda v: 0 <= v <= 256, "between 0 and 256"),
    "nextEdit.deadlineMs": (lambda v: 100 <= v <= 120_000, "between 100 and 120000"),
    "nextEdit.debounceMs": (lambda v: 0 <= v <= 60_000, "between 0 and 60000"),
    "nextEdit.maxCandidates": (lambda v: 1 <= v <= 20, "between 1 and 20"),
    "engine.contextLength": (lambda v: 256 <= v <= 131_072, "between 256 and 131072"),
    "engine.batchSize": (lambda v: 1 <= v <= 8192, "between 1 and 8192"),
    "engine.stateCacheMb": (lambda v: 0 <= v <= 1_000_000, "0 or more"),
    "engine.gpuLayers": (lambda v: -1 <= v <= 100_000, "-1 (auto), 0 (CPU only) or a layer count"),
    "engine.url": (lambda v: v == "" or v.startswith(("http://", "https://")), "an http(s) URL"),
    "engine.apiKeyEnv": (
        lambda v: v == "" or API_KEY_NAME.fullmatch(v) is not None,
        "the name of an API key variable (ending in _API_KEY, e.g. OPENAI_API_KEY); "
        "another variable can be named on the command line only (slm-ls serve "
        "--api-key-env NAME), never by editor or workspace settings",
    ),
    "engine.connectTimeoutMs": (lambda v: 1 <= v <= 600_000, "between 1 and 600000"),
    "completion.prefixTokens": (lambda v: 0 <= v <= 1_000_000, "0 or more"),
    "completion.suffixTokens": (lambda v: 0 <= v <= 1_000_000, "0 or more"),
    "completion.contextTokens": (lambda v: 0 <= v <= 1_000_000, "0 or more"),
    "completion.maxTokens": (lambda v: 1 <= v <= 4096, "between 1 and 4096"),
    "completion.deadlineMs": (lambda v: 1 <= v <= 600_000, "between 1 and 600000"),
    "completion.promptBudgetMs": (lambda v: 0 <= v <= 600_000, "between 0 and 600000"),
    "completion.patienceMs": (lambda v: 50 <= v <= 60_000, "between 50 and 60000"),
    "completion.candidates": (lambda v: 1 <= v <= 8, "between 1 and 8"),
    "completion.maxDocumentBytes": (lambda v: v >= 1, "1 or more"),
    "hover.maxTokens": (lambda v: 1 <= v <= 4096, "between 1 and 4096"),
    "hover.deadlineMs": (lambda v: 1 <= v <= 600_000, "between 1 and 600000"),
    "context.workspaceTokens": (lambda v: 0 <= v <= 100_000, "between 0 and 100000"),
    "context.maxFiles": (lambda v: 0 <= v <= 1_000_000, "between 0 and 1000000"),
    "context.maxFileBytes": (lambda v: 1 <= v <= 100_000_000, "between 1 and 100000000"),
}

_converter = cattrs.Converter(forbid_extra_keys=True)


def base_url(url: str) -> str:
    """The server's base URL as our paths expect it: no trailing slash, and no
    trailing `/v1` (what OpenAI clients are given: our paths carry their own)."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from a JSON-like dict (camelCase), on top of `base`.

    Returns the settings and one message per rejected field ("completion.maxTokens: ...").
    An optional top-level "slm-ls"/"slmLs" key is unwrapped first.
    """
    base = base or Settings()
    if isinstance(raw, dict):
        raw = raw.get("slm-ls", raw.get("slmLs", raw))
    if raw is None or raw == []:
        # [] is how Lua clients (Neovim) encode an empty table: no settings.
        return base, []
    errors: list[str] = []
    settings = _merge(base, raw, "", errors)
    return settings, errors


def _merge(current: Any, raw: Any, path: str, errors: list[str]) -> Any:
    if not isinstance(raw, dict):
        errors.append(f"{path.rstrip('.') or 'settings'}: expected an object, got {raw!r}")
        return current
    hints = get_type_hints(type(current))
    names = {f.name for f in dataclasses.fields(current)}
    updates: dict[str, Any] = {}
    for key, value in raw.items():
        name = snake(key)
        where = f"{path}{camel(name)}"
        if name not in names:
            errors.append(f"{where}: unknown setting")
            continue
        old = getattr(current, name)
        if dataclasses.is_dataclass(old):
            updates[name] = _merge(old, value, f"{where}.", errors)
            continue
        updates[name] = _field_value(name, hints[name], value, old, where, errors)
    return dataclasses.replace(current, **updates)


# JSON types a field accepts, by its Python type: no silent conversions ("5" is not 5,
# 64.9 is not 64, an object is not a model name).
_JSON_TYPES: dict[Any, tuple[type, ...]] = {
    int: (int,),
    str: (str,),
    bool: (bool,),
    str | None: (str, type(None)),
}


def _field_value(name: str, hint: Any, value: Any, old: Any, where: str, errors: list[str]) -> Any:
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _choice(hint, value, old, where, errors)
    try:
        accepted = _JSON_TYPES.get(hint)
        wrong_bool = isinstance(value, bool) and hint is not bool
        if wrong_bool or (accepted is not None and not isinstance(value, accepted)):
            raise TypeError(f"expected {_type_name(hint)}, got {type(value).__name__}")
        parsed = _converter.structure(value, hint)
    except Exception as exc:
        why = str(exc) if isinstance(exc, TypeError) else type(exc).__name__
        errors.append(f"{where}: invalid value {value!r} ({why}); keeping {old!r}")
        return old
    check = _CHECKS.get(where)
    if check is not None and parsed is not None and not check[0](parsed):
        errors.append(f"{where}: {value!r} must be {check[1]}; keeping {old!r}")
        return old
    return parsed


def _choice(kind: type[Enum], value: Any, old: Any, where: str, errors: list[str]) -> Any:
    """The member of `kind` named by `value` (its wire text), or `old` with an error."""
    names = [str(member.value) for member in kind]
    if isinstance(value, str) and value in names:
        return kind(value)
    errors.append(f"{where}: {value!r} must be one of {', '.join(names)}; keeping {str(old)!r}")
    return old


def _type_name(hint: Any) -> str:
    return {int: "a whole number", str: "text", bool: "true or false"}.get(hint, "text or null")


def paths(raw: Any, prefix: str = "") -> set[str]:
    """The dotted camelCase paths of the settings that `raw` sets ("completion.maxTokens"),
    after the optional "slm-ls" wrapper: what the person chose explicitly."""
    if prefix == "" and isinstance(raw, dict):
        raw = raw.get("slm-ls", raw.get("slmLs", raw))
    if not isinstance(raw, dict):
        return set()
    found: set[str] = set()
    for key, value in raw.items():
        where = f"{prefix}{camel(snake(str(key)))}"
        found |= paths(value, f"{where}.") if isinstance(value, dict) else {where}
    return found


def to_wire(settings: Settings) -> dict[str, Any]:
    """The settings as camelCase JSON (for docs and `slm-ls doctor`)."""

    def convert(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj):
            return {camel(f.name): convert(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return obj

    result = convert(settings)
    assert isinstance(result, dict)
    return result
