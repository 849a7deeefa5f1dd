#!/usr/bin/env bash
# Reproduces every number of docs/results.md: 3 seeds of LSP-Zero (the default recipe), LSP and the
# GRPO baseline, each an `agon train` run; "no training" is the `before` of the same runs.
#   npm ci && npx nx run @agon/cli:build && tools/default-model/results.sh [out-dir]
#   node tools/default-model/results-table.mjs [out-dir]     # the markdown table
set -euo pipefail
out=${1:-runs/results}
mkdir -p "$out"
for recipe in default results-lsp results-grpo; do
  for seed in 0 1 2; do
    dir="$out/$recipe-seed$seed"
    # CPU seconds beside wall seconds: the wall clock depends on what else the machine runs.
    /usr/bin/time -f '{"userSeconds": %U, "systemSeconds": %S, "wallSeconds": %e}' -o "$dir.time.json" \
      node packages/cli/dist/bin.js train --config "recipes/$recipe.json" --seed "$seed" --out "$dir" > "$dir.log" 2>&1
    tail -n 2 "$dir.log"
  done
done
