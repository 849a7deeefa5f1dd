#!/usr/bin/env bash
# Reproduces the 200-step numbers and figures of docs/results.md ("Long runs") on a game of
# game.mjs (GAME=arithmetic by default, the default model's). Each run is an `agon train` of a recipe
# with --steps 200 (held-out accuracy every 20 steps); the "previous" variants are the recipes as
# they were before the KL anchor and the cosine decay became the default.
#   npm ci && npx nx run @agon/cli:build && tools/default-model/long-runs.sh [out-dir] [seeds...]
#   node tools/default-model/results-table.mjs --long [--game G] [out-dir]
#   node tools/default-model/figures.mjs [out-dir] docs/figures default=... (see docs/results.md)
# METHODS="lsp old-lsp" picks rows. About 2 minutes of CPU per run on the default game (more when
# the machine is loaded).
set -euo pipefail
out=${1:-runs/long}
shift || true
seeds=("$@")
if [ ${#seeds[@]} -eq 0 ]; then seeds=(5 0 1); fi
game=${GAME:-arithmetic}
mkdir -p "$out"
agon=(node packages/cli/dist/bin.js)
read -r lspZero lsp grpo <<< "$(node tools/default-model/game.mjs recipes "$game")"
read -r -a flags <<< "$(node tools/default-model/game.mjs eval-flags "$game")"
variant() { node tools/default-model/recipe-variant.mjs "$1" "$2" "$out/$3.json"; }
previous='{"loss":{"beta":0},"optimizer":{"schedule":"constant"}}'
variant "$lspZero" '{}' default
variant "$lsp" '{}' lsp
variant "$grpo" '{}' grpo
variant "$lspZero" "$previous" old-default
variant "$lsp" "$previous" old-lsp
variant "$grpo" "$previous" old-grpo
variant "$lspZero" '{"loss":{"beta":0,"alphaCh":0},"optimizer":{"schedule":"constant"}}' old-alpha0
variant "$lspZero" '{"optimizer":{"schedule":"constant"}}' beta-only
variant "$lspZero" '{"loss":{"repeatPenalty":{"weight":1,"similarity":0.7}}}' default-repeat
for method in ${METHODS:-default lsp grpo old-default old-lsp old-grpo old-alpha0 beta-only default-repeat}; do
  for seed in "${seeds[@]}"; do
    dir="$out/$method-seed$seed"
    "${agon[@]}" train --config "$out/$method.json" --steps 200 --seed "$seed" --out "$dir" --overwrite > "$dir.log" 2>&1
    "${agon[@]}" eval --model "$dir/model" "${flags[@]}" --backend wasm --json > "$dir.eval.json" 2> "$dir.eval.log"
    tail -n 1 "$dir.log"
  done
done
