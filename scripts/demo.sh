#!/usr/bin/env bash
# Main job: install, fetch the default model, then start the server and complete
# examples/fibonacci.py over LSP.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/slm-ls models pull qwen2.5-coder-0.5b
.venv/bin/slm-ls demo "$@"
