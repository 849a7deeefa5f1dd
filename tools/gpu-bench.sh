#!/usr/bin/env bash
# agon on webgpu (Dawn on the NVIDIA Vulkan driver) against PyTorch on CUDA, on Qwen2.5-0.5B's
# shape with random weights: batched greedy decoding (b1 after a 128-token prompt, b16) and a LoRA
# r16 training step at 4×256. Prints one table; writes gpu-bench.json and gpu-bench.txt to $OUT.
#
# The GPU machine has no network and no Node, so the work is split in two:
#
#   tools/gpu-bench.sh prepare     here, in a repository with `npm ci` done. Writes .gpu-bench/
#                                  (git-ignored, about 30 MB) holding payload.tar.xz: this machine's
#                                  Node binary, the bench bundled into one file by esbuild from the
#                                  sources (agon, tfjs), the `webgpu` package's dawn.node, and the
#                                  Vulkan loader and GL dispatch .debs (libvulkan1, libglvnd …) from
#                                  apt for a machine without them.
#   tools/gpu-bench.sh run         on the GPU machine, in the repository root (the working tree is
#                                  copied there; `.gpu-bench` must travel too: the device `run`
#                                  tool's carry: [".gpu-bench"]). Unpacks the payload into
#                                  $TMPDIR/agon-gpu-bench, installs the Vulkan loader if none is
#                                  there, points Vulkan at the NVIDIA driver's ICD, finds python3
#                                  with torch (says so clearly when there is none or it sees no
#                                  CUDA device; the agon side still runs), runs the bench. Not yet
#                                  timed on an H200 (expected: minutes); give the device run
#                                  timeout_s 540.
#   tools/gpu-bench.sh run --only decode   (or train) runs half the rows, to redo one within the
#                                  device time left.
#   tools/gpu-bench.sh tiny        both steps here on stories260K at toy sizes, on whatever adapter
#                                  Dawn finds (SwiftShader without a GPU) and torch on the CPU: the
#                                  harness check tools/test/gpu-bench.test.ts runs (no download).
#
# Environment: OUT (where the report goes; default .gpu-bench/out), PYTHON (python with torch;
# default the python3 on PATH, then /opt/torch2/bin/python), GPU_BENCH_DIR (default .gpu-bench).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DIR=${GPU_BENCH_DIR:-$ROOT/.gpu-bench}
PAYLOAD=$DIR/payload.tar.xz
DEBS=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2)

die() { echo "gpu-bench: $*" >&2; exit 1; }

prepare() { # $1: xz level
  local level=$1
  command -v node >/dev/null || die "prepare needs node on PATH"
  [ -f node_modules/webgpu/package.json ] || die "node_modules/webgpu is missing: run npm ci first"
  local dawn=node_modules/webgpu/dist/linux-x64/dawn.node
  [ -f "$dawn" ] || die "$dawn is missing (the webgpu package ships it for linux-x64)"
  mkdir -p "$DIR"
  STAGE=$(mktemp -d "$DIR/stage.XXXXXX")
  trap 'rm -rf "$STAGE"' EXIT
  local stage=$STAGE
  cp "$(command -v node)" "$stage/node"
  npx esbuild tools/gpu-bench.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile="$stage/gpu-bench.mjs" --external:webgpu \
    "--banner:js=import { createRequire as __agonRequire } from 'node:module'; const require = __agonRequire(import.meta.url);"
  mkdir -p "$stage/node_modules/webgpu/dist/linux-x64"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$stage/node_modules/webgpu/"
  cp "$dawn" "$stage/node_modules/webgpu/dist/linux-x64/"
  if [ "$level" != 0 ]; then
    mkdir -p "$stage/debs"
    (cd "$stage/debs" && apt-get download "${DEBS[@]}" >/dev/null 2>&1) ||
      echo "gpu-bench: apt-get download ${DEBS[*]} failed; the GPU machine must then have its own Vulkan loader" >&2
  fi
  tar -C "$stage" -cf - . | xz "-$level" -T0 > "$PAYLOAD.tmp"
  mv "$PAYLOAD.tmp" "$PAYLOAD"
  rm -rf "$stage"
  echo "gpu-bench: wrote $PAYLOAD ($(du -m "$PAYLOAD" | cut -f1) MB); carry .gpu-bench to the GPU machine and run tools/gpu-bench.sh run"
}

find_python() {
  local p
  for p in "${PYTHON:-}" "$(command -v python3 || true)" /opt/torch2/bin/python; do
    [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import torch' 2>/dev/null && { echo "$p"; return; }
  done
}

run() { # $1: tiny or full; the rest goes to the bench (--only decode|train)
  local mode=$1 work py out device
  shift
  case "$*" in
    '' | '--only decode' | '--only train') ;;
    *) die "run takes no options but --only decode or --only train; got: $*" ;;
  esac
  [ -f "$PAYLOAD" ] || die "$PAYLOAD not found: run 'tools/gpu-bench.sh prepare' first and carry .gpu-bench"
  work=${TMPDIR:-/tmp}/agon-gpu-bench
  rm -rf "$work" && mkdir -p "$work"
  if command -v xz >/dev/null; then xz -dc "$PAYLOAD" | tar -C "$work" -xf -
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PAYLOAD" "$work"; fi
  out=${OUT:-$DIR/out}
  mkdir -p "$out"

  if [ "$mode" = full ]; then
    device=cuda
    # Read ldconfig's list into a file first: with pipefail, grep -q closing the pipe early
    # would make the pipeline fail even when the loader is there.
    ldconfig -p > "$work/ldconfig.txt" 2>/dev/null || true
    if ! grep -q 'libvulkan\.so\.1' "$work/ldconfig.txt"; then
      ls "$work"/debs/*.deb >/dev/null 2>&1 || die "no Vulkan loader on this machine and none in the payload"
      echo "gpu-bench: no Vulkan loader here; installing the carried one (${DEBS[*]})"
      for f in "$work"/debs/*.deb; do dpkg -x "$f" /; done
      ldconfig
    fi
    local icd=""
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
      [ -f "$f" ] && { icd=$f; break; }
    done
    [ -n "$icd" ] || die "no NVIDIA Vulkan ICD (nvidia_icd.json) found under /usr/local/nvidia, /usr/share/vulkan or /etc/vulkan"
    export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
      [ -d "$d" ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    done
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    { command -v nvidia-smi >/dev/null && nvidia-smi -L | tee "$out/gpu.txt"; } || true
  else
    device=cpu
    [ -n "${VK_ICD_FILENAMES:-}" ] || [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ] ||
      export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  fi

  py=$(find_python)
  local torch_flags=()
  if [ -z "$py" ]; then
    echo "gpu-bench: PyTorch is ABSENT here (no python3 that imports torch); only the agon side runs" | tee "$out/torch-absent.txt"
    torch_flags=(--no-torch)
  else
    torch_flags=(--python "$py" --device "$device")
    if [ "$device" = cuda ] && ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
      echo "gpu-bench: $py has torch $("$py" -c 'import torch; print(torch.__version__)') but it sees no CUDA device; the torch rows will say so"
    fi
  fi
  local tiny_flag=()
  [ "$mode" = tiny ] && tiny_flag=(--tiny)
  set +e
  # Progress (stderr) goes to the .txt too: a run cut short still leaves what it measured.
  "$work/node" "$work/gpu-bench.mjs" --root "$ROOT" --out "$out" "${tiny_flag[@]}" "${torch_flags[@]}" "$@" 2>&1 | tee "$out/gpu-bench.txt"
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

case "${1:-}" in
  prepare) prepare "${GPU_BENCH_XZ_LEVEL:-6}" ;;
  run) shift; run full "$@" ;;
  tiny) prepare 0 && run tiny ;;
  *) die "usage: tools/gpu-bench.sh prepare | run | tiny (see the header of this file)" ;;
esac
