#!/usr/bin/env bash
# Builds agon's wasm kernels from the C sources beside this script into ../wasm (or the folder
# given as $1), twice from the same sources:
#   agon-kernels.wasm          imports a plain memory (tfjs-backend-wasm's heap; one thread);
#   agon-kernels-threads.wasm  imports a shared memory (atomics, bulk memory; at most 2 GiB) that
#                              every kernel thread instantiates the module over.
# Needs Debian's clang-19 and lld-19 (wasm-ld-19); the flags make the output depend only on the
# sources, so the committed binaries can be checked byte for byte.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
outdir="${1:-$here/../wasm}"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" >/dev/null || { echo "build.sh: $CLANG not found (apt-get install clang-19 lld-19)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$outdir"

# build NAME "compile flags" "link flags"
build() {
  local name="$1" cflags="$2" lflags="$3" objs=()
  for src in "$here"/*.c; do
    local obj="$tmp/$name-$(basename "$src" .c).o" own=""
    # attention.c's loops walk blocks at fixed offsets from one pointer; LLVM's loop strength
    # reduction would rewrite each offset as a separate add (wasm cannot fold it into the load).
    [ "$(basename "$src")" = attention.c ] && own="-mllvm -disable-lsr"
    # -ffile-prefix-map keeps the build folder out of the binary.
    # shellcheck disable=SC2086
    "$CLANG" --target=wasm32 -msimd128 $cflags $own -O3 -ffreestanding -nostdlib -fno-builtin -ffp-contract=off \
      -ffile-prefix-map="$here"=. -c "$src" -o "$obj"
    objs+=("$obj")
  done
  # shellcheck disable=SC2086
  "$CLANG" --target=wasm32 -nostdlib -fuse-ld=lld -Wl,--no-entry -Wl,--import-memory $lflags \
    -Wl,--strip-all -Wl,--export=__stack_pointer -o "$tmp/$name.wasm" "${objs[@]}"
  chmod 644 "$tmp/$name.wasm"
  mv "$tmp/$name.wasm" "$outdir/$name.wasm"
}

build agon-kernels "" ""
build agon-kernels-threads "-matomics -mbulk-memory" "-Wl,--shared-memory -Wl,--max-memory=2147483648 -Wl,--export=__heap_base"
