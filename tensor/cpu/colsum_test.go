package cpu

import (
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// TestColumnSumsLarge checks sums and means over the leading axes of blocks
// large enough for sumColumns (rows split into blocks) against a float64
// sequential sum, within the package doc's bound plus the final float32
// rounding, and checks that the results do not depend on GOMAXPROCS.
func TestColumnSumsLarge(t *testing.T) {
	b := New()
	rng := rand.New(rand.NewSource(9))
	for _, c := range []struct {
		name  string
		shape []int // of the row-major source; all axes but the last reduced
	}{
		{"matrix", []int{701, 1031}},
		{"rows-not-multiple-of-4", []int{1023, 517}},
		{"3-D", []int{3, 257, 700}},
		{"4096-wide", []int{130, 4096}},
	} {
		size := 1
		for _, n := range c.shape {
			size *= n
		}
		x := make([]float32, size)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 100)
		}
		r := len(c.shape)
		nOut := c.shape[r-1]
		// The view with the kept (last) axis first and the reduced ones after.
		shape := append([]int{nOut}, c.shape[:r-1]...)
		strides := make([]int, r)
		strides[0] = 1
		for ax, st := r-2, nOut; ax >= 0; ax-- {
			strides[ax+1] = st
			st *= c.shape[ax]
		}
		src := backend.Strided{Buf: rowMajor(x, size).Buf, Shape: shape, Strides: strides}
		rows := size / nOut
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Mean} {
			run := func(procs int) []float32 {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				d := rowMajor(make([]float32, nOut), nOut)
				b.Reduce(op, d, src)
				return data(d.Buf)
			}
			got := run(1)
			for j := range nOut {
				var sum, abs float64
				for i := range rows {
					v := float64(x[i*nOut+j])
					sum += v
					abs += math.Abs(v)
				}
				if op == backend.Mean {
					sum /= float64(rows)
					abs /= float64(rows)
				}
				if err := math.Abs(float64(got[j]) - sum); err > 0x1p-24*math.Abs(sum)+float64(rows)*0x1p-52*abs {
					t.Fatalf("%s %v: column %d = %v, want %v", c.name, op, j, got[j], sum)
				}
			}
			for j, v := range run(4) {
				if math.Float32bits(v) != math.Float32bits(got[j]) {
					t.Fatalf("%s %v: column %d is %v with 4 procs, %v with 1", c.name, op, j, v, got[j])
				}
			}
		}
	}
}
