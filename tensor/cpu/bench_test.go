package cpu

import (
	"os"
	"strconv"
	"testing"

	"github.com/vktensor/vktensor/internal/backendbench"
)

// Benchmarks (go test -run XXX -bench . ./tensor/cpu): the cases of
// tensor/vulkan's benchmarks (package backendbench), timed on the wall
// clock. Sizes: matmul n = 256, 512, 1024 and memory-bound ops on
// [2048, 2048], or n up to VKT_BENCH_N.

func BenchmarkMatMul(b *testing.B) {
	top := benchN(1024)
	var sizes []int
	for n := 256; n <= top; n *= 2 {
		sizes = append(sizes, n)
	}
	be := New()
	backendbench.MatMul(b, be, sizes, 0, backendbench.WallClock(be.Sync))
}

func BenchmarkMemory(b *testing.B) {
	be := New()
	backendbench.Memory(b, be, benchN(2048), backendbench.WallClock(be.Sync))
}

func benchN(def int) int {
	if n, err := strconv.Atoi(os.Getenv("VKT_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return def
}
