package vec

// Sum returns the sum of a, accumulated in float64. The assembly kernels
// keep 16 or 32 float64 lanes (pairwise over lanes, sequential within
// one), so the order differs from a sequential loop; either way each float32
// term is exact in float64 and the accumulated rounding error is below
// len(a)·2⁻⁵³·Σ|a[i]|, far under the float32 rounding of the result for any
// length a float32 slice can have in practice.
func Sum(a []float32) float64 {
	n := 0
	var s float64
	if k := kernels.sum64; k != nil && len(a) >= kernels.lanes {
		n = len(a) &^ (kernels.lanes - 1)
		s = k(&a[0], n)
	}
	for _, v := range a[n:] {
		s += float64(v)
	}
	return s
}

// Accumulate adds a into acc: acc[i] += float64(a[i]). Column sums add the
// rows of a matrix into one float64 accumulator row this way.
func Accumulate(acc []float64, a []float32) {
	if len(acc) != len(a) {
		sameLen("Accumulate", len(acc), len(a))
	}
	n := 0
	switch {
	case kernels.acc64 != nil && len(a) >= 4*kernels.lanes:
		n = len(a) &^ (kernels.lanes - 1)
		kernels.acc64(&acc[0], &a[0], n)
	case kernels.acc64x4 != nil && len(a) >= 4:
		// Short runs (Col2Im's image rows) in four-lane steps.
		n = len(a) &^ 3
		kernels.acc64x4(&acc[0], &a[0], n)
	}
	acc = acc[n:]
	for i, v := range a[n:] {
		acc[i] += float64(v)
	}
}

// AccumulateRows4 adds four rows into acc: acc[i] += (a[i] + a[s+i]) +
// (a[2s+i] + a[3s+i]), in float64, for i < len(acc) and s = stride (the
// rows may overlap). Column sums take the rows of a matrix four at a time
// this way.
func AccumulateRows4(acc []float64, a []float32, stride int) {
	n := len(acc)
	if n == 0 {
		return
	}
	if stride < 0 || len(a) < 3*stride+n {
		panic("vec: AccumulateRows4: a holds fewer than four rows of len(acc)")
	}
	done := 0
	if k := kernels.acc4Rows; k != nil && n >= 4 {
		done = n &^ 3
		k(&acc[0], &a[0], stride, done)
	}
	for i := done; i < n; i++ {
		acc[i] += (float64(a[i]) + float64(a[stride+i])) + (float64(a[2*stride+i]) + float64(a[3*stride+i]))
	}
}

// Extreme returns the maximum (isMax) or minimum of a non-empty slice,
// NaN if any element is NaN. Which of several equal values it returns (+0
// or −0 when both occur) is unspecified.
func Extreme(a []float32, isMax bool) float32 {
	if len(a) == 0 {
		panic("vec: Extreme of an empty slice")
	}
	op := Min
	if isMax {
		op = Max
	}
	best := a[0]
	n := 0
	if k := kernels.extreme; k != nil && len(a) >= 8 {
		n = len(a) &^ 7
		var lanes [16]float32
		if k(&a[0], n, &lanes, isMax) {
			for _, v := range a {
				if v != v {
					return v
				}
			}
		}
		best = lanes[0]
		for _, v := range lanes[1:8] {
			best = op.Apply(best, v)
		}
	}
	for _, v := range a[n:] {
		best = op.Apply(best, v)
	}
	return best
}
