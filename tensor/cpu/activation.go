package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// invSqrt2Pi is 1/√(2π), the normal density's constant.
const invSqrt2Pi = 0.3989422804014327

// geluGradAt is GeluGrad at one element, in float64 from the float32
// square's exponential (as the composed ops round x² first).
func geluGradAt(x, y, g float32, e float64) float32 {
	cdf := 0.5
	if x != 0 {
		cdf = float64(y) / float64(x)
	}
	return float32(float64(g) * (cdf + float64(x)*e*invSqrt2Pi))
}

// GeluGrad sets dst = g·(Φ(x) + x·φ(x)) in one pass: contiguous operands a
// block at a time through package vec's exponential, others elementwise.
func (*Backend) GeluGrad(dst, x, y, g backend.Strided) {
	d, xs, ys, gs := data(dst.Buf)[dst.Offset:], data(x.Buf)[x.Offset:], data(y.Buf)[y.Offset:], data(g.Buf)[g.Offset:]
	it := newIter(dst.Shape, dst, x, y, g)
	sd, sx, sy, sg := it.inner(0), it.inner(1), it.inner(2), it.inner(3)
	it.runMin(parallelMinHeavy, func(_ int, off *[maxOps]int, n int) {
		od, ox, oy, og := off[0], off[1], off[2], off[3]
		if sd == 1 && sx == 1 && sy == 1 && sg == 1 {
			var t [512]float32
			for lo := 0; lo < n; lo += len(t) {
				m := min(len(t), n-lo)
				xx := xs[ox+lo : ox+lo+m]
				for i, v := range xx {
					t[i] = -0.5 * (v * v)
				}
				vec.Exp(t[:m], t[:m])
				dd, yy, gg := d[od+lo:od+lo+m], ys[oy+lo:oy+lo+m], gs[og+lo:og+lo+m]
				for i, v := range xx {
					dd[i] = geluGradAt(v, yy[i], gg[i], float64(t[i]))
				}
			}
			return
		}
		for i := 0; i < n; i++ {
			v := xs[ox+i*sx]
			e := float64(float32(math.Exp(float64(-0.5 * (v * v))))) // rounded, as vec.Exp and the composed Exp
			d[od+i*sd] = geluGradAt(v, ys[oy+i*sy], gs[og+i*sg], e)
		}
	})
}

// gelu64 is x·Φ(x) in float64 for a float32 x. Φ(x) = (1 + erf(x/√2))/2
// is the fast form (erf needs no exponential near 0), but below x = −4 the
// sum cancels (1 + erf is below 6.4e-5 there, and erf's error is absolute),
// so the tail takes erfc(−x/√2)/2 instead: relative error within 2e-12
// everywhere, so the float32 rounding is the correctly rounded one but in
// rare near-ties (TestGelu).
func gelu64(x float64) float64 {
	if x < -4 {
		return 0.5 * x * math.Erfc(-x*(1/math.Sqrt2))
	}
	return 0.5 * x * (1 + math.Erf(x*(1/math.Sqrt2)))
}
