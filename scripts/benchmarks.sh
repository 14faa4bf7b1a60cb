#!/usr/bin/env bash
# The benchmark runs behind docs/benchmarks.md (several hours on 2 cores; run them
# alone on the machine: other work distorts the latency columns). Results land in
# out/ (not committed). OTHER_REPO: a second git repository for the repository-holes
# run; TYPING_FILES: the files re-typed by the typing replay (docs/benchmarks.md
# says which ones we used: click 8.5.1's termui.py and formatting.py).
set -euo pipefail
cd "$(dirname "$0")/.."
B=".venv/bin/slm-ls bench"
M="--model qwen2.5-coder-0.5b"
M2="--model qwen2.5-coder-0.5b --model qwen2.5-coder-1.5b"
$B humaneval-single $M2 --mode naive-line,full --limit 200 --out out/he-single-editor
$B humaneval-single $M2 --layout official --mode full --limit 200 --deadline-ms 120000 \
  --out out/he-single-official
$B humaneval-multi $M2 --mode naive,full --limit 100 --out out/he-multi
$B repo . $M --mode naive,full --limit 60 --out out/repo-slm-ls
if [ -n "${OTHER_REPO:-}" ]; then
  $B repo "$OTHER_REPO" $M --mode naive,full --limit 60 --out out/repo-other
fi
$B repo . $M --mode full --limit 60 --seed 1 \
  --ablate lead,parse_check,suffix_overlap,syntax_plan,healing,context,indent,trimming \
  --out out/ablation
$B replay lsp_server/postprocess/suffix.py lsp_server/context/assemble.py $M \
  --mode naive,full --holes 1 --max-steps 60 --open-files 20 --out out/replay60
if [ -n "${TYPING_FILES:-}" ]; then
  # shellcheck disable=SC2086
  $B replay $TYPING_FILES $M --mode naive,full --holes 2 --max-steps 100 --open-files 0 \
    --pauses human --out out/replay-typing
  # shellcheck disable=SC2086
  $B replay $TYPING_FILES $M --mode full --holes 2 --max-steps 100 --open-files 0 \
    --out out/replay-typing-nopause
fi
$B load $M --limit 20000 --out out/load
$B overhead $M --limit 300 --out out/overhead
$B index . --out out/index-slm-ls
# Issue 12: WORKSPACE_REPOS: git repositories (docs/benchmarks.md: httpx, chi, rxjs's
# src/); TYPING_FOLDER: the folder of TYPING_FILES (the replay's workspace).
for repo in ${WORKSPACE_REPOS:-}; do
  name=$(basename "$repo")
  $B repo "$repo" $M --holes both --limit 60 --context none,open,workspace \
    --out "out/ws-0.5b-$name"
  $B repo "$repo" --model qwen2.5-coder-1.5b --holes cross-file --limit 24 \
    --context open,workspace --out "out/ws-1.5b-$name"
done
if [ -n "${TYPING_FILES:-}" ] && [ -n "${TYPING_FOLDER:-}" ]; then
  # shellcheck disable=SC2086
  $B replay $TYPING_FILES $M --holes 2 --max-steps 100 --open-files 0 --pauses human \
    --workspace "$TYPING_FOLDER" --out out/replay-workspace
fi
# Issue 14: NEXT_EDIT_REPOS: git repositories whose history gives the scenarios
# (docs/benchmarks.md: click, chi, this one at a fixed commit, flask, gin, ky).
for repo in ${NEXT_EDIT_REPOS:-}; do
  $B next-edit "$repo" $M2 --limit 40 --out "out/ne-$(basename "$repo")"
done
if [ -n "${TYPING_FILES:-}" ]; then
  # shellcheck disable=SC2086
  $B replay $TYPING_FILES --holes 2 --max-steps 100 --open-files 0 \
    --model 'qwen2.5-coder-0.5b+nextEdit.enabled=false' --model qwen2.5-coder-0.5b \
    --model 'qwen2.5-coder-0.5b+nextEdit.enabled=false+nextEdit.debounceMs=500' \
    --model 'qwen2.5-coder-0.5b+nextEdit.debounceMs=500' --out out/typing-ne
fi
# Issue 18: the first keystroke after a rest, beside two busy processes and idle
# (a copy of documents/positions.py with a comment on top, line 129 cut to `    return`).
rest_file=out/positions_copy.py
mkdir -p out
{ echo "# a copy for the rest test"; cat lsp_server/documents/positions.py; } \
  | sed '129s/.*/    return/' > "$rest_file"
for adapt in true false; do
  $B rest "$rest_file:129:11" --busy 2 --tries 4 --set engine.adaptThreads=$adapt \
    --out "out/rest-busy-$adapt"
done
$B rest "$rest_file:129:11" --busy 0 --tries 3 --out out/rest-idle
