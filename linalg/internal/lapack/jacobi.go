package lapack

import (
	"math"
	"sort"
)

// Jacobi methods for small matrices, where the Householder reductions and
// QR iterations spend their time on allocation and bookkeeping rather than
// arithmetic: cyclic two-sided Jacobi for the symmetric eigenproblem and
// one-sided (Hestenes) Jacobi for the SVD, both in float64 on a flat
// scratch slice per matrix. Eigh and SVD use them up to order JacobiMax
// (the smaller dimension for the SVD, the larger at most 4·JacobiMax);
// package linalg runs them in parallel over the matrices of a batch, on
// the host for every backend.

// JacobiMax is the largest order (min(m, n) for the SVD) solved by Jacobi.
// Measured on one core of the 2-core Xeon (BenchmarkJacobiVsQR), with
// vectors: at n = 4 Eigh takes 1.2 µs against 3.2 µs for the QR path and
// the SVD 2.5 µs against 4.3 µs; at n = 8 the two are even (8–17 µs), and
// from 12 up the QR paths are faster, by 2–3× at 32.
const JacobiMax = 8

// maxJacobiSweeps bounds the sweeps; Jacobi converges quadratically, in
// well under 15 sweeps at these sizes.
const maxJacobiSweeps = 40

// eighJacobi is Eigh for n ≤ JacobiMax: a (lower triangle read) is
// overwritten.
func eighJacobi(n int, a []float64, wantV bool) (w, v []float64, ok bool) {
	for i := range n {
		for j := range i {
			a[j*n+i] = a[i*n+j]
		}
	}
	var vt []float64 // Vᵀ: row i is the i-th eigenvector
	if wantV {
		vt = make([]float64, n*n)
		for i := range n {
			vt[i*n+i] = 1
		}
	}
	converged := false
	for sweep := 0; sweep < maxJacobiSweeps && !converged; sweep++ {
		converged = true
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				app, aqq := a[p*n+p], a[q*n+q]
				// Negligible against the diagonal (relative criterion).
				if math.Abs(apq) <= eps*math.Sqrt(math.Abs(app*aqq)) || apq == 0 {
					a[p*n+q], a[q*n+p] = 0, 0
					continue
				}
				converged = false
				// The rotation that zeroes a[p,q] (Golub & Van Loan 8.5.2),
				// the smaller of the two angles.
				tau := (aqq - app) / (2 * apq)
				var t float64
				if tau >= 0 {
					t = 1 / (tau + math.Sqrt(1+tau*tau))
				} else {
					t = -1 / (-tau + math.Sqrt(1+tau*tau))
				}
				c := 1 / math.Sqrt(1+t*t)
				s := t * c
				// Rows p and q rotate as contiguous slices; columns p and
				// q mirror them (the entries at p and q are set below).
				rp, rq := a[p*n:(p+1)*n], a[q*n:(q+1)*n]
				rot(c, -s, rp, rq)
				for k := range n {
					a[k*n+p], a[k*n+q] = rp[k], rq[k]
				}
				a[p*n+p] = app - t*apq
				a[q*n+q] = aqq + t*apq
				a[p*n+q], a[q*n+p] = 0, 0
				if wantV {
					rot(c, -s, vt[p*n:(p+1)*n], vt[q*n:(q+1)*n])
				}
			}
		}
	}
	if !converged {
		return nil, nil, false
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return a[order[i]*n+order[i]] < a[order[j]*n+order[j]] })
	w = make([]float64, n)
	for i, o := range order {
		w[i] = a[o*n+o]
	}
	if !wantV {
		return w, nil, true
	}
	v = make([]float64, n*n)
	for j, o := range order {
		for i, x := range vt[o*n : (o+1)*n] {
			v[i*n+j] = x
		}
	}
	return w, v, true
}

// svdJacobi is SVD for m ≥ n, n ≤ JacobiMax: one-sided Jacobi rotates
// pairs of columns of A (held as the rows of Aᵀ) until they are
// orthogonal, accumulating the rotations in V; then σ_j = ‖a_j‖ and u_j =
// a_j/σ_j. Columns of U for zero singular values (below ε·‖A‖_F) are
// completed to an orthonormal set.
func svdJacobi(m, n int, a []float64, wantUV bool) (s, ut, vt []float64, ok bool) {
	at := make([]float64, n*m) // row j: column j of A
	for i := range m {
		for j := range n {
			at[j*m+i] = a[i*n+j]
		}
	}
	var v []float64 // row j: column j of V
	if wantUV {
		v = make([]float64, n*n)
		for i := range n {
			v[i*n+i] = 1
		}
	}
	norms := make([]float64, n)
	var frob float64
	for j := range n {
		norms[j] = dot(at[j*m:(j+1)*m], at[j*m:(j+1)*m])
		frob += norms[j]
	}
	// A column whose norm is below ε·‖A‖ is rounding noise of a
	// rank-deficient A: it is not rotated (it stays nearly parallel to the
	// others however often it is), and its σ is kept but its u replaced by
	// a completion of U, which changes A by at most about ε·‖A‖.
	zeroNorm := eps * math.Sqrt(frob)
	// Columns count as orthogonal when their cosine is below m·ε, the
	// rounding of the dot product that measures it (with a bound of ε
	// alone, rounding can keep a pair rotating for ever).
	tol := float64(m) * eps
	converged := false
	for sweep := 0; sweep < maxJacobiSweeps && !converged; sweep++ {
		converged = true
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				xp, xq := at[p*m:(p+1)*m], at[q*m:(q+1)*m]
				alpha, beta := norms[p], norms[q]
				gamma := dot(xp, xq)
				if gamma == 0 || math.Abs(gamma) <= tol*math.Sqrt(alpha*beta) || math.Sqrt(min(alpha, beta)) <= zeroNorm {
					continue
				}
				converged = false
				zeta := (beta - alpha) / (2 * gamma)
				var t float64
				if zeta >= 0 {
					t = 1 / (zeta + math.Sqrt(1+zeta*zeta))
				} else {
					t = -1 / (-zeta + math.Sqrt(1+zeta*zeta))
				}
				c := 1 / math.Sqrt(1+t*t)
				sn := t * c
				rot(c, -sn, xp, xq)
				// The norms follow from the rotation exactly in exact
				// arithmetic; recomputing them keeps rounding from piling up.
				norms[p], norms[q] = dot(xp, xp), dot(xq, xq)
				if wantUV {
					rot(c, -sn, v[p*n:(p+1)*n], v[q*n:(q+1)*n])
				}
			}
		}
	}
	if !converged {
		return nil, nil, nil, false
	}
	sig := make([]float64, n)
	for j := range n {
		sig[j] = math.Sqrt(norms[j])
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return sig[order[i]] > sig[order[j]] })
	s = make([]float64, n)
	for i, o := range order {
		s[i] = sig[o]
	}
	if !wantUV {
		return s, nil, nil, true
	}
	ut, vt = make([]float64, n*m), make([]float64, n*n)
	var fill []int
	for i, o := range order {
		copy(vt[i*n:(i+1)*n], v[o*n:(o+1)*n])
		if s[i] <= zeroNorm {
			fill = append(fill, i)
			continue
		}
		inv := 1 / s[i]
		for r, x := range at[o*m : (o+1)*m] {
			ut[i*m+r] = x * inv
		}
	}
	for _, i := range fill {
		completeColumn(ut, m, i, n)
	}
	return s, ut, vt, true
}

// completeColumn writes into row i of the n×m ut a unit vector orthogonal
// to its other rows that are set (those not being completed are zero): the
// unit vector e_r with the largest component left after projecting out
// the other rows, orthogonalized twice (Gram–Schmidt).
func completeColumn(ut []float64, m, i, n int) {
	x := ut[i*m : (i+1)*m]
	best, bestNorm := 0, -1.0
	for r := range m {
		clear(x)
		x[r] = 1
		project(ut, m, i, n, x)
		if nr := dot(x, x); nr > bestNorm {
			best, bestNorm = r, nr
		}
	}
	clear(x)
	x[best] = 1
	project(ut, m, i, n, x)
	project(ut, m, i, n, x)
	inv := 1 / math.Sqrt(dot(x, x))
	for r := range x {
		x[r] *= inv
	}
}

// project removes from x its components along the rows of ut other than i.
func project(ut []float64, m, i, n int, x []float64) {
	for j := range n {
		if j == i {
			continue
		}
		y := ut[j*m : (j+1)*m]
		if d := dot(x, y); d != 0 {
			axpy(-d, y, x)
		}
	}
}
