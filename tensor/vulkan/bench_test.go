package vulkan

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/internal/backendbench"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Benchmarks (go test -bench . ./tensor/vulkan). Times are GPU time from
// timestamps (gpu.Device.TimeGPU), so they exclude recording and submit
// overhead. Sizes stop at VKT_BENCH_N (default 8192 on a GPU, 512 on a CPU
// implementation such as lavapipe) and at what fits in device memory.

// benchBackend opens a device without validation, which would distort the
// timings.
func benchBackend(b *testing.B) *Backend {
	vk, err := New(WithGPUOptions(gpu.Options{AllowCPU: true}))
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	b.Cleanup(func() { vk.Close() })
	return vk
}

func benchMax(vk *Backend) int {
	if s := os.Getenv("VKT_BENCH_N"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	if vk.info.Type == gpu.DeviceCPU {
		return 512
	}
	return 8192
}

// gpuClock times op on the GPU (timestamps around each run), which
// excludes recording and submit overhead.
func gpuClock(vk *Backend) backendbench.Clock {
	return backendbench.Clock{Name: "gpu", Time: func(b *testing.B, op func()) time.Duration {
		op() // warm-up: builds pipelines
		if err := vk.Sync(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			d, err := vk.Device().TimeGPU(op)
			if err != nil {
				b.Fatal(err)
			}
			total += d
		}
		if err := vk.Sync(); err != nil {
			b.Fatal(err)
		}
		return total / time.Duration(b.N)
	}}
}

// VKT_BENCH_TILE="BM,BN,BK,TM,TN[,SPLITS[,WARPS[,SWZ]]]" forces that
// tiling (and the split-K factor, if not 0) for every size, for tuning on a
// device; TM×TN must name a compiled kernel (4x4, 8x4, 8x8); WARPS 1 asks
// for the warp-shaped invocation grid, SWZ > 0 for tiles walked in bands
// of SWZ tile rows. VKT_BENCH_KERNEL names another build of matmul.comp
// (a //gen:variant line added for the trial, declared in kernelABIs),
// which must match the tiling where it compiles BM, BN or BK in.
func benchTile(b *testing.B, vk *Backend) {
	s := os.Getenv("VKT_BENCH_TILE")
	if s == "" {
		return
	}
	var v variant
	splits, warps := 0, 0
	if n, err := fmt.Sscanf(s, "%d,%d,%d,%d,%d,%d,%d,%d", &v.bm, &v.bn, &v.bk, &v.tm, &v.tn, &splits, &warps, &v.swz); n < 5 {
		b.Fatalf("VKT_BENCH_TILE=%q: %v", s, err)
	}
	v.warps = warps == 1
	v.kname = os.Getenv("VKT_BENCH_KERNEL")
	vk.forceVariant, vk.forceSplits = &v, splits
	b.Cleanup(func() { vk.forceVariant, vk.forceSplits = nil, 0 })
}

// benchSizes lists the matmul sizes: VKT_BENCH_NS="1024,4096" if set, else
// powers of two up to benchMax (1024.. on a GPU).
func benchSizes(vk *Backend) []int {
	var ns []int
	if s := os.Getenv("VKT_BENCH_NS"); s != "" {
		for _, f := range strings.Split(s, ",") {
			if n, err := strconv.Atoi(f); err == nil {
				ns = append(ns, n)
			}
		}
		return ns
	}
	top := benchMax(vk)
	for n := 128; n <= top; n *= 2 {
		if n < 1024 && top >= 1024 {
			continue // the GPU sizes are 1024..8192
		}
		ns = append(ns, n)
	}
	return ns
}

func BenchmarkMatMul(b *testing.B) {
	vk := benchBackend(b)
	benchTile(b, vk)
	maxBytes := vk.info.DeviceLocalBytes / 2
	backendbench.MatMul(b, vk, benchSizes(vk), maxBytes, gpuClock(vk))
}

// BenchmarkDTypes measures the elementwise kernels per dtype on [n, n]
// operands (n as BenchmarkMemory's): a dense Add (the vec4 layout for
// float32, the 16-bit builds' scalar layout for Float16 and BFloat16), a
// transposed copy, row sums, softmax rows, an [n/2, n/2] matrix product
// (GFLOP/s) and the conversions from and to float32. GB/s counts the bytes
// each op reads and writes.
func BenchmarkDTypes(b *testing.B) {
	vk := benchBackend(b)
	n := benchMax(vk)
	if vk.info.Type == gpu.DeviceCPU && os.Getenv("VKT_BENCH_N") == "" {
		n = 1024
	}
	clock := gpuClock(vk)
	operand := func(b *testing.B, dt backend.DType) backend.Strided {
		buf, err := vk.Alloc(dt, n*n)
		if err != nil {
			b.Skip(err)
		}
		b.Cleanup(func() { vk.Free(buf) })
		s := backend.Strided{Buf: buf, Shape: []int{n, n}, Strides: []int{n, 1}}
		vk.Fill(s, 1.5)
		return s
	}
	report := func(b *testing.B, d time.Duration, bytes int) {
		b.ReportMetric(float64(bytes)/d.Seconds()/1e9, "GB/s")
		b.ReportMetric(float64(d.Nanoseconds())/1e6, "ms/op")
	}
	for _, dt := range []backend.DType{backend.Float32, backend.Float16, backend.BFloat16, backend.Int32} {
		sz := dt.Size()
		b.Run(fmt.Sprintf("add/%v/%d", dt, n), func(b *testing.B) {
			x, y, z := operand(b, dt), operand(b, dt), operand(b, dt)
			report(b, clock.Time(b, func() { vk.Binary(backend.Add, z, x, y) }), 3*n*n*sz)
		})
		b.Run(fmt.Sprintf("transpose/%v/%d", dt, n), func(b *testing.B) {
			x, z := operand(b, dt), operand(b, dt)
			xt := x
			xt.Strides = []int{1, n}
			report(b, clock.Time(b, func() { vk.Copy(z, xt) }), 2*n*n*sz)
		})
		if dt == backend.Int32 {
			continue
		}
		b.Run(fmt.Sprintf("sum-rows/%v/%d", dt, n), func(b *testing.B) {
			x := operand(b, dt)
			buf, err := vk.Alloc(dt, n)
			if err != nil {
				b.Skip(err)
			}
			b.Cleanup(func() { vk.Free(buf) })
			y := backend.Strided{Buf: buf, Shape: []int{n}, Strides: []int{1}}
			report(b, clock.Time(b, func() { vk.Reduce(backend.Sum, y, x) }), n*n*sz)
		})
		b.Run(fmt.Sprintf("softmax/%v/%d", dt, n), func(b *testing.B) {
			x, z := operand(b, dt), operand(b, dt)
			report(b, clock.Time(b, func() { vk.Softmax(z, x, false) }), 2*n*n*sz)
		})
		b.Run(fmt.Sprintf("matmul/%v/%d", dt, n/2), func(b *testing.B) {
			m := n / 2
			x, y, z := operand(b, dt), operand(b, dt), operand(b, dt)
			sq := func(s backend.Strided) backend.Strided {
				s.Shape, s.Strides = []int{m, m}, []int{m, 1}
				return s
			}
			d := clock.Time(b, func() { vk.MatMul(sq(z), sq(x), sq(y), false) })
			b.ReportMetric(2*float64(m)*float64(m)*float64(m)/d.Seconds()/1e9, "GFLOP/s")
		})
		if dt == backend.Float32 {
			continue
		}
		b.Run(fmt.Sprintf("from-float32/%v/%d", dt, n), func(b *testing.B) {
			x, z := operand(b, backend.Float32), operand(b, dt)
			report(b, clock.Time(b, func() { vk.Copy(z, x) }), n*n*(4+sz))
		})
		b.Run(fmt.Sprintf("to-float32/%v/%d", dt, n), func(b *testing.B) {
			x, z := operand(b, dt), operand(b, backend.Float32)
			report(b, clock.Time(b, func() { vk.Copy(z, x) }), n*n*(4+sz))
		})
	}
}

// BenchmarkMemory measures the bandwidth-bound ops on an [n, n] operand
// (see backendbench.Memory).
func BenchmarkMemory(b *testing.B) {
	vk := benchBackend(b)
	n := benchMax(vk)
	if vk.info.Type == gpu.DeviceCPU && os.Getenv("VKT_BENCH_N") == "" {
		n = 1024
	}
	// tuning: VKT_EW_UNROLL (vec4s per invocation of the elementwise vec4
	// layouts), VKT_COL_TARGET (workgroups of column reductions),
	// VKT_SOFTMAX_CACHE (most vec4s per invocation of register-held softmax
	// rows; 0 turns them off)
	for _, e := range []struct {
		name string
		v    *int
	}{{"VKT_EW_UNROLL", &ewUnroll}, {"VKT_COL_TARGET", &colTarget}, {"VKT_SOFTMAX_CACHE", &softmaxMaxCache}} {
		if u, err := strconv.Atoi(os.Getenv(e.name)); err == nil && u >= 0 {
			old := *e.v
			*e.v = u
			b.Cleanup(func() { *e.v = old })
		}
	}
	backendbench.Memory(b, vk, n, gpuClock(vk))
}
