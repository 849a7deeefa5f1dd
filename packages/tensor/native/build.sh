#!/usr/bin/env bash
# Builds agon's wasm kernels from the C sources beside this script into ../wasm/agon-kernels.wasm
# (or to the path given as $1). Needs Debian's clang-19 and lld-19 (wasm-ld-19); the flags make
# the output depend only on the sources, so the committed binary can be checked byte for byte.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../wasm/agon-kernels.wasm}"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" >/dev/null || { echo "build.sh: $CLANG not found (apt-get install clang-19 lld-19)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
objs=()
for src in "$here"/*.c; do
  obj="$tmp/$(basename "$src" .c).o"
  # -ffile-prefix-map keeps the build folder out of the binary.
  "$CLANG" --target=wasm32 -msimd128 -O3 -ffreestanding -nostdlib -fno-builtin -ffp-contract=off \
    -ffile-prefix-map="$here"=. -c "$src" -o "$obj"
  objs+=("$obj")
done
mkdir -p "$(dirname "$out")"
"$CLANG" --target=wasm32 -nostdlib -fuse-ld=lld -Wl,--no-entry -Wl,--import-memory \
  -Wl,--strip-all -Wl,--export=__stack_pointer -o "$tmp/out.wasm" "${objs[@]}"
chmod 644 "$tmp/out.wasm"
mv "$tmp/out.wasm" "$out"
