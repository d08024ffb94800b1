package linalg

import (
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/linalg/internal/lapack"
	"github.com/vktensor/vktensor/tensor"
)

// eps32 is the float32 machine epsilon, the tolerance unit of the rank
// decisions below (the data are float32).
const eps32 = 0x1p-23

// Lstsq returns the least-squares solution X of A·X ≈ B for each matrix A
// of a ([*, m, n]) and B ([*, m, k], or [*, m] / [m] for vectors, giving
// X [*, n]); the batch axes broadcast. For m ≥ n it minimizes ‖A·X − B‖
// through A = Q·R (X = R⁻¹·Qᵀ·B); for m < n it returns the minimum-norm
// solution through Aᵀ = Q·R (X = Q·R⁻ᵀ·B).
//
// A must have full rank min(m, n). QR without column pivoting decides rank
// by R's diagonal: when some |R[i,i]| ≤ max(m, n)·2⁻²³·max|R[j,j]| the
// result carries an *Error with ErrRankDeficient (use Pinv for the
// minimum-norm solution of a rank-deficient system). A full-rank but
// ill-conditioned A gets the QR solution, whose error grows with its
// condition number.
//
// Differentiable in both operands for full-rank A, where X = A⁺·B: gB =
// A⁺ᵀ·gX and gA is Pinv's gradient for gA⁺ = gX·Bᵀ (the backward pass
// computes A⁺ with Pinv).
func Lstsq(a, b *tensor.Tensor) *tensor.Tensor {
	const op = "Lstsq"
	sameBackend(op, a, b)
	as := a.Shape()
	if len(as) < 2 {
		shapePanic(op, "is not a matrix or a batch of matrices (rank < 2)", as)
	}
	m, n := as[len(as)-2], as[len(as)-1]
	bm, batch, vector := rhs(op, a, b, m)
	k := bm.Shape()[bm.Rank()-1]
	A := matrices(op, a.Detach().BroadcastTo(shape(batch, m, n)...))
	B := matrices(op, bm.BroadcastTo(shape(batch, m, k)...))
	out := make([]float32, A.count*n*k)
	err := firstErr(A.err, B.err)
	if err == nil {
		err = forEach(op, batch, A.count, func(i int) (string, error) {
			x, detail := lstsq(m, n, k, A.mat(i), B.mat(i))
			if x == nil {
				return detail, ErrRankDeficient
			}
			to32(out[i*n*k:(i+1)*n*k], x)
			return "", nil
		})
	}
	xs := shape(batch, n, k)
	if vector {
		xs = shape(batch, n)
	}
	x := result(a.Backend(), out, err, xs...)
	return tensor.Function("linalg.Lstsq", x, []*tensor.Tensor{a, b}, func(g *tensor.Tensor) []*tensor.Tensor {
		ad := a.Detach().BroadcastTo(shape(batch, m, n)...)
		bd := bm.BroadcastTo(shape(batch, m, k)...)
		if vector {
			g = g.Unsqueeze(-1)
		}
		y := Pinv(ad)
		gb := mT(y).MatMul(g)
		ga := pinvBackward(ad, y, g.MatMul(mT(bd)))
		if vector {
			gb = gb.Squeeze(-1)
		}
		return []*tensor.Tensor{sumTo(ga, a.Shape()), sumTo(gb, b.Shape())}
	})
}

// lstsq solves one m×n system with k right-hand sides in float64 from a
// float32 QR, or returns nil and why the matrix is rank-deficient.
func lstsq(m, n, k int, a, b []float32) (x []float64, why string) {
	if m == 0 || n == 0 {
		return make([]float64, n*k), ""
	}
	tall := m >= n
	qm, qn := m, n // the matrix factored: A or Aᵀ
	f := slices.Clone(a)
	if !tall {
		qm, qn = n, m
		for i := range m {
			for j := range n {
				f[j*m+i] = a[i*n+j]
			}
		}
	}
	q, r := lapack.QR(qm, qn, f)
	p := qn // R is p×p, Q is qm×p
	var rmax float64
	for i := range p {
		rmax = max(rmax, math.Abs(float64(r[i*qn+i])))
	}
	tol := float64(max(m, n)) * eps32 * rmax
	for i := range p {
		if d := math.Abs(float64(r[i*qn+i])); d <= tol {
			return nil, fmt.Sprintf("|R[%d,%d]| = %.3g ≤ %.3g", i, i, d, tol)
		}
	}
	R := func(i, j int) float64 { return float64(r[i*qn+j]) }
	// solve returns the least-squares (tall) or minimum-norm (wide)
	// solution for the m×k right-hand side rhs, in float64.
	solve := func(rhs []float64) []float64 {
		x := make([]float64, n*k)
		if tall {
			// y = Qᵀ·rhs (p×k), then back substitution R·x = y.
			for t := range m {
				for i := range p {
					qi := float64(q[t*p+i])
					for c := range k {
						x[i*k+c] += qi * rhs[t*k+c]
					}
				}
			}
			for i := p - 1; i >= 0; i-- {
				for j := i + 1; j < p; j++ {
					for c := range k {
						x[i*k+c] -= R(i, j) * x[j*k+c]
					}
				}
				for c := range k {
					x[i*k+c] /= R(i, i)
				}
			}
			return x
		}
		// Rᵀ·y = rhs (forward substitution), x = Q·y.
		y := make([]float64, p*k)
		for i := range p {
			for c := range k {
				s := rhs[i*k+c]
				for j := range i {
					s -= R(j, i) * y[j*k+c]
				}
				y[i*k+c] = s / R(i, i)
			}
		}
		for t := range qm {
			for i := range p {
				qi := float64(q[t*p+i])
				for c := range k {
					x[t*k+c] += qi * y[i*k+c]
				}
			}
		}
		return x
	}
	b64 := make([]float64, m*k)
	for i, v := range b {
		b64[i] = float64(v)
	}
	x = solve(b64)
	// One step of refinement with the residual in float64: the correction
	// solves the same problem for b − A·x, and for a wide A stays in the
	// row space, so the solution keeps its minimum norm.
	res := make([]float64, m*k)
	for i := range m {
		for c := range k {
			s := b64[i*k+c]
			for j := range n {
				s -= float64(a[i*n+j]) * x[j*k+c]
			}
			res[i*k+c] = s
		}
	}
	for i, d := range solve(res) {
		x[i] += d
	}
	return x, ""
}

// Pinv returns the Moore–Penrose pseudo-inverse of each matrix of a
// ([*, m, n] gives [*, n, m]) from its SVD, in float64: singular values at
// or below max(m, n)·2⁻²³·σ_max are treated as zero (PyTorch's default
// rtol for float32), so a rank-deficient A gets the pseudo-inverse of its
// numerical rank. Differentiable where the rank is locally constant (as
// for a full-rank A), with the gradient of the pseudo-inverse's derivative
// (Golub & Pereyra): −Yᵀ·gY·Yᵀ + (I − A·Y)·gYᵀ·Y·Yᵀ + Yᵀ·Y·gYᵀ·(I − Y·A)
// for Y = A⁺.
func Pinv(a *tensor.Tensor) *tensor.Tensor {
	const op = "Pinv"
	A := matrices(op, a)
	m, n := A.m, A.n
	k := min(m, n)
	out := make([]float32, A.count*n*m)
	err := A.err
	if err == nil {
		err = forEach(op, A.batch, A.count, func(i int) (string, error) {
			s, ut, vt, ok := lapack.SVD(m, n, to64(A.mat(i)), true)
			if !ok {
				return "", ErrNoConvergence
			}
			p := make([]float64, n*m)
			if k > 0 {
				cut := float64(max(m, n)) * eps32 * s[0]
				for j := range k {
					if s[j] <= cut {
						break
					}
					// p += v_j·u_jᵀ / σ_j
					inv := 1 / s[j]
					for r := range n {
						f := vt[j*n+r] * inv
						row := p[r*m : (r+1)*m]
						for c, uc := range ut[j*m : (j+1)*m] {
							row[c] += f * uc
						}
					}
				}
			}
			to32(out[i*n*m:(i+1)*n*m], p)
			return "", nil
		})
	}
	y := result(a.Backend(), out, err, shape(A.batch, n, m)...)
	return tensor.Function("linalg.Pinv", y, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{pinvBackward(a.Detach(), y.Detach(), g)}
	})
}
