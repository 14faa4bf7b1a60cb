"""`slm-ls bench`: task sources, the sandboxed test runner, metrics and reports."""
