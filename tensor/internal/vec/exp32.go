package vec

import "math"

// ExpSum32 sets d[i] = exp(x[i] − m), the difference rounded to float32
// first, and returns the float64 sum of the float32 results: the first pass
// of a softmax over x with maximum m that stays in float32 lanes (sixteen
// per AVX-512 register against ExpSum's eight float64 ones).
//
// Accuracy: each d[i] is within 2 ulp of the exact exponential of the
// rounded difference when that is a normal float32, and within 2⁻¹⁴⁹ (the
// smallest denormal) below 2⁻¹²⁶ (TestExpSum32 measures at most 1 ulp
// on a sampled range; the bound leaves room for the polynomial's
// truncation, about 0.06 ulp, and the rounding of its float32
// evaluation). Differences below −104 count as −104, whose exponential
// rounds to 0. NaN stays NaN; −Inf gives 0. The portable kernel evaluates
// in float64 through package math and rounds once, within the same bound.
func ExpSum32(d, x []float32, m float32) float64 {
	sameLen("ExpSum32", len(d), len(x))
	n := 0
	var s float64
	if k := kernels.expSum32; k != nil && len(x) >= kernels.lanes {
		n = len(x) &^ (kernels.lanes - 1)
		s = k(&d[0], &x[0], m, n)
	}
	for i, v := range x[n:] {
		t := float32(math.Exp(max(float64(v-m), -104)))
		d[n+i] = t
		s += float64(t)
	}
	return s
}
