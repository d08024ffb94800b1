package tensor

import (
	"math"
	"testing"
)

// TestGeluGradFused checks the CPU backend's fused Gelu gradient against
// the float64 gradient, within a few float32 roundings of the terms'
// magnitudes (the composed gradient rounds after every op: the same bound
// holds for it), on contiguous and strided operands, zeros and large
// magnitudes included.
func TestGeluGradFused(t *testing.T) {
	r := newRand(9)
	for _, shape := range [][]int{{0}, {1}, {7, 33}, {3, 1025}} {
		a := randND(r, shape, vSpecial)
		for _, x := range []*Tensor{fromND(a), fromND(refPermute(a, []int{len(shape) - 1, 0}[:len(shape)])).Permute([]int{len(shape) - 1, 0}[:len(shape)]...)} {
			if len(shape) == 1 && x.Rank() != 1 {
				continue
			}
			g := fromND(randND(r, shape, vNormal))
			y := x.Gelu()
			got := readData(t, fusedGelu(x, y, g))
			composed := readData(t, g.Mul(geluGrad(x, y)))
			xs, gs := readData(t, x), readData(t, g)
			for i := range got {
				v, gv := float64(xs[i]), float64(gs[i])
				cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
				pdf := math.Exp(-v*v/2) / math.Sqrt(2*math.Pi)
				want := gv * (cdf + v*pdf)
				// x² is rounded to float32 before the exponential: that
				// error, relative x²/2·2⁻²⁴ of φ, grows with |x|.
				tol := 8*0x1p-24*math.Abs(gv)*(cdf+math.Abs(v*pdf)) + math.Abs(gv*v*pdf)*v*v*0x1p-24
				for _, c := range []struct {
					name string
					v    float32
				}{{"fused", got[i]}, {"composed", composed[i]}} {
					if math.IsNaN(want) || math.IsInf(v, 0) {
						if c.v == c.v && !math.IsInf(v, 0) {
							t.Fatalf("%v: element %d (x=%v): %s %v, want NaN", shape, i, v, c.name, c.v)
						}
						continue
					}
					if math.Abs(float64(c.v)-want) > tol+1e-45 {
						t.Fatalf("%v: element %d (x=%v, g=%v): %s %v, want %v", shape, i, v, gv, c.name, c.v, want)
					}
				}
			}
		}
	}
}

// fusedGelu is the gradient gradUnary records for Gelu on a backend with
// ActivationGrads.
func fusedGelu(x, y, g *Tensor) *Tensor {
	x = x.Detach().SetRequiresGrad(true)
	out := x.Gelu()
	if err := out.BackwardWith(g); err != nil {
		panic(err)
	}
	return x.Grad()
}
