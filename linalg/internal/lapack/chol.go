package lapack

import (
	"math"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// Cholesky overwrites the lower triangle of the n×n row-major a with L,
// A = L·Lᵀ, reading only the lower triangle of A, and zeroes the strict
// upper triangle. Blocked, right-looking: the diagonal blocks and the panel
// solves run in float64, the trailing update in float32 through gemm. It
// returns −1, or the first i at which the leading i+1 by i+1 minor is not
// positive definite (a is then partly overwritten).
func Cholesky(n int, a []float32) int { return cholBlocked(n, a, panelWidth(n, 32, 64)) }

func cholBlocked(n int, a []float32, nb int) int {
	d := make([]float64, min(nb, n)*min(nb, n))
	var pos, neg, inv []float32
	for j := 0; j < n; j += nb {
		b := min(nb, n-j)
		for r := range b {
			for c := 0; c <= r; c++ {
				d[r*b+c] = float64(a[(j+r)*n+j+c])
			}
		}
		if i := cholUnblocked(b, d); i >= 0 {
			return j + i
		}
		for r := range b {
			for c := range b {
				v := float32(0)
				if c <= r {
					v = float32(d[r*b+c])
				}
				a[(j+r)*n+j+c] = v
			}
		}
		m := n - j - b
		if m == 0 {
			break
		}
		for r := range b {
			clear(a[(j+r)*n+j+b : (j+r+1)*n])
		}
		// L21 = A21·L11⁻ᵀ as one float32 product with the inverse of L11
		// (inverted in float64), as GPU BLAS do their triangular solves:
		// the substitution, row by row, would be scalar work of the same
		// order as the trailing update at these sizes.
		inv = grow32(inv, b*b)
		invLower(b, d, inv)
		pos, neg = grow32(pos, m*b), grow32(neg, m*b)
		cpu.Sgemm(m, b, b, cpu.Matrix{Data: a, Off: (j+b)*n + j, RS: n, CS: 1},
			cpu.Matrix{Data: inv, RS: 1, CS: b}, cpu.Matrix{Data: pos, RS: b, CS: 1}, false)
		for r := range m {
			copy(a[(j+b+r)*n+j:(j+b+r)*n+j+b], pos[r*b:(r+1)*b])
		}
		// A22 −= L21·L21ᵀ, lower block rows only.
		for i := 0; i < m; i += nb {
			ib := min(nb, m-i)
			copy(neg[:ib*b], pos[i*b:(i+ib)*b])
			mulSub(ib, i+ib, b, neg,
				cpu.Matrix{Data: pos, RS: 1, CS: b},
				cpu.Matrix{Data: a, Off: (j+b+i)*n + j + b, RS: n, CS: 1})
		}
	}
	return -1
}

// cholUnblocked factors the b×b row-major float64 d in place (lower),
// returning the first non-positive pivot or −1.
func cholUnblocked(b int, d []float64) int {
	for i := range b {
		ri := d[i*b : i*b+i]
		for c := range i {
			rc := d[c*b : c*b+c]
			ri[c] = (ri[c] - dot(ri[:c], rc)) / d[c*b+c]
		}
		v := d[i*b+i] - dot(ri, ri)
		if !(v > 0) || math.IsInf(v, 0) {
			return i
		}
		d[i*b+i] = math.Sqrt(v)
	}
	return -1
}

// invLower writes the inverse of the b×b lower triangular float64 l into
// inv (float32, row-major, zero above the diagonal), by substitution in
// float64: column c of L⁻¹ solves L·x = e_c.
func invLower(b int, l []float64, inv []float32) {
	x := make([]float64, b)
	for c := range b {
		clear(x)
		x[c] = 1 / l[c*b+c]
		for i := c + 1; i < b; i++ {
			x[i] = -dot(l[i*b+c:i*b+i], x[c:i]) / l[i*b+i]
		}
		for i := range b {
			inv[i*b+c] = float32(x[i])
		}
	}
}
