"""Holes sampled with tree-sitter from a repository's git-tracked source files.

Kinds: the rest of a line, a whole statement, a block body, a function body,
call arguments. Generated, vendored and test files are skipped by default.
The same repository, seed and limit always give the same tasks.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tree_sitter import Node

from lsp_server.bench.tasks import Task
from lsp_server.documents.positions import byte_to_offset
from lsp_server.syntax.languages import (
    EXTENSIONS,
    LanguageSpec,
    Modules,
    language_of_path,
    new_parser,
    spec_for,
)
from lsp_server.workspace import git
from lsp_server.workspace.facts import FileFacts
from lsp_server.workspace.index import WorkspaceIndex
from lsp_server.workspace.scan import GENERATED_MARK

# Replay holes: function bodies and blocks of a size a person types in one go.
MIN_HOLE, MAX_HOLE = 40, 400
KINDS = ("line-rest", "statement", "block", "function-body", "call-args")
MAX_FILE_BYTES = 200_000
MAX_MIDDLE_CHARS = 1_200
SKIP_DIRS = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec|vendor|vendored|third_party|node_modules|dist|build|"
    r"generated|gen|\.venv|venv)(/|$)"
)
SKIP_NAMES = re.compile(r"(^test_|_test\.|\.test\.|\.spec\.|_pb2\.py$|\.min\.js$|\.d\.ts$)")


def tracked_sources(root: Path, include_all: bool = False) -> list[Path]:
    """Git-tracked files with a grammar, minus generated/vendored/test files."""
    listing = git.run(root, "ls-files").decode("utf-8", "replace").splitlines()
    files = []
    for name in sorted(listing):
        if Path(name).suffix.lower() not in EXTENSIONS:
            continue
        if not include_all and (SKIP_DIRS.search(name) or SKIP_NAMES.search(Path(name).name)):
            continue
        path = root / name
        if path.is_file() and 0 < path.stat().st_size <= MAX_FILE_BYTES:
            files.append(path)
    return files


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _is_statement(node: Node, spec: LanguageSpec) -> bool:
    return (
        node.is_named
        and (node.type.endswith("_statement") or node.type == "assignment")
        and node.parent is not None
        and (node.parent.type in spec.blocks or node.parent.parent is None)
    )


def _is_function_body(node: Node) -> bool:
    parent = node.parent
    return (
        parent is not None
        and ("function" in parent.type or "method" in parent.type)
        and parent.child_by_field_name("body") == node
    )


def candidates(root: Node, kind: str, spec: LanguageSpec) -> list[tuple[int, int]]:
    """Byte spans of the hole candidates of `kind` in a tree of `spec`'s language."""
    tests: dict[str, Callable[[Node], bool]] = {
        "statement": lambda n: _is_statement(n, spec),
        "block": lambda n: n.type in spec.blocks and n.named_child_count > 0,
        "function-body": _is_function_body,
        "call-args": lambda n: n.type in spec.call_arguments and n.named_child_count > 0,
    }
    spans = []
    for node in _walk(root):
        if tests[kind](node) and not node.has_error:
            start, end = node.start_byte, node.end_byte
            if kind in ("call-args", "block", "function-body") and node.child_count >= 2:
                first, last = node.children[0], node.children[-1]
                if not first.is_named and not last.is_named:  # keep the brackets/braces
                    start, end = first.end_byte, last.start_byte
            spans.append((start, end))
    return spans


def _line_rest(data: bytes, rng: random.Random) -> tuple[int, int] | None:
    lines = [m.span() for m in re.finditer(rb"[^\n]*\S[^\n]*", data)]
    rng.shuffle(lines)
    for start, end in lines[:20]:
        line = data[start:end]
        code = len(line) - len(line.lstrip())
        if end - start - code >= 6:
            cut = rng.randint(start + code + 1, end - 1)
            while cut < end and (data[cut] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
                cut += 1
            return cut, end
    return None


def _hole(path: Path, root: Path, kind: str, rng: random.Random) -> Task | None:
    data = path.read_bytes()
    language = EXTENSIONS[path.suffix.lower()]
    parser = new_parser(language)
    if parser is None or b"\x00" in data or GENERATED_MARK.search(data[:500]):
        return None
    if kind == "line-rest":
        span = _line_rest(data, rng)
    else:
        spans = [
            s
            for s in candidates(parser.parse(data).root_node, kind, spec_for(language))
            if 0 < s[1] - s[0] <= MAX_MIDDLE_CHARS and data[s[0] : s[1]].strip()
        ]
        span = rng.choice(spans) if spans else None
    if span is None:
        return None
    return _task(root, path, language, data, span, kind)


def _task(
    root: Path,
    path: Path,
    language: str,
    data: bytes,
    span: tuple[int, int],
    kind: str,
    names: tuple[str, ...] = (),
) -> Task | None:
    """The task whose middle is the byte `span` of `data` (None: not UTF-8 there)."""
    start, end = span
    try:
        prefix, middle, suffix = (
            data[:start].decode(),
            data[start:end].decode(),
            data[end:].decode(),
        )
    except UnicodeDecodeError:
        return None
    relative = path.relative_to(root).as_posix()
    return Task(
        f"{relative}:{start}-{end}/{kind}",
        language,
        prefix,
        suffix,
        middle,
        path=relative,
        kind=kind,
        names=names,
    )


def repo_tasks(root: Path, limit: int, seed: int, include_all: bool = False) -> list[Task]:
    """`limit` holes, kinds in turn, files drawn with `seed`."""
    files = tracked_sources(root, include_all)
    if not files:
        return []
    rng = random.Random(seed)
    tasks: list[Task] = []
    seen: set[str] = set()
    attempts = 0
    while len(tasks) < limit and attempts < limit * 20:
        kind = KINDS[attempts % len(KINDS)]
        attempts += 1
        task = _hole(rng.choice(files), root, kind, rng)
        if task is not None and task.task_id not in seen:
            seen.add(task.task_id)
            tasks.append(task)
    return tasks


NAME_NODES = frozenset({"identifier", "type_identifier", "field_identifier", "property_identifier"})
CROSS_FILE = "cross-file"
CROSS_FILE_ROUNDS = 4


def cross_file_names(
    root: Node, data: bytes, index: WorkspaceIndex, key: str, spec: LanguageSpec
) -> list[tuple[int, str]]:
    """(byte offset, name) of the uses in the tree of names that another file defines
    at its top level and this file reaches through its imports: a name imported by
    name, `module.name` of an imported module (`pkg.Name` in Go), and in Go a type or
    function of its own package defined in another file — what a model can know only
    from elsewhere. Uses inside import statements and names being defined are not."""
    entry = index.entry(key)
    if entry is None:
        return []
    direct, qualified = _reachable(index, key, entry.facts, spec)
    found = []
    for node in _walk(root):
        if node.type not in NAME_NODES or node.end_byte - node.start_byte < 3:
            continue
        name = _node_text(data, node)
        if _in_import(node, spec) or _defines(node):
            continue
        owner = _qualifier(node, data)
        if owner is not None:
            if name in qualified.get(owner, ()):
                found.append((node.start_byte, name))
        elif name in direct and (spec.modules != Modules.GO or _go_bare_use(node)):
            found.append((node.start_byte, name))
    return found


def _reachable(
    index: WorkspaceIndex, key: str, facts: FileFacts, spec: LanguageSpec
) -> tuple[set[str], dict[str, set[str]]]:
    """(names usable bare, names usable as `alias.name` by alias) from other files."""

    def top(files: list[str]) -> set[str]:
        return {found.symbol.name for f in files for found in index.defined_in(f)}

    direct: set[str] = set()
    for item in facts.imports:
        direct |= set(item.names) & top(index.resolve(key, facts.language, (item,)))
    bound = index.modules_bound(key, facts.language, facts.imports)
    qualified = {name: top(files) for name, files in bound.items()}
    if spec.modules == Modules.GO:
        direct |= top(index.neighbours(key))
    return direct - {s.name for s in facts.symbols}, qualified


def _node_text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


QUALIFIED = {
    "attribute": ("object", "attribute"),
    "member_expression": ("object", "property"),
    "selector_expression": ("operand", "field"),
    "qualified_type": ("package", "name"),
    "nested_type_identifier": ("module", "name"),
}


def _qualifier(node: Node, data: bytes) -> str | None:
    """The module alias before `node` in `alias.node`, or None when `node` is not the
    right-hand side of such an access ("" when its left-hand side is no plain name)."""
    parent = node.parent
    fields = QUALIFIED.get(parent.type) if parent is not None else None
    if parent is None or fields is None or parent.child_by_field_name(fields[1]) != node:
        return None
    left = parent.child_by_field_name(fields[0])
    plain = left is not None and left.type in ("identifier", "package_identifier")
    return _node_text(data, left) if plain and left is not None else ""


def _go_bare_use(node: Node) -> bool:
    """A Go name of the same package used as a type or called: not a local variable."""
    parent = node.parent
    called = parent is not None and parent.type == "call_expression"
    return node.type == "type_identifier" or (
        called and parent is not None and parent.child_by_field_name("function") == node
    )


def _in_import(node: Node, spec: LanguageSpec) -> bool:
    while node.parent is not None:
        if node.type in spec.imports:
            return True
        node = node.parent
    return False


def _defines(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.child_by_field_name("name") == node


def first_uses(uses: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The first use of each name (uses in document order): a later use can be copied
    from the file, so only the first needs the other file — CrossCodeEval's rule that
    the current file alone must not give the answer away."""
    seen: set[str] = set()
    firsts = []
    for at, name in uses:
        if name not in seen:
            seen.add(name)
            firsts.append((at, name))
    return firsts


def cross_file_tasks(
    root: Path, files: list[Path], index: WorkspaceIndex, limit: int, seed: int
) -> list[Task]:
    """`limit` line holes, each the rest of a line from the first use of a name
    defined in another file (`cross_file_names`, `first_uses`): the cursor just
    before the name."""
    rng = random.Random(seed)
    order = list(files)
    rng.shuffle(order)
    tasks: dict[str, Task] = {}
    for _ in range(CROSS_FILE_ROUNDS):  # a file gives one hole per round, files in turn
        for path in order:
            task = _cross_file_hole(root, path, index, rng)
            if task is not None:
                tasks.setdefault(task.task_id, task)
            if len(tasks) == limit:
                return list(tasks.values())
    return list(tasks.values())


def _cross_file_hole(
    root: Path, path: Path, index: WorkspaceIndex, rng: random.Random
) -> Task | None:
    data = path.read_bytes()
    language = EXTENSIONS[path.suffix.lower()]
    parser = new_parser(language)
    if parser is None or b"\x00" in data:
        return None
    key = path.resolve().as_posix()
    uses = cross_file_names(parser.parse(data).root_node, data, index, key, spec_for(language))
    firsts = first_uses(uses)
    if not firsts:
        return None
    at, _ = rng.choice(firsts)
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end
    cut = at  # the moment the name must be known: before it is typed
    names = tuple(dict.fromkeys(n for b, n in uses if cut <= b < end))
    task = _task(root, path, language, data, (cut, end), CROSS_FILE, names)
    if task is None or not task.middle.strip() or len(task.middle) > MAX_MIDDLE_CHARS:
        return None
    return task


def replay_holes(path: Path, count: int, seed: int) -> list[tuple[int, int]]:
    """Up to `count` str spans of function bodies and blocks of a reasonable size."""
    text = path.read_text(encoding="utf-8")
    language = language_of_path(path.name)
    parser = new_parser(language)
    if parser is None:
        return []
    data = text.encode("utf-8")
    tree = parser.parse(data)
    spans = set()
    for kind in ("function-body", "block"):
        for start, end in candidates(tree.root_node, kind, spec_for(language)):
            a, b = byte_to_offset(data, start), byte_to_offset(data, end)
            if MIN_HOLE <= b - a <= MAX_HOLE and text[a:b].strip():
                spans.add((a, b))
    chosen = sorted(spans)
    random.Random(seed).shuffle(chosen)
    picked: list[tuple[int, int]] = []
    for span in chosen:  # no overlapping holes
        if all(span[1] <= p[0] or span[0] >= p[1] for p in picked):
            picked.append(span)
        if len(picked) == count:
            break
    return picked
