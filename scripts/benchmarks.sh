#!/usr/bin/env bash
# The benchmark runs behind docs/benchmarks.md (about 75 minutes on 2 cores).
# Results land in out/ (not committed). OTHER_REPO: a second git repository for
# the repository-holes run (docs/benchmarks.md says which one we used).
set -euo pipefail
cd "$(dirname "$0")/.."
B=".venv/bin/slm-ls bench"
M="--model qwen2.5-coder-0.5b"
$B humaneval-single $M --mode naive,naive-line,full --limit 200 --out out/humaneval-single
$B humaneval-multi $M --mode naive,full --limit 100 --out out/humaneval-multi
$B repo . $M --mode naive,full --limit 60 --out out/repo-slm-ls
if [ -n "${OTHER_REPO:-}" ]; then
  $B repo "$OTHER_REPO" $M --mode naive,full --limit 60 --out out/repo-other
fi
$B replay lsp_server/postprocess/suffix.py lsp_server/context/assemble.py $M \
  --mode naive,full --holes 1 --max-steps 60 --open-files 20 --out out/replay60
$B repo . $M --mode full --limit 20 --seed 1 \
  --ablate lead,parse_check,suffix_overlap,balance,syntax_plan,healing,context \
  --out out/ablation
$B overhead $M --limit 300 --out out/overhead
