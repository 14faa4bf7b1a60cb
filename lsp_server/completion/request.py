"""The completion request, and the one function that builds it.

The server, `slm-ls complete`, every `slm-ls bench` source and `bench replay` (through
the server) build their requests with `build_request`, from document snapshots
parsed in one place (documents/snapshot.py): a number the benchmark publishes is a
number of the request an editor sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Tree

from lsp_server.context.assemble import OpenFile
from lsp_server.context.workspace import WorkspaceView
from lsp_server.documents.snapshot import DEFAULT_MAX_BYTES, Snapshot


@dataclass(frozen=True)
class CompletionRequest:
    document: Snapshot
    offset: int  # str offset of the cursor
    invoked: bool = True  # False: an automatic request, which may be skipped
    multiline: bool | None = None  # None: decided from the cursor
    path: str = ""  # workspace-relative path, for repository context
    others: tuple[OpenFile, ...] = ()  # other open documents of the same language
    repo_name: str = ""
    session: str = ""  # the document: keeps its own KV state in the engine
    workspace: WorkspaceView | None = None  # the workspace index (None: open files only)

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def language(self) -> str:
        return self.document.language

    @property
    def tree(self) -> Tree | None:
        return self.document.tree

    @property
    def data(self) -> bytes:
        return self.document.data

    @cached_property
    def cursor_byte(self) -> int:
        return len(self.text[: self.offset].encode("utf-8", "surrogatepass"))


def build_request(
    document: Snapshot,
    offset: int,
    *,
    invoked: bool = True,
    others: Iterable[tuple[str, Snapshot]] = (),
    path: str = "",
    repo_name: str = "",
    multiline: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workspace: WorkspaceView | None = None,
) -> CompletionRequest:
    """The request for the cursor at str `offset` of `document`. `others` are the
    other open documents as (path, snapshot): those of the same language that get
    completions themselves become context. With `workspace`, context comes from the
    workspace index instead (the open documents are in it with their own text)."""
    offset = min(max(offset, 0), len(document.text))
    context = tuple(
        OpenFile(other_path, other)
        for other_path, other in others
        if other.language == document.language and other.skipped_reason(max_bytes) is None
    )
    return CompletionRequest(
        document,
        offset,
        invoked=invoked,
        multiline=multiline,
        path=path,
        others=context,
        repo_name=repo_name,
        workspace=workspace,
    )


def request_for(
    text: str,
    offset: int,
    language: str = "plaintext",
    *,
    invoked: bool = True,
    multiline: bool | None = None,
    path: str = "",
    workspace: WorkspaceView | None = None,
) -> CompletionRequest:
    """`build_request` for a text that is not open anywhere (CLI, benchmark tasks)."""
    return build_request(
        Snapshot.parse(text, language),
        offset,
        invoked=invoked,
        multiline=multiline,
        path=path,
        workspace=workspace,
    )
