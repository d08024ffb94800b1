package lapack

// The panel factorizations of the blocked algorithms, exported for the
// device versions in package linalg, which factor each panel here on the
// host and run the trailing updates as GPU matrix products.

// CholPanel factors the m×b row-major float64 panel p = [A11; A21] (m ≥ b,
// A11 b×b, only its lower triangle read) in place into [L11; L21] with
// A11 = L11·L11ᵀ and L21 = A21·L11⁻ᵀ, zeroing L11's strict upper
// triangle, in float64. It returns the first non-positive pivot of A11, or
// −1.
func CholPanel(m, b int, p []float64) int {
	d := make([]float64, b*b)
	for r := range b {
		for c := 0; c <= r; c++ {
			d[r*b+c] = p[r*b+c]
		}
	}
	if i := cholUnblocked(b, d); i >= 0 {
		return i
	}
	copy(p, d)
	// L21·L11ᵀ = A21: each row x of L21 solves L11·xᵀ = a (forward).
	for r := b; r < m; r++ {
		row := p[r*b : (r+1)*b]
		for c := range b {
			row[c] = (row[c] - dot(row[:c], d[c*b:c*b+c])) / d[c*b+c]
		}
	}
	return -1
}

// LUPanel factors the m×b column-major float64 panel p (m ≥ b) with
// partial pivoting, in place (L below the diagonal with its unit diagonal
// implied, U on and above it). lp[i] is the row of the panel interchanged
// with row i at step i. It returns the first zero pivot, or −1; the
// factorization is completed either way.
func LUPanel(m, b int, p []float64, lp []int) int { return luPanel(m, b, p, lp) }

// InvUnitLower returns the inverse of the unit lower triangular b×b top of
// the m×b column-major panel p (as LUPanel leaves it), row-major float32,
// computed in float64.
func InvUnitLower(m, b int, p []float64) []float32 {
	inv := make([]float32, b*b)
	x := make([]float64, b)
	for c := range b {
		clear(x)
		x[c] = 1
		for i := c + 1; i < b; i++ {
			var s float64
			for t := c; t < i; t++ {
				s += p[t*m+i] * x[t]
			}
			x[i] = -s
		}
		for i := range b {
			inv[i*b+c] = float32(x[i])
		}
	}
	return inv
}

// HousePanel factors the mp×b column-major float64 panel p (mp ≥ b) by
// Householder reflections, in place (R's upper triangle on and above the
// diagonal), and returns the compact form H₀⋯H_{b−1} = I − V·T·Vᵀ: v is
// mp×b row-major with a unit diagonal and zeros above it, t is b×b upper
// triangular row-major, both float32.
func HousePanel(mp, b int, p []float64) (v, t []float32) {
	rf := housePanel(mp, b, p)
	t = make([]float32, b*b)
	for i, x := range rf.t {
		t[i] = float32(x)
	}
	return rf.v, t
}
