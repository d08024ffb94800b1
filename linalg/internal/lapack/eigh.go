package lapack

import (
	"math"
	"sort"
)

// maxSweeps bounds the implicit QR iterations per eigen- or singular value.
const maxSweeps = 60

// Eigh computes the eigenvalues w (ascending) of the symmetric n×n
// row-major a, reading only its lower triangle (a is overwritten), and,
// when wantV, the orthonormal eigenvectors as the columns of the n×n
// row-major v. Householder tridiagonalization, then implicit QR steps with
// Wilkinson shifts, all in float64; up to order JacobiMax, cyclic Jacobi
// instead. ok is false if the iteration did not converge.
func Eigh(n int, a []float64, wantV bool) (w, v []float64, ok bool) {
	if n <= JacobiMax {
		return eighJacobi(n, a, wantV)
	}
	return eighQR(n, a, wantV)
}

func eighQR(n int, a []float64, wantV bool) (w, v []float64, ok bool) {
	d, e := make([]float64, n), make([]float64, max(n-1, 0))
	refl := tridiagonalize(n, a, d, e)
	var zt []float64 // Zᵀ: row i is the i-th eigenvector
	if wantV {
		zt = make([]float64, n*n)
		for i := range n {
			zt[i*n+i] = 1
		}
	}
	if !tridiagQR(n, d, e, zt) {
		return nil, nil, false
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return d[order[i]] < d[order[j]] })
	w = make([]float64, n)
	for i, o := range order {
		w[i] = d[o]
	}
	if !wantV {
		return w, nil, true
	}
	// Back-transform each eigenvector: z ← H₀⋯H_{n−3}·z.
	reflectBack(zt, n, n, 1, refl)
	v = make([]float64, n*n)
	for j, o := range order {
		z := zt[o*n : (o+1)*n]
		for i, x := range z {
			v[i*n+j] = x
		}
	}
	return w, v, true
}

// reflector is H = I − τ·[1; v]·[1; v]ᵀ acting on rows k+1: .
type reflector struct {
	tau float64
	v   []float64
}

// tridiagonalize reduces the symmetric a (lower triangle) to tridiagonal
// form Qᵀ·A·Q = T with diagonal d and subdiagonal e, Q = H₀⋯H_{n−3}.
func tridiagonalize(n int, a, d, e []float64) []reflector {
	// Work on the lower triangle, row-major: element (i, j), j ≤ i, at a[i*n+j].
	var refl []reflector
	p := make([]float64, n)
	x := make([]float64, n)
	for k := 0; k+2 < n; k++ {
		d[k] = a[k*n+k]
		m := n - k - 1
		// x = A[k+1:, k] (a column of the lower triangle).
		for i := range m {
			x[i] = a[(k+1+i)*n+k]
		}
		tau, beta := house(x[:m])
		e[k] = beta
		vv := append([]float64(nil), x[1:m]...)
		refl = append(refl, reflector{tau: tau, v: vv})
		if tau == 0 {
			continue
		}
		// u = [1; vv]; p = τ·S·u with S = A[k+1:, k+1:] from its lower triangle.
		u := x[:m]
		u[0] = 1
		pp := p[:m]
		for i := range pp {
			pp[i] = 0
		}
		for i := range m {
			row := a[(k+1+i)*n+k+1 : (k+1+i)*n+k+1+i]
			ui := u[i]
			pp[i] += dot(row, u[:i]) + a[(k+1+i)*n+k+1+i]*ui
			axpy(ui, row, pp[:i])
		}
		for i := range pp {
			pp[i] *= tau
		}
		// w = p − (τ/2)(pᵀu)·u; S −= u·wᵀ + w·uᵀ (lower triangle).
		kk := tau / 2 * dot(pp, u)
		for i := range pp {
			pp[i] -= kk * u[i]
		}
		for i := range m {
			row := a[(k+1+i)*n+k+1 : (k+1+i)*n+k+2+i]
			axpy(-u[i], pp[:i+1], row)
			axpy(-pp[i], u[:i+1], row)
		}
	}
	if n >= 2 {
		d[n-2] = a[(n-2)*n+n-2]
		e[n-2] = a[(n-1)*n+n-2]
	}
	if n >= 1 {
		d[n-1] = a[(n-1)*n+n-1]
	}
	return refl
}

// tridiagQR diagonalizes the symmetric tridiagonal (d, e) by implicit QR
// steps with Wilkinson shifts, leaving the eigenvalues in d (unsorted) and
// applying every rotation to the rows of zt when it is not nil.
func tridiagQR(n int, d, e, zt []float64) bool {
	if n < 2 {
		return true
	}
	norm := maxAbs(d, e)
	tiny := eps * norm * 1e-3
	var sw sweep
	iters := 0
	r := n - 1
	for r > 0 {
		// Deflate converged off-diagonals at the bottom.
		if math.Abs(e[r-1]) <= eps*(math.Abs(d[r-1])+math.Abs(d[r])) || math.Abs(e[r-1]) <= tiny {
			e[r-1] = 0
			r--
			iters = 0
			continue
		}
		// Find the top p of the unreduced block p..r.
		p := r - 1
		for p > 0 {
			if math.Abs(e[p-1]) <= eps*(math.Abs(d[p-1])+math.Abs(d[p])) || math.Abs(e[p-1]) <= tiny {
				e[p-1] = 0
				break
			}
			p--
		}
		iters++
		if iters > maxSweeps {
			return false
		}
		// Wilkinson shift from the trailing 2×2.
		dd := (d[r-1] - d[r]) / 2
		er := e[r-1]
		mu := d[r] - er*er/(dd+math.Copysign(math.Hypot(dd, er), dd))
		x, z := d[p]-mu, e[p]
		sw.reset(p)
		for k := p; k < r; k++ {
			c, s, rr := givens(x, z)
			if k > p {
				e[k-1] = rr
			}
			a, b, cc := d[k], e[k], d[k+1]
			d[k] = c*c*a + 2*c*s*b + s*s*cc
			d[k+1] = s*s*a - 2*c*s*b + c*c*cc
			e[k] = c*s*(cc-a) + (c*c-s*s)*b
			if k+1 < r {
				x, z = e[k], s*e[k+1]
				e[k+1] *= c
			}
			sw.add(c, s)
		}
		sw.apply(zt, n)
	}
	return true
}
