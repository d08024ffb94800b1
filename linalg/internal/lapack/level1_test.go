package lapack

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLevel1 compares rot, axpy and dot (the FMA kernels where the CPU has
// them, with the portable tails) against plain float64 loops, on lengths
// around the kernels' blocks, within a few roundings.
func TestLevel1(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 100, 513} {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = r.NormFloat64(), r.NormFloat64()
		}
		c, s := math.Cos(0.7), math.Sin(0.7)
		wx, wy := make([]float64, n), make([]float64, n)
		var wd, scale float64
		for i := range x {
			wx[i], wy[i] = c*x[i]+s*y[i], c*y[i]-s*x[i]
			wd += x[i] * y[i]
			scale += math.Abs(x[i] * y[i])
		}
		if d := dot(x, y); math.Abs(d-wd) > 1e-14*(scale+1) {
			t.Errorf("dot n=%d: %v, want %v", n, d, wd)
		}
		ax := append([]float64(nil), y...)
		axpy(-1.5, x, ax)
		for i := range ax {
			if w := y[i] - 1.5*x[i]; math.Abs(ax[i]-w) > 1e-15*(math.Abs(y[i])+math.Abs(1.5*x[i])) {
				t.Fatalf("axpy n=%d [%d]: %v, want %v", n, i, ax[i], w)
			}
		}
		rot(c, s, x, y)
		for i := range x {
			if math.Abs(x[i]-wx[i]) > 1e-15*4 || math.Abs(y[i]-wy[i]) > 1e-15*4 {
				t.Fatalf("rot n=%d [%d]: (%v, %v), want (%v, %v)", n, i, x[i], y[i], wx[i], wy[i])
			}
		}
	}
}

func BenchmarkSVD512(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 512
	a := make([]float64, n*n)
	for range b.N {
		for i := range a {
			a[i] = r.NormFloat64()
		}
		SVD(n, n, a, true)
	}
}
