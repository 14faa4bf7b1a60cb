"""What we know about each language, in one table: its grammar (from the official
per-language wheels, see docs/decisions.md), the names editors give it, its file
extensions, its line comment, and the syntax-tree node types that the context,
the cursor analysis and the benchmark look for.

Grammars are imported lazily, so that a server that only edits Python never loads
the C++ grammar. tests/unit/test_languages.py checks every node type named here
against its grammar.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

from tree_sitter import Language, Parser

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grammar:
    """Where a language's grammar lives: module and the function returning it."""

    module: str
    function: str = "language"


class Modules(StrEnum):
    """How an import names the file it reads (the workspace index resolves it)."""

    NONE = "none"  # not resolved: definitions are found by name only
    PYTHON = "python"  # dotted module paths, relative with leading dots, packages
    GO = "go"  # package directories (the import path's last components)
    RELATIVE = "relative"  # JS/TS: "./x" is x.ts, x.js, ... or x/index.*


class Binding(StrEnum):
    """How a node binds the identifiers it holds (next edit's removed-name rule)."""

    LEFT = "left"  # its `left` field is the name: `x = e`, `x += e`, `for x in`
    LEFT_LIST = "left-list"  # a list that is an assignment's `left`: `a, b = e`
    IN_LEFT = "in-left"  # any name inside its `left` field: Go's `a, b := e`
    NAME = "name"  # its `name` field: `var x`, `const x = e`, a declarator
    ANY = "any"  # every name in it: a parameter list, an import clause
    ALIAS_OR_NAME = "alias-or-name"  # the alias, else the name: `x=1`, `{a as b}`
    FIRST = "first"  # its first child: `x: int`, `x?: T`
    IMPORTED = "imported"  # the last part of an imported dotted name (not the module)


@dataclass(frozen=True)
class Member:
    """A member access: `node` holds `object` and, in its `member` field, a name that
    is the member's, not a variable's (`obj.name`)."""

    node: str
    object: str
    member: str


@dataclass(frozen=True)
class LanguageSpec:
    name: str  # the LSP languageId we normalise to
    grammar: Grammar | None
    extensions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other ids editors send (Neovim filetypes, Helix names)
    line_comment: str = "//"
    imports: frozenset[str] = frozenset()  # top-level import statements
    definitions: frozenset[str] = frozenset()  # nodes whose `name` field names a definition
    # Anonymous tokens that open a block when they end the text before the cursor.
    block_openers: frozenset[str] = frozenset({"{"})
    blocks: frozenset[str] = frozenset()  # statement blocks (benchmark holes)
    call_arguments: frozenset[str] = frozenset()  # argument lists (benchmark holes)
    # Documentation is a string at the start of the body (else a comment above it).
    docstrings: bool = False
    doc_comment: str = ""  # the documentation comment marker, when not the line comment
    # Top-level declarations the workspace index names besides `definitions`
    # (constants, variables, type aliases); `wrappers` hold a definition (export, decorator).
    declarations: frozenset[str] = frozenset()
    wrappers: frozenset[str] = frozenset()
    modules: Modules = Modules.NONE
    # What next edit reads of the tree (nextedit/): calls, parameter lists, member
    # accesses, keyword arguments (`f(name=…)`: not a use of `name`), the forms that
    # bind a name.
    calls: frozenset[str] = frozenset()
    parameter_lists: frozenset[str] = frozenset()
    members: tuple[Member, ...] = ()
    keyword_arguments: frozenset[str] = frozenset()
    bindings: tuple[tuple[str, Binding], ...] = ()


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


_JS_DEFINITIONS = _set(
    "class",
    "class_declaration",
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
)
_TS_DEFINITIONS = _JS_DEFINITIONS | _set(
    "interface_declaration", "module", "abstract_class_declaration"
)
_C_OPENERS = _set("{", ":", "do", "->")
_JS_BINDINGS = (
    ("variable_declarator", Binding.NAME),
    ("formal_parameters", Binding.ANY),
    ("import_clause", Binding.ANY),
    ("namespace_import", Binding.ANY),
    ("import_specifier", Binding.ALIAS_OR_NAME),
)
_JS_NEXT_EDIT: dict[str, Any] = {
    "calls": _set("call_expression"),
    "parameter_lists": _set("formal_parameters"),
    "members": (Member("member_expression", "object", "property"),),
    "bindings": _JS_BINDINGS,
}
_TS_NEXT_EDIT: dict[str, Any] = {
    **_JS_NEXT_EDIT,
    "bindings": (
        *_JS_BINDINGS,
        ("required_parameter", Binding.FIRST),
        ("optional_parameter", Binding.FIRST),
    ),
}
_C_NEXT_EDIT: dict[str, Any] = {
    "calls": _set("call_expression"),
    "parameter_lists": _set("parameter_list"),
    "bindings": (("parameter_declaration", Binding.NAME), ("parameter_list", Binding.ANY)),
}


def _javascript(name: str, extensions: tuple[str, ...], aliases: tuple[str, ...]) -> LanguageSpec:
    return LanguageSpec(
        name,
        Grammar("tree_sitter_javascript"),
        extensions,
        aliases,
        imports=_set("import_statement", "using_declaration"),
        definitions=_JS_DEFINITIONS,
        declarations=_set("lexical_declaration", "variable_declaration"),
        wrappers=_set("export_statement"),
        modules=Modules.RELATIVE,
        block_openers=_set("{", ":", "=>", "do"),
        blocks=_set("statement_block"),
        call_arguments=_set("arguments"),
        **_JS_NEXT_EDIT,
    )


def _typescript(name: str, function: str, extensions: tuple[str, ...], alias: str) -> LanguageSpec:
    return LanguageSpec(
        name,
        Grammar("tree_sitter_typescript", function),
        extensions,
        (alias,),
        imports=_set("import_statement"),
        definitions=_TS_DEFINITIONS,
        declarations=_set(
            "lexical_declaration",
            "variable_declaration",
            "type_alias_declaration",
            "enum_declaration",
        ),
        wrappers=_set("export_statement"),
        modules=Modules.RELATIVE,
        block_openers=_set("{", ":", "=>", "do"),
        blocks=_set("statement_block"),
        call_arguments=_set("arguments"),
        **_TS_NEXT_EDIT,
    )


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        "python",
        Grammar("tree_sitter_python"),
        (".py", ".pyi"),
        ("py",),
        line_comment="#",
        imports=_set("import_statement", "import_from_statement", "future_import_statement"),
        definitions=_set("function_definition", "class_definition"),
        declarations=_set("expression_statement"),
        wrappers=_set("decorated_definition"),
        modules=Modules.PYTHON,
        docstrings=True,
        block_openers=_set(":", "{"),
        blocks=_set("block"),
        call_arguments=_set("argument_list"),
        calls=_set("call"),
        parameter_lists=_set("parameters"),
        members=(Member("attribute", "object", "attribute"),),
        keyword_arguments=_set("keyword_argument"),
        bindings=(
            ("assignment", Binding.LEFT),
            ("augmented_assignment", Binding.LEFT),
            ("for_statement", Binding.LEFT),
            ("for_in_clause", Binding.LEFT),
            ("expression_list", Binding.LEFT_LIST),
            ("pattern_list", Binding.LEFT_LIST),
            ("tuple_pattern", Binding.LEFT_LIST),
            ("parameters", Binding.ANY),
            ("default_parameter", Binding.ALIAS_OR_NAME),
            ("typed_default_parameter", Binding.ALIAS_OR_NAME),
            ("typed_parameter", Binding.FIRST),
            ("aliased_import", Binding.IMPORTED),
            ("dotted_name", Binding.IMPORTED),
        ),
    ),
    _javascript("javascript", (".js", ".mjs", ".cjs"), ("js",)),
    _javascript("javascriptreact", (".jsx",), ("jsx",)),
    _typescript("typescript", "language_typescript", (".ts", ".mts", ".cts"), "ts"),
    _typescript("typescriptreact", "language_tsx", (".tsx",), "tsx"),
    LanguageSpec(
        "go",
        Grammar("tree_sitter_go"),
        (".go",),
        ("golang",),
        imports=_set("import_declaration"),
        definitions=_set("function_declaration", "method_declaration", "type_declaration"),
        declarations=_set("const_declaration", "var_declaration"),
        modules=Modules.GO,
        block_openers=_set("{", ":"),
        blocks=_set("block"),
        call_arguments=_set("argument_list"),
        calls=_set("call_expression"),
        parameter_lists=_set("parameter_list"),
        members=(Member("selector_expression", "operand", "field"),),
        bindings=(
            ("expression_list", Binding.LEFT_LIST),
            ("short_var_declaration", Binding.IN_LEFT),
            ("range_clause", Binding.IN_LEFT),
            ("var_spec", Binding.NAME),
            ("const_spec", Binding.NAME),
            ("parameter_declaration", Binding.NAME),
            ("parameter_list", Binding.ANY),
        ),
    ),
    LanguageSpec(
        "rust",
        Grammar("tree_sitter_rust"),
        (".rs",),
        imports=_set("use_declaration"),
        definitions=_set("function_item", "struct_item", "trait_item", "enum_item", "impl_item"),
        doc_comment="///",
        block_openers=_set("{", ":", "=>", "->"),
        blocks=_set("block"),
        call_arguments=_set("arguments"),
        calls=_set("call_expression"),
        parameter_lists=_set("parameters"),
        bindings=(("tuple_pattern", Binding.LEFT_LIST), ("parameters", Binding.ANY)),
    ),
    LanguageSpec(
        "c",
        Grammar("tree_sitter_c"),
        (".c", ".h"),
        imports=_set("preproc_include"),
        definitions=_set("function_definition", "struct_specifier"),
        block_openers=_C_OPENERS,
        blocks=_set("compound_statement"),
        call_arguments=_set("argument_list"),
        **_C_NEXT_EDIT,
    ),
    LanguageSpec(
        "cpp",
        Grammar("tree_sitter_cpp"),
        (".cc", ".cpp", ".cxx", ".hpp", ".hh"),
        ("c++",),
        imports=_set("preproc_include", "using_declaration"),
        definitions=_set("function_definition", "struct_specifier", "class_specifier"),
        block_openers=_C_OPENERS,
        blocks=_set("compound_statement"),
        call_arguments=_set("argument_list"),
        **_C_NEXT_EDIT,
    ),
    LanguageSpec(
        "java",
        Grammar("tree_sitter_java"),
        (".java",),
        imports=_set("import_declaration"),
        definitions=_set("class_declaration", "interface_declaration", "method_declaration"),
        block_openers=_C_OPENERS,
        blocks=_set("block"),
        call_arguments=_set("argument_list"),
        parameter_lists=_set("formal_parameters"),
        bindings=(("variable_declarator", Binding.NAME), ("formal_parameters", Binding.ANY)),
    ),
    LanguageSpec(
        "ruby",
        Grammar("tree_sitter_ruby"),
        (".rb",),
        line_comment="#",
        definitions=_set("class", "method", "module", "singleton_method"),
        block_openers=_set("{", ":", "do", "then", "=>", "->"),
        blocks=_set("block", "body_statement", "do_block"),
        call_arguments=_set("argument_list"),
        calls=_set("call"),
        bindings=(("assignment", Binding.LEFT), ("optional_parameter", Binding.FIRST)),
    ),
    LanguageSpec(
        "shellscript",
        Grammar("tree_sitter_bash"),
        (".sh", ".bash"),
        ("bash", "sh", "zsh"),
        line_comment="#",
        definitions=_set("function_definition"),
        block_openers=_set("{", ":", "do", "then"),
        blocks=_set("compound_statement"),
    ),
    LanguageSpec(
        "lua",
        Grammar("tree_sitter_lua"),
        (".lua",),
        line_comment="--",
        definitions=_set("function_declaration", "function_definition"),
        block_openers=_set("{", ":", "do", "then"),
        blocks=_set("block"),
        call_arguments=_set("arguments"),
        parameter_lists=_set("parameters"),
        bindings=(("expression_list", Binding.LEFT_LIST), ("parameters", Binding.ANY)),
    ),
)

PLAIN = LanguageSpec("plaintext", None)
_BY_NAME: dict[str, LanguageSpec] = {spec.name: spec for spec in LANGUAGES}
# Derived views of the table, for the callers that need one fact.
GRAMMARS: dict[str, Grammar] = {s.name: s.grammar for s in LANGUAGES if s.grammar is not None}
ALIASES: dict[str, str] = {alias: s.name for s in LANGUAGES for alias in s.aliases}
EXTENSIONS: dict[str, str] = {ext: s.name for s in LANGUAGES for ext in s.extensions}


def spec_for(name: str) -> LanguageSpec:
    """The language's record (plain text, without a grammar, for unknown names)."""
    return _BY_NAME.get(name, PLAIN)


def language_of_path(path: str) -> str:
    """The language for a file name by its extension ("plaintext" when unknown)."""
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower(), "plaintext")


def detect_language(language_id: str | None, path: str) -> str:
    """Normalised language name from the editor's languageId, else from the extension.

    Unknown languages keep their id (or "plaintext"): they still get
    completions, from plain-text context.
    """
    if language_id:
        lowered = language_id.lower()
        lowered = ALIASES.get(lowered, lowered)
        if lowered in GRAMMARS:
            return lowered
    by_extension = EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    if by_extension:
        return by_extension
    return (language_id or "plaintext").lower()


def load_language(name: str) -> Language | None:
    """The tree-sitter Language for `name`, or None when there is no grammar. Not
    memoized: the grammar's module is (Python's import cache), and wrapping its
    pointer costs a fraction of a microsecond."""
    grammar = GRAMMARS.get(name)
    if grammar is None:
        return None
    try:
        module = importlib.import_module(grammar.module)
        return Language(getattr(module, grammar.function)())
    except (ImportError, AttributeError, ValueError) as exc:
        log.debug("grammar for %s unavailable: %s", name, exc)
        return None


def new_parser(name: str) -> Parser | None:
    """A parser for `name`, or None for plain-text languages."""
    language = load_language(name)
    return Parser(language) if language is not None else None
