package lapack

import (
	"math"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// LU factors the n×n row-major matrix a in place as P·A = L·U, with L unit
// lower triangular (below the diagonal of a) and U upper triangular (on and
// above it), by blocked right-looking elimination with partial pivoting.
// Row i was interchanged with row piv[i] at step i. It returns the first i
// with U[i,i] = 0, or −1; the factorization is completed either way.
func LU(n int, a []float32, piv []int) int { return luBlocked(n, a, piv, panelWidth(n, 16, 32)) }

func luBlocked(n int, a []float32, piv []int, nb int) int {
	zero := -1
	panel := make([]float64, n*min(nb, n))
	lp := make([]int, n)
	var u12 []float64
	var negL []float32
	for j := 0; j < n; j += nb {
		b, m := min(nb, n-j), n-j
		// The panel a[j:n, j:j+b], column-major in float64.
		p := panel[:m*b]
		for r := range m {
			row := a[(j+r)*n+j : (j+r)*n+j+b]
			for c, v := range row {
				p[c*m+r] = float64(v)
			}
		}
		if z := luPanel(m, b, p, lp); z >= 0 && zero < 0 {
			zero = j + z
		}
		for r := range m {
			row := a[(j+r)*n+j : (j+r)*n+j+b]
			for c := range row {
				row[c] = float32(p[c*m+r])
			}
		}
		// Apply the panel's interchanges to the columns left and right of it.
		for i := range b {
			piv[j+i] = j + lp[i]
			if r := piv[j+i]; r != j+i {
				x, y := a[(j+i)*n:(j+i+1)*n], a[r*n:(r+1)*n]
				for c := 0; c < j; c++ {
					x[c], y[c] = y[c], x[c]
				}
				for c := j + b; c < n; c++ {
					x[c], y[c] = y[c], x[c]
				}
			}
		}
		nc := n - j - b
		if nc == 0 {
			continue
		}
		// U12 = L11⁻¹·A12 in float64.
		u12 = grow64(u12, b*nc)
		for r := range b {
			row := u12[r*nc : (r+1)*nc]
			for c := range nc {
				row[c] = float64(a[(j+r)*n+j+b+c])
			}
			for t := range r {
				axpy(-p[t*m+r], u12[t*nc:(t+1)*nc], row)
			}
		}
		for r := range b {
			row := a[(j+r)*n+j+b : (j+r)*n+j+b+nc]
			for c, v := range u12[r*nc : (r+1)*nc] {
				row[c] = float32(v)
			}
		}
		// A22 −= L21·U12 in float32.
		negL = grow32(negL, (m-b)*b)
		for r := range m - b {
			// L21 from the float32 panel just written back (contiguous rows).
			copy(negL[r*b:(r+1)*b], a[(j+b+r)*n+j:(j+b+r)*n+j+b])
		}
		mulSub(m-b, nc, b, negL,
			cpu.Matrix{Data: a, Off: j*n + j + b, RS: n, CS: 1},
			cpu.Matrix{Data: a, Off: (j+b)*n + j + b, RS: n, CS: 1})
	}
	return zero
}

// luPanel factors the m×b column-major panel p (m ≥ b) with partial
// pivoting, unblocked, in float64. lp[i] is the row (within the panel)
// interchanged with row i. It returns the first zero pivot, or −1.
func luPanel(m, b int, p []float64, lp []int) int {
	zero := -1
	for i := range b {
		col := p[i*m : (i+1)*m]
		r, best := i, math.Abs(col[i])
		for k := i + 1; k < m; k++ {
			if v := math.Abs(col[k]); v > best {
				r, best = k, v
			}
		}
		lp[i] = r
		if r != i {
			for c := range b {
				p[c*m+i], p[c*m+r] = p[c*m+r], p[c*m+i]
			}
		}
		if col[i] == 0 {
			if zero < 0 {
				zero = i
			}
			continue
		}
		inv := 1 / col[i]
		l := col[i+1:]
		for k := range l {
			l[k] *= inv
		}
		for c := i + 1; c < b; c++ {
			cc := p[c*m : (c+1)*m]
			axpy(-cc[i], l, cc[i+1:])
		}
	}
	return zero
}

// LUSolve overwrites the n×k row-major b with A⁻¹·b, given the factors lu
// and piv of A from LU, in float64.
func LUSolve(n, k int, lu []float64, piv []int, b []float64) {
	for i := range n {
		if r := piv[i]; r != i {
			x, y := b[i*k:(i+1)*k], b[r*k:(r+1)*k]
			for c := range x {
				x[c], y[c] = y[c], x[c]
			}
		}
	}
	if k < 8 {
		// Few right-hand sides: one column at a time, as dot products
		// along the contiguous rows of the factors.
		x := make([]float64, n)
		for c := range k {
			for i := range n {
				x[i] = b[i*k+c]
			}
			for i := range n {
				x[i] -= dot(lu[i*n:i*n+i], x[:i])
			}
			for i := n - 1; i >= 0; i-- {
				x[i] = (x[i] - dot(lu[i*n+i+1:(i+1)*n], x[i+1:])) / lu[i*n+i]
			}
			for i := range n {
				b[i*k+c] = x[i]
			}
		}
		return
	}
	parallelRows(k, float64(2*n*n*k), func(lo, hi int) {
		w := hi - lo
		if w == 0 {
			return
		}
		// Work on a contiguous copy of the columns lo:hi.
		x := make([]float64, n*w)
		for i := range n {
			copy(x[i*w:(i+1)*w], b[i*k+lo:i*k+hi])
		}
		for i := range n {
			xi := x[i*w : (i+1)*w]
			row := lu[i*n : i*n+i]
			for t, l := range row {
				if l != 0 {
					axpy(-l, x[t*w:(t+1)*w], xi)
				}
			}
		}
		for i := n - 1; i >= 0; i-- {
			xi := x[i*w : (i+1)*w]
			row := lu[i*n+i+1 : (i+1)*n]
			for t, u := range row {
				if u != 0 {
					axpy(-u, x[(i+1+t)*w:(i+2+t)*w], xi)
				}
			}
			inv := 1 / lu[i*n+i]
			for c := range xi {
				xi[c] *= inv
			}
		}
		for i := range n {
			copy(b[i*k+lo:i*k+hi], x[i*w:(i+1)*w])
		}
	})
}

// Solve returns x = A⁻¹·B for the n×n a and n×k b (row-major float32): LU
// in float32 with float64 panels, then float64 substitution and up to two
// steps of iterative refinement against a in float64. singular is the first
// zero pivot, or −1 (x is then nil).
func Solve(n, k int, a, b []float32) (x []float64, singular int) {
	lu := append([]float32(nil), a...)
	piv := make([]int, n)
	if z := LU(n, lu, piv); z >= 0 {
		return nil, z
	}
	lu64 := to64(lu)
	x = to64(b)
	LUSolve(n, k, lu64, piv, x)
	r := make([]float64, n*k)
	a64 := to64(a)
	xc := make([]float64, n)
	prev := math.Inf(1)
	for range 2 {
		// r = b − A·x, in float64.
		var rmax float64
		for c := range k {
			for i := range n {
				xc[i] = x[i*k+c]
			}
			for i := range n {
				v := float64(b[i*k+c]) - dot(a64[i*n:(i+1)*n], xc)
				r[i*k+c] = v
				rmax = max(rmax, math.Abs(v))
			}
		}
		if !(rmax < prev) || rmax == 0 {
			break
		}
		prev = rmax
		LUSolve(n, k, lu64, piv, r)
		for i, v := range r {
			x[i] += v
		}
	}
	return x, -1
}

// Det returns the sign and log|det| of an LU factorization, and det itself.
func Det(n int, lu []float32, piv []int) (sign, logabs float64) {
	sign = 1
	for i := range n {
		u := float64(lu[i*n+i])
		if piv[i] != i {
			sign = -sign
		}
		if u < 0 {
			sign = -sign
		}
		if u == 0 {
			return 0, math.Inf(-1)
		}
		logabs += math.Log(math.Abs(u))
	}
	return sign, logabs
}

// Inv returns A⁻¹ (n×n) or the first zero pivot: LU as above, then
// U⁻¹·L⁻¹·P with float32 products (see inv.go), so its backward error is
// float32 rounding, as Solve's factorization's.
func Inv(n int, a []float32) ([]float32, int) {
	lu := append([]float32(nil), a...)
	piv := make([]int, n)
	if z := LU(n, lu, piv); z >= 0 {
		return nil, z
	}
	return invFromLU(n, lu, piv), -1
}

func grow64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func grow32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
