#!/usr/bin/env bash
# Tests: install, fetch the test models, then lint, type check and run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/editors.sh
bash scripts/llama_server.sh  # the remote-engine tests' llama-server, built once
.venv/bin/slm-ls models pull qwen2.5-coder-0.5b
.venv/bin/slm-ls models pull smollm2-135m
.venv/bin/ruff check lsp_server tests scripts
.venv/bin/ruff format --check lsp_server tests scripts
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest -q "$@"
