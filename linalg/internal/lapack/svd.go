package lapack

import (
	"math"
	"sort"
)

// SVD computes the thin singular value decomposition A = U·diag(s)·Vᵀ of
// the m×n row-major a (overwritten), in float64: s holds the k = min(m, n)
// singular values in descending order; when wantUV, ut is k×m (its rows are
// the left singular vectors, Uᵀ) and vt is k×n (Vᵀ). Householder
// bidiagonalization, then implicit-shift QR steps on the bidiagonal (Golub
// and Kahan); for n ≤ JacobiMax and m ≤ 4·JacobiMax (or the same for
// Aᵀ), one-sided Jacobi instead. ok is false if the iteration did not
// converge.
func SVD(m, n int, a []float64, wantUV bool) (s, ut, vt []float64, ok bool) {
	if min(m, n) <= JacobiMax && max(m, n) <= 4*JacobiMax {
		if m < n {
			s, ut, vt, ok = svdJacobi(n, m, transposed(m, n, a), wantUV)
			return s, vt, ut, ok
		}
		return svdJacobi(m, n, a, wantUV)
	}
	return svdQR(m, n, a, wantUV)
}

// transposed returns the n×m transpose of the m×n row-major a.
func transposed(m, n int, a []float64) []float64 {
	at := make([]float64, n*m)
	for i := range m {
		for j := range n {
			at[j*m+i] = a[i*n+j]
		}
	}
	return at
}

func svdQR(m, n int, a []float64, wantUV bool) (s, ut, vt []float64, ok bool) {
	if m < n {
		// Aᵀ = U'·S·V'ᵀ, so A = V'·S·U'ᵀ.
		at := make([]float64, n*m)
		for i := range m {
			for j := range n {
				at[j*m+i] = a[i*n+j]
			}
		}
		s, ut, vt, ok = svdQR(n, m, at, wantUV)
		return s, vt, ut, ok
	}
	// m ≥ n from here on; k = n.
	d, e := make([]float64, n), make([]float64, max(n-1, 0))
	left, right := bidiagonalize(m, n, a, d, e)
	var u2, v2 []float64 // rows: singular vectors of the bidiagonal
	if wantUV {
		u2, v2 = make([]float64, n*n), make([]float64, n*n)
		for i := range n {
			u2[i*n+i], v2[i*n+i] = 1, 1
		}
	}
	if !bidiagQR(n, d, e, u2, v2) {
		return nil, nil, nil, false
	}
	for i := range d {
		if d[i] < 0 {
			d[i] = -d[i]
			if wantUV {
				row := v2[i*n : (i+1)*n]
				for j := range row {
					row[j] = -row[j]
				}
			}
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return d[order[i]] > d[order[j]] })
	s = make([]float64, n)
	for i, o := range order {
		s[i] = d[o]
	}
	if !wantUV {
		return s, nil, nil, true
	}
	ut, vt = make([]float64, n*m), make([]float64, n*n)
	for i, o := range order {
		copy(ut[i*m:i*m+n], u2[o*n:(o+1)*n])
		copy(vt[i*n:(i+1)*n], v2[o*n:(o+1)*n])
	}
	// u = H₀⋯H_{n−1}·[u₂; 0] and v = G₀⋯G_{n−3}·v₂ (G_k acts on entries k+1:).
	reflectBack(ut, n, m, 0, left)
	reflectBack(vt, n, n, 1, right)
	return s, ut, vt, true
}

// bidiagonalize reduces the m×n a (m ≥ n) to upper bidiagonal form
// Uᵀ·A·V = B with diagonal d and superdiagonal e; U = H₀⋯H_{n−1} (left
// reflectors on rows k:) and V = G₀⋯G_{n−3} (right, on columns k+1:).
func bidiagonalize(m, n int, a, d, e []float64) (left, right []reflector) {
	x := make([]float64, m)
	w := make([]float64, n)
	for k := range n {
		// Left reflector on column k, rows k:.
		mk := m - k
		for i := range mk {
			x[i] = a[(k+i)*n+k]
		}
		tau, beta := house(x[:mk])
		d[k] = beta
		v := append([]float64(nil), x[1:mk]...)
		left = append(left, reflector{tau: tau, v: v})
		if tau != 0 && k+1 < n {
			// A[k:, k+1:] −= τ·u·(uᵀ·A[k:, k+1:]), u = [1; v].
			ww := w[:n-k-1]
			copy(ww, a[k*n+k+1:(k+1)*n])
			for i, vi := range v {
				axpy(vi, a[(k+1+i)*n+k+1:(k+2+i)*n], ww)
			}
			axpy(-tau, ww, a[k*n+k+1:(k+1)*n])
			for i, vi := range v {
				axpy(-tau*vi, ww, a[(k+1+i)*n+k+1:(k+2+i)*n])
			}
		}
		if k+2 < n {
			// Right reflector on row k, columns k+1:.
			row := a[k*n+k+1 : (k+1)*n]
			tau, beta := house(row)
			e[k] = beta
			v := append([]float64(nil), row[1:]...)
			right = append(right, reflector{tau: tau, v: v})
			if tau != 0 {
				for i := k + 1; i < m; i++ {
					seg := a[i*n+k+1 : (i+1)*n]
					t := tau * (seg[0] + dot(v, seg[1:]))
					seg[0] -= t
					axpy(-t, v, seg[1:])
				}
			}
		} else if k+1 < n {
			e[k] = a[k*n+k+1]
		}
	}
	return left, right
}

// bidiagQR diagonalizes the upper bidiagonal (d, e) by Golub–Kahan implicit
// QR steps, applying the left rotations to the rows of u and the right ones
// to the rows of v (when not nil). The singular values are left in d,
// unsorted and possibly negative.
func bidiagQR(n int, d, e, u, v []float64) bool {
	if n < 2 {
		return true
	}
	norm := maxAbs(d, e)
	tol := eps * norm
	rotU := func(i, j int, c, s float64) {
		if u != nil {
			rot(c, s, u[i*n:(i+1)*n], u[j*n:(j+1)*n])
		}
	}
	rotV := func(i, j int, c, s float64) {
		if v != nil {
			rot(c, s, v[i*n:(i+1)*n], v[j*n:(j+1)*n])
		}
	}
	small := func(i int) bool { // e[i] negligible
		return math.Abs(e[i]) <= eps*(math.Abs(d[i])+math.Abs(d[i+1])) || math.Abs(e[i]) <= tol
	}
	var su, sv sweep
	iters := 0
	r := n - 1
	for r > 0 {
		if small(r - 1) {
			e[r-1] = 0
			r--
			iters = 0
			continue
		}
		p := r - 1
		for p > 0 && !small(p-1) {
			p--
		}
		if p > 0 {
			e[p-1] = 0
		}
		iters++
		if iters > maxSweeps {
			return false
		}
		// A negligible diagonal entry splits the block: chase its row
		// (or, for the last one, its column) out with rotations.
		split := false
		for i := p; i <= r; i++ {
			if math.Abs(d[i]) > tol {
				continue
			}
			d[i] = 0
			split = true
			if i < r {
				f := e[i]
				e[i] = 0
				for j := i + 1; j <= r; j++ {
					c, s, rr := givens(d[j], f)
					d[j] = rr
					rotU(j, i, c, s)
					if j < r {
						f = -s * e[j]
						e[j] *= c
					}
				}
			} else {
				f := e[r-1]
				e[r-1] = 0
				for j := r - 1; j >= p; j-- {
					c, s, rr := givens(d[j], f)
					d[j] = rr
					rotV(j, r, c, s)
					if j > p {
						f = -s * e[j-1]
						e[j-1] *= c
					}
				}
			}
			break
		}
		if split {
			continue
		}
		// Shift: the eigenvalue of the trailing 2×2 of BᵀB nearer its last entry.
		t11 := d[r-1] * d[r-1]
		if r-1 > p {
			t11 += e[r-2] * e[r-2]
		}
		t12 := d[r-1] * e[r-1]
		t22 := d[r]*d[r] + e[r-1]*e[r-1]
		dd := (t11 - t22) / 2
		mu := t22
		if t12 != 0 {
			mu = t22 - t12*t12/(dd+math.Copysign(math.Hypot(dd, t12), dd))
		}
		y, z := d[p]*d[p]-mu, d[p]*e[p]
		su.reset(p)
		sv.reset(p)
		for k := p; k < r; k++ {
			c, s, rr := givens(y, z)
			if k > p {
				e[k-1] = rr
			}
			f := c*d[k] + s*e[k]
			e[k] = c*e[k] - s*d[k]
			g := s * d[k+1]
			d[k+1] *= c
			d[k] = f
			sv.add(c, s)
			c, s, rr = givens(d[k], g)
			d[k] = rr
			f = c*e[k] + s*d[k+1]
			d[k+1] = c*d[k+1] - s*e[k]
			e[k] = f
			if k+1 < r {
				y, z = e[k], s*e[k+1]
				e[k+1] *= c
			}
			su.add(c, s)
		}
		su.apply(u, n)
		sv.apply(v, n)
	}
	return true
}
