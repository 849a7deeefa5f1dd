#!/usr/bin/env bash
# Reproduces the 20-step numbers of docs/results.md on a game of game.mjs (default: arithmetic, the
# default model's): 3 seeds of LSP-Zero, LSP, the GRPO baseline on the recipe's prompt set and the
# GRPO baseline on easy prompts only (grpo-easy.mjs). After each run its final model is evaluated
# again with answers kept (<dir>.eval.json), so the table can split held-out accuracy into the
# game's hard and easy instances.
#   npm ci && npx nx run @agon/cli:build && tools/default-model/results.sh [out-dir] [game]
#   node tools/default-model/results-table.mjs [--game G] [out-dir]     # the markdown table
set -euo pipefail
out=${1:-runs/results}
game=${2:-arithmetic}
mkdir -p "$out"
agon=(node packages/cli/dist/bin.js)
read -r -a recipes <<< "$(node tools/default-model/game.mjs recipes "$game")"
read -r -a flags <<< "$(node tools/default-model/game.mjs eval-flags "$game")"
split_eval() { # model $1 on the held-out set, every answer kept, into $2
  "${agon[@]}" eval --model "$1" "${flags[@]}" --backend wasm --json > "$2" 2> "$2.log"
}
timed() { # CPU seconds beside wall seconds: the wall clock depends on what else the machine runs
  /usr/bin/time -f '{"userSeconds": %U, "systemSeconds": %S, "wallSeconds": %e}' -o "$1.time.json" "${@:2}" > "$1.log" 2>&1
  tail -n 1 "$1.log"
}
for seed in 0 1 2; do
  for recipe in "${recipes[@]}"; do
    dir="$out/$(basename "$recipe" .json)-seed$seed"
    timed "$dir" "${agon[@]}" train --config "$recipe" --seed "$seed" --out "$dir" --overwrite
    split_eval "$dir/model" "$dir.eval.json"
  done
  dir="$out/grpo-easy-seed$seed"
  timed "$dir" node tools/default-model/grpo-easy.mjs --recipe "${recipes[2]}" --seed "$seed" --out "$dir"
  split_eval "$dir/model" "$dir.eval.json"
done
model=$(node -p "JSON.parse(require('fs').readFileSync('${recipes[0]}', 'utf8')).model")
split_eval "$model" "$out/no-training.eval.json"
