// Package backendbench holds the benchmark cases that every backend runs
// under go test -bench (tensor/cpu, tensor/vulkan), so that their figures
// compare op for op: the same names, shapes and byte counts. Each backend
// supplies the clock: wall time for the CPU, GPU timestamps for Vulkan.
package backendbench

import (
	"fmt"
	"testing"
	"time"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Clock times a benchmarked op: Time runs op b.N times after a warm-up and
// returns the mean time of one; Name says what it measures ("wall", "gpu")
// in the reported unit µs/op(Name).
type Clock struct {
	Name string
	Time func(b *testing.B, op func()) time.Duration
}

// WallClock times op on the host, with sync waiting for queued work.
func WallClock(sync func() error) Clock {
	return Clock{Name: "wall", Time: func(b *testing.B, op func()) time.Duration {
		op() // warm-up
		if err := sync(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			op()
		}
		if err := sync(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start) / time.Duration(b.N)
	}}
}

// Operand allocates a row-major operand of the given shape filled with
// normal values, freed when the benchmark ends.
func Operand(b *testing.B, be backend.Backend, shape ...int) backend.Strided {
	n := 1
	for _, s := range shape {
		n *= s
	}
	buf, err := be.Alloc(backend.Float32, n)
	if err != nil {
		b.Skipf("alloc %v: %v", shape, err)
	}
	st := make([]int, len(shape))
	for i, m := len(shape)-1, 1; i >= 0; i-- {
		st[i] = m
		m *= shape[i]
	}
	s := backend.Strided{Buf: buf, Shape: shape, Strides: st}
	be.Random(s, backend.Normal, 1, uint64(n), 0, 1)
	b.Cleanup(func() { be.Free(buf) })
	return s
}

// MatMul times n×n×n products for each n in sizes and reports TFLOP/s.
// Sizes whose three operands would take more than maxBytes stop the list
// (0: no limit).
func MatMul(b *testing.B, be backend.Backend, sizes []int, maxBytes uint64, clock Clock) {
	for _, n := range sizes {
		if need := uint64(3 * n * n * 4); maxBytes > 0 && need > maxBytes {
			break
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y, z := Operand(b, be, n, n), Operand(b, be, n, n), Operand(b, be, n, n)
			t := clock.Time(b, func() { be.MatMul(z, x, y, false) })
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)/t.Seconds()/1e12, "TFLOP/s")
			b.ReportMetric(float64(t.Microseconds()), "µs/op("+clock.Name+")")
		})
	}
}

// Memory times the bandwidth-bound ops on an [n, n] operand and reports
// GB/s, counting each element read and written once: elementwise add,
// broadcast add of a row, row and column sums, the sum of the whole
// operand, softmax over rows, and a transposed copy.
func Memory(b *testing.B, be backend.Backend, n int, clock Clock) {
	nn := float64(n) * float64(n)
	cases := []struct {
		name  string
		bytes float64
		run   func(b *testing.B) func()
	}{
		{"broadcast-add", 4 * (2*nn + float64(n)), func(b *testing.B) func() {
			x, y, z := Operand(b, be, n, n), Operand(b, be, n), Operand(b, be, n, n)
			yb := backend.Strided{Buf: y.Buf, Shape: []int{n, n}, Strides: []int{0, 1}}
			return func() { be.Binary(backend.Add, z, x, yb) }
		}},
		{"add", 4 * 3 * nn, func(b *testing.B) func() {
			x, y, z := Operand(b, be, n, n), Operand(b, be, n, n), Operand(b, be, n, n)
			return func() { be.Binary(backend.Add, z, x, y) }
		}},
		{"row-sum", 4 * (nn + float64(n)), func(b *testing.B) func() {
			x, z := Operand(b, be, n, n), Operand(b, be, n)
			return func() { be.Reduce(backend.Sum, z, x) }
		}},
		{"sum-all", 4 * (nn + 1), func(b *testing.B) func() {
			x, z := Operand(b, be, n, n), Operand(b, be)
			return func() { be.Reduce(backend.Sum, z, x) }
		}},
		{"softmax", 4 * 2 * nn, func(b *testing.B) func() {
			x, z := Operand(b, be, n, n), Operand(b, be, n, n)
			return func() { be.Softmax(z, x, false) }
		}},
		{"col-sum", 4 * (nn + float64(n)), func(b *testing.B) func() {
			x, z := Operand(b, be, n, n), Operand(b, be, n)
			xt := backend.Strided{Buf: x.Buf, Shape: []int{n, n}, Strides: []int{1, n}}
			return func() { be.Reduce(backend.Sum, z, xt) }
		}},
		{"transpose-copy", 4 * 2 * nn, func(b *testing.B) func() {
			x, z := Operand(b, be, n, n), Operand(b, be, n, n)
			xt := backend.Strided{Buf: x.Buf, Shape: []int{n, n}, Strides: []int{1, n}}
			return func() { be.Copy(z, xt) }
		}},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
			t := clock.Time(b, c.run(b))
			b.ReportMetric(c.bytes/t.Seconds()/1e9, "GB/s")
			b.ReportMetric(float64(t.Microseconds()), "µs/op("+clock.Name+")")
		})
	}
}
