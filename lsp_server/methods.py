"""The names slm-ls adds to LSP: its custom request, its commands, its capability flag
and its progress tokens. The server's features answer them and the client (the
benchmarks, the tests, the editor plugins' counterparts) sends them; both import them
from here, so neither reaches into the other."""

from __future__ import annotations

STATS_METHOD = "slmls/stats"  # per-request records and document fingerprints
# Client → server notification: the focused document and its cursor, debounced by the
# client, sent when the cursor moves, a document comes into view or is saved
# ({textDocument: {uri}, position}): the server prepares the suggestion there.
CURSOR_METHOD = "slm-ls/didChangeCursor"
# Next edit, as Copilot's language server offers it (so its Neovim clients work as
# they are): the request, the notification that the edit was shown, and our command
# that a client runs once it applied one.
INLINE_EDIT_METHOD = "textDocument/copilotInlineEdit"
SHOWN_INLINE_EDIT = "textDocument/didShowInlineEdit"
NEXT_EDIT_ACCEPTED = "slm-ls.nextEditAccepted"
# Suggestions taken: the item's command (whole) and Copilot's notification for a part
# ({item: {command: {arguments: [id]}}, acceptedLength}: UTF-16 units of insertText).
ACCEPTED_COMMAND = "slm-ls.acceptedCompletion"
PARTIAL_ACCEPT_METHOD = "textDocument/didPartiallyAcceptCompletion"
FIX_COMMAND = "slm-ls.fix"
DOC_COMMAND = "slm-ls.document"
EXPLAIN_COMMAND = "slm-ls.explain"
# ClientCapabilities.experimental: the client shows slm-ls.explain's result itself.
SHOWS_EXPLANATIONS = "slmLsShowsExplanations"
LOAD_PROGRESS_PREFIX = "slm-ls/load-model/"
ACTION_PROGRESS_PREFIX = "slm-ls/action/"
