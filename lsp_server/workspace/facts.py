"""What the workspace index keeps of one file, read from its syntax tree: the names it
defines (with the text that tells a model how to use them) and the modules it imports.

A definition's text is what a person would look up: a function's signature and
docstring (or the doc comment above it), a class's head with its methods' signatures,
a short type or constant whole. Bodies are left out: they cost tokens and rarely say
more about how the name is used. No string literal's value is kept (`"…"` stands for
it; docstrings and comments are kept): the facts go to the disk cache and into
prompts, and a constant's string is where secrets live.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from lsp_server.syntax.languages import LanguageSpec, Modules, new_parser, spec_for

# A definition shorter than this many lines is shown whole (a struct, an interface,
# a constant); a longer one by its head and its members' signatures.
WHOLE_LINES = 12
# Members listed for a long class-like definition, and lines of a doc comment kept.
MAX_MEMBERS = 24
DOC_LINES = 4
MAX_TEXT_CHARS = 2_000
ELIDED = '"…"'  # what the index keeps of a string literal


@dataclass(frozen=True)
class Symbol:
    name: str
    path: str  # workspace-relative
    line: int  # 0-based line of the definition's start
    text: str  # what the prompt shows of it
    member: bool = False  # a method of a class-like definition (not importable by name)


@dataclass(frozen=True)
class Import:
    module: str  # as written: "a.b", "./util", "github.com/x/y/pkg"
    names: tuple[str, ...] = ()  # the names it binds ("from m import a, b"; `{a, b}`)
    level: int = 0  # Python: leading dots of a relative import
    alias: str = ""  # the name the module itself is bound to (`import a.b as m`, `* as m`)


@dataclass(frozen=True)
class FileFacts:
    path: str
    language: str
    stamp: tuple[int, int]  # (mtime_ns, size) of the file read; (0, crc32) for editor text
    symbols: tuple[Symbol, ...]
    imports: tuple[Import, ...]


def read_facts(path: str, language: str, data: bytes, stamp: tuple[int, int]) -> FileFacts:
    """The facts of a file of `language` whose content is `data`."""
    parser = new_parser(language)
    if parser is None:
        return FileFacts(path, language, stamp, (), ())
    root = parser.parse(data).root_node
    spec = spec_for(language)
    symbols = tuple(_symbols(root, data, spec, path))
    return FileFacts(path, language, stamp, symbols, tuple(imports_of(root, data, spec)))


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _code(data: bytes, node: Node, end: int | None = None) -> str:
    """The code of `node` up to byte `end` (its end by default) as the index keeps
    it: every string literal but a docstring written `"…"`, so that no literal value
    (`API_TOKEN = "sk-…"`) reaches the disk cache or a prompt from the index."""
    stop = node.end_byte if end is None else end
    parts, at = [], node.start_byte
    for start, finish in _literals(node, stop):
        parts += [data[at:start].decode("utf-8", "replace"), ELIDED]
        at = finish
    parts.append(data[at:stop].decode("utf-8", "replace"))
    return "".join(parts)


def _literals(node: Node, stop: int) -> list[tuple[int, int]]:
    """The byte spans of the string literals in `node` that end by `stop`."""
    found: list[tuple[int, int]] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if current.start_byte >= stop:
            continue
        if "string" in current.type and current.is_named:
            if current.end_byte <= stop and not _is_docstring(current):
                found.append((current.start_byte, current.end_byte))
            continue
        pending += current.children
    return sorted(found)


def _is_docstring(node: Node) -> bool:
    statement = node.parent
    if statement is None or statement.type != "expression_statement":
        return False
    block = statement.parent
    return (
        block is not None and block.named_child_count > 0 and block.named_children[0] == statement
    )


def _symbols(root: Node, data: bytes, spec: LanguageSpec, path: str) -> list[Symbol]:
    found: list[Symbol] = []
    for node in root.named_children:
        node = _unwrapped(node, spec)
        if node.type in spec.definitions:
            name = _name(node, data)
            if name:
                found.append(Symbol(name, path, node.start_point[0], _shown(node, data, spec)))
            found += _members(node, data, spec, path)
        elif node.type in spec.declarations:
            found += _declared(node, data, spec, path)
    return found


def _unwrapped(node: Node, spec: LanguageSpec) -> Node:
    """The definition inside an export statement or a decorated definition."""
    if node.type not in spec.wrappers:
        return node
    inner = node.child_by_field_name("declaration") or node.child_by_field_name("definition")
    return inner if inner is not None else node


def _name(node: Node, data: bytes) -> str:
    name = node.child_by_field_name("name")
    if name is None:  # Go's type_declaration: the names are in its type_spec children
        specs = [c for c in node.named_children if c.child_by_field_name("name") is not None]
        name = specs[0].child_by_field_name("name") if specs else None
    return _text(data, name) if name is not None else ""


def _members(node: Node, data: bytes, spec: LanguageSpec, path: str) -> list[Symbol]:
    """Methods of a class-like definition, each a symbol of its own (`x.method(`)."""
    body = node.child_by_field_name("body")
    if body is None:
        return []
    found = []
    for child in body.named_children:
        child = _unwrapped(child, spec)
        if child.type in spec.definitions and (name := _name(child, data)):
            text = _dedented(_shown(child, data, spec), child.start_point[1])
            found.append(Symbol(name, path, child.start_point[0], text, member=True))
    return found[:MAX_MEMBERS]


def _declared(node: Node, data: bytes, spec: LanguageSpec, path: str) -> list[Symbol]:
    """Names bound by a top-level declaration: `X = ...`, `const x = ...`, `type T = ...`,
    Go's `const (...)` and `var (...)`."""
    names: list[str] = []
    if node.type == "expression_statement":  # Python: a top-level assignment
        first = node.named_children[0] if node.named_child_count else None
        target = first.child_by_field_name("left") if first is not None else None
        if first is None or first.type != "assignment" or target is None:
            return []
        if target.type == "identifier":
            names = [_text(data, target)]
    elif (name := node.child_by_field_name("name")) is not None:
        names = [_text(data, name)]
    else:
        for child in _descendants(node, 2):
            named = child.child_by_field_name("name")
            if named is not None and named.type in ("identifier", "type_identifier"):
                names.append(_text(data, named))
    text = _short(node, data, spec)
    return [Symbol(n, path, node.start_point[0], text) for n in dict.fromkeys(names)]


def _dedented(text: str, column: int) -> str:
    """A member's text (its first line starts at `column`, the others carry the
    class's indentation) as if it were written at column 0."""
    lines = text.split("\n")
    rest = [ln[column:] if ln[:column].isspace() else ln.lstrip() for ln in lines[1:]]
    return "\n".join([lines[0], *rest])


def _descendants(node: Node, depth: int) -> list[Node]:
    found = []
    for child in node.named_children:
        found.append(child)
        if depth > 1:
            found += _descendants(child, depth - 1)
    return found


def _short(node: Node, data: bytes, spec: LanguageSpec) -> str:
    text = _code(data, node)
    lines = text.split("\n")
    if len(lines) > WHOLE_LINES:
        text = "\n".join(lines[:WHOLE_LINES]) + "\n" + _ellipsis(spec)
    return _with_doc(node, data, spec, text)[:MAX_TEXT_CHARS]


def _shown(node: Node, data: bytes, spec: LanguageSpec) -> str:
    """A definition as the prompt shows it: whole when short, else its head, its
    documentation and its members' signatures."""
    whole = _code(data, node)
    body = node.child_by_field_name("body")
    if body is None or (whole.count("\n") < WHOLE_LINES and not _is_function(node)):
        return _with_doc(node, data, spec, whole)[:MAX_TEXT_CHARS]
    head = _code(data, node, body.start_byte).rstrip()
    indent = " " * (node.start_point[1] + 4)
    parts = [head]
    doc = _docstring(body, data) if spec.docstrings else ""
    if doc:
        parts.append(indent + doc)
    if not _is_function(node):
        for child in body.named_children[:MAX_MEMBERS]:
            child = _unwrapped(child, spec)
            if child.type in spec.definitions and (inner := child.child_by_field_name("body")):
                signature = _code(data, child, inner.start_byte)
                parts.append(indent + signature.rstrip() + _stub(spec))
    if len(parts) == 1:
        parts[-1] += _stub(spec)
    elif _is_function(node):  # after a docstring: the body's own line
        parts.append(indent + _stub(spec).strip())
    return _with_doc(node, data, spec, "\n".join(parts))[:MAX_TEXT_CHARS]


def _is_function(node: Node) -> bool:
    return "function" in node.type or "method" in node.type


def _stub(spec: LanguageSpec) -> str:
    return " ..." if spec.docstrings else " { ... }"


def _ellipsis(spec: LanguageSpec) -> str:
    return f"{spec.line_comment} ..."


def _docstring(body: Node, data: bytes) -> str:
    first = body.named_children[0] if body.named_child_count else None
    if (
        first is not None
        and first.type == "expression_statement"
        and first.named_child_count
        and first.named_children[0].type == "string"
    ):
        return "\n".join(_text(data, first).split("\n")[:DOC_LINES])
    return ""


def _with_doc(node: Node, data: bytes, spec: LanguageSpec, text: str) -> str:
    """`text` after the comment lines right above the definition (Go, JS/TS, Rust)."""
    if spec.docstrings:
        return text
    lines: list[str] = []
    above = node.prev_named_sibling
    line = node.start_point[0]
    while above is not None and above.type == "comment" and above.end_point[0] == line - 1:
        lines[:0] = _text(data, above).split("\n")
        line = above.start_point[0]
        above = above.prev_named_sibling
    kept = lines[-DOC_LINES:]
    return "\n".join([*kept, text]) if kept else text


def imports_of(root: Node, data: bytes, spec: LanguageSpec) -> list[Import]:
    """The file's imports as written (resolved to files by the index)."""
    if spec.modules == Modules.PYTHON:
        return _python_imports(root, data)
    if spec.modules == Modules.GO:
        return _go_imports(root, data)
    if spec.modules == Modules.RELATIVE:
        return _relative_imports(root, data)
    return []


def _python_imports(root: Node, data: bytes) -> list[Import]:
    found = []
    for node in root.named_children:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                dotted = name.child_by_field_name("name") if name.type == "aliased_import" else name
                alias = name.child_by_field_name("alias")
                bound = _text(data, alias) if alias is not None else ""
                module = _text(data, dotted) if dotted else ""
                found.append(Import(module, (), alias=bound or module.split(".")[0]))
        elif node.type == "import_from_statement":
            found.append(_python_from(node, data))
    return found


def _python_from(node: Node, data: bytes) -> Import:
    module = node.child_by_field_name("module_name")
    level, dotted = 0, ""
    if module is not None and module.type == "relative_import":
        for child in module.children:
            if child.type == "import_prefix":
                level = _text(data, child).count(".")
            elif child.type == "dotted_name":
                dotted = _text(data, child)
    elif module is not None:
        dotted = _text(data, module)
    names = []
    for name in node.children_by_field_name("name"):
        target = name.child_by_field_name("name") if name.type == "aliased_import" else name
        if target is not None:
            names.append(_text(data, target))
    return Import(dotted, tuple(names), level)


def _go_imports(root: Node, data: bytes) -> list[Import]:
    found = []
    for node in root.named_children:
        if node.type != "import_declaration":
            continue
        for spec in _descendants(node, 2):
            path = spec.child_by_field_name("path") if spec.type == "import_spec" else None
            if path is not None:
                module = _text(data, path).strip('"`')
                named = spec.child_by_field_name("name")
                alias = _text(data, named) if named is not None else module.rsplit("/", 1)[-1]
                found.append(Import(module, alias=alias))
    return found


def _relative_imports(root: Node, data: bytes) -> list[Import]:
    found = []
    for node in root.named_children:
        source = node.child_by_field_name("source")
        if node.type not in ("import_statement", "export_statement") or source is None:
            continue
        inside = _descendants(node, 4)
        names = [
            _text(data, n.child_by_field_name("name") or n)
            for n in inside
            if n.type == "import_specifier"
        ]
        spaces = [n for n in inside if n.type == "namespace_import" and n.named_child_count]
        alias = _text(data, spaces[0].named_children[0]) if spaces else ""
        module = _text(data, source).strip("'\"`")
        found.append(Import(module, tuple(names), alias=alias))
    return found
