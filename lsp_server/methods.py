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
FIX_COMMAND = "slm-ls.fix"
DOC_COMMAND = "slm-ls.document"
EXPLAIN_COMMAND = "slm-ls.explain"
# ClientCapabilities.experimental: the client shows slm-ls.explain's result itself.
SHOWS_EXPLANATIONS = "slmLsShowsExplanations"
LOAD_PROGRESS_PREFIX = "slm-ls/load-model/"
ACTION_PROGRESS_PREFIX = "slm-ls/action/"
