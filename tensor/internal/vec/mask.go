package vec

// GreaterScalar sets d[i] = 1 where a[i] > s, else 0 (also for a NaN): the
// mask of ReLU's gradient.
func GreaterScalar(d, a []float32, s float32) {
	if len(d) != len(a) {
		sameLen("GreaterScalar", len(d), len(a))
	}
	n := 0
	if k := kernels.gtScalar; k != nil && len(d) >= 8 {
		n = len(d) &^ 7
		k(&d[0], &a[0], s, n)
	}
	for i := n; i < len(d); i++ {
		d[i] = b2f(a[i] > s) // a may be d itself: read before writing
	}
}

// PairsEqual sets d[i] = 1 where x[i] == y[i/2], else 0 (also for a NaN):
// each value of y against two neighbours of x, as a 2×2 max pool's
// gradient compares each window row with its maximum. len(d) = len(x) must
// be even and len(y) at least half of it.
func PairsEqual(d, x, y []float32) {
	n := checkPairs("PairsEqual", d, x, y)
	if k := kernels.pairsEq; k != nil && n >= 8 {
		k(&d[0], &x[0], &y[0], n&^7)
		n0 := n &^ 7
		d, x, y = d[n0:], x[n0:], y[n0/2:]
	}
	for i := range d {
		d[i] = b2f(x[i] == y[i/2]) // x may be d itself
	}
}

// PairsMul sets d[i] = x[i]·y[i/2], the product of the pairs of x with
// the values of y (PairsEqual's layout).
func PairsMul(d, x, y []float32) {
	n := checkPairs("PairsMul", d, x, y)
	if k := kernels.pairsMul; k != nil && n >= 8 {
		k(&d[0], &x[0], &y[0], n&^7)
		n0 := n &^ 7
		d, x, y = d[n0:], x[n0:], y[n0/2:]
	}
	for i := range d {
		d[i] = x[i] * y[i/2]
	}
}

// checkPairs panics unless d and x have one even length n and y at least
// n/2 elements, and returns n.
func checkPairs(name string, d, x, y []float32) int {
	n := len(d)
	if len(x) != n {
		sameLen(name, n, len(x))
	}
	if n%2 != 0 || len(y) < n/2 {
		panic("vec: " + name + ": odd length or too short a y")
	}
	return n
}

// b2f is 1 for true, 0 for false.
func b2f(c bool) float32 {
	if c {
		return 1
	}
	return 0
}
