#!/usr/bin/env bash
# llama.cpp's `llama-server`, built once from the llama.cpp sources vendored in the
# llama-cpp-python source distribution (the same llama.cpp as our in-process engine),
# cached under ~/.cache/slm-ls/llama-server/<version>/. Used by the remote-engine tests
# and benchmarks (docs/remote.md). No web UI (nothing is downloaded at build time),
# no OpenSSL, no CURL: it serves on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${LLAMA_VERSION:-0.3.36}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/slm-ls/llama-server/$VERSION"
binary="$cache/llama-server"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
echo "building llama-server from llama-cpp-python $VERSION's llama.cpp (several minutes, once)..." >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m pip download --quiet --no-deps --no-binary :all: \
  "llama-cpp-python==$VERSION" -d "$work" 2>/dev/null
tar xzf "$work"/llama_cpp_python-"$VERSION".tar.gz -C "$work"
src="$work/llama_cpp_python-$VERSION/vendor/llama.cpp"
flags=""
if [ "$(uname -m)" = "x86_64" ]; then
  flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"  # see scripts/setup.sh
fi
CFLAGS="$flags" CXXFLAGS="$flags" cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DGGML_AMX=OFF >"$work/cmake.log" 2>&1 || { tail -30 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; exit 1; }
mkdir -p "$cache"
cp "$work/build/bin/llama-server" "$binary"
echo "$binary"
