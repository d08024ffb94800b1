package cpu

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/vktensor/vktensor/internal/backendbench"
	"github.com/vktensor/vktensor/tensor/backend"
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

// BenchmarkParallelThreshold times a contiguous add on one goroutine and
// split over GOMAXPROCS at sizes around parallelMin, the measurement behind
// its value: the split pays once the serial time exceeds the cost of
// starting and waking the other goroutines.
func BenchmarkParallelThreshold(b *testing.B) {
	be := New()
	for n := 1 << 12; n <= 1<<18; n *= 2 {
		x, y, z := backendbench.Operand(b, be, n), backendbench.Operand(b, be, n), backendbench.Operand(b, be, n)
		for _, split := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/serial", n)
			if split {
				name = fmt.Sprintf("n=%d/parallel", n)
			}
			b.Run(name, func(b *testing.B) {
				saved := parallelMin
				defer func() { parallelMin = saved }()
				parallelMin = math.MaxInt
				if split {
					parallelMin = 0
				}
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					be.Binary(backend.Add, z, x, y)
				}
			})
		}
	}
}
