#!/usr/bin/env bash
# Reproduces the 200-step numbers and figures of docs/results.md ("Long runs"). Each run is an
# `agon train` of a recipe with --steps 200 (held-out accuracy every 20 steps); the "previous"
# variants are the recipes as they were before the KL anchor and the cosine decay became the default.
#   npm ci && npx nx run @agon/cli:build && tools/default-model/long-runs.sh [out-dir] [seeds...]
#   node tools/default-model/results-table.mjs --long [out-dir]
#   node tools/default-model/figures.mjs [out-dir] docs/figures default=... (see docs/results.md)
# About 10 minutes of CPU per run on the 2-vCPU machine of docs/results.md.
set -euo pipefail
out=${1:-runs/long}
shift || true
seeds=("$@")
if [ ${#seeds[@]} -eq 0 ]; then seeds=(5 0 1); fi
mkdir -p "$out"
agon=(node packages/cli/dist/bin.js)
variant() { node tools/default-model/recipe-variant.mjs "recipes/$1.json" "$2" "$out/$3.json"; }
previous='{"loss":{"beta":0},"optimizer":{"schedule":"constant"}}'
variant default '{}' default
variant results-lsp '{}' lsp
variant results-grpo '{}' grpo
variant default "$previous" old-default
variant results-lsp "$previous" old-lsp
variant results-grpo "$previous" old-grpo
variant default '{"loss":{"beta":0,"alphaCh":0},"optimizer":{"schedule":"constant"}}' old-alpha0
variant default '{"optimizer":{"schedule":"constant"}}' beta-only
variant default '{"loss":{"repeatPenalty":{"weight":1,"similarity":0.7}}}' default-repeat
for method in ${METHODS:-default lsp grpo old-default old-lsp old-grpo old-alpha0 beta-only default-repeat}; do
  for seed in "${seeds[@]}"; do
    dir="$out/$method-seed$seed"
    "${agon[@]}" train --config "$out/$method.json" --steps 200 --seed "$seed" --out "$dir" --overwrite > "$dir.log" 2>&1
    "${agon[@]}" eval --model "$dir/model" --game arithmetic --options '{"digits":2,"ops":["+"]}' \
      --size 200 --seed 1234 --max-new-tokens 28 --backend wasm --json > "$dir.eval.json" 2> "$dir.eval.log"
    tail -n 1 "$dir.log"
  done
done
