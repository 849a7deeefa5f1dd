#!/usr/bin/env bash
# Reproduces the 20-step numbers of docs/results.md: 3 seeds of LSP-Zero (the default recipe), LSP,
# the GRPO baseline on the recipe's prompt set and the GRPO baseline on carry-free prompts only.
# After each run its final model is evaluated again with answers kept (<dir>.eval.json), so the
# table can split held-out accuracy into problems with and without a carry.
#   npm ci && npx nx run @agon/cli:build && tools/default-model/results.sh [out-dir]
#   node tools/default-model/results-table.mjs [out-dir]     # the markdown tables
set -euo pipefail
out=${1:-runs/results}
mkdir -p "$out"
agon=(node packages/cli/dist/bin.js)
split_eval() { # model $1 on the held-out set, every answer kept, into $2
  "${agon[@]}" eval --model "$1" --game arithmetic --options '{"digits":2,"ops":["+"]}' \
    --size 200 --seed 1234 --max-new-tokens 28 --backend wasm --json > "$2" 2> "$2.log"
}
timed() { # CPU seconds beside wall seconds: the wall clock depends on what else the machine runs
  /usr/bin/time -f '{"userSeconds": %U, "systemSeconds": %S, "wallSeconds": %e}' -o "$1.time.json" "${@:2}" > "$1.log" 2>&1
  tail -n 1 "$1.log"
}
for seed in 0 1 2; do
  for recipe in default results-lsp results-grpo; do
    dir="$out/$recipe-seed$seed"
    timed "$dir" "${agon[@]}" train --config "recipes/$recipe.json" --seed "$seed" --out "$dir" --overwrite
    split_eval "$dir/model" "$dir.eval.json"
  done
  dir="$out/grpo-carry-free-seed$seed"
  timed "$dir" node tools/default-model/grpo-carry-free.mjs --seed "$seed" --out "$dir"
  split_eval "$dir/model" "$dir.eval.json"
done
split_eval default "$out/no-training.eval.json"
