package linalg

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/linalg/internal/lapack"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// Cholesky returns the lower triangular L with A = L·Lᵀ for each symmetric
// positive-definite matrix of a ([*, n, n]), reading only the lower
// triangle of A. A matrix that is not positive definite (to float32
// rounding of the trailing updates) is an *Error with
// ErrNotPositiveDefinite carried by the result. Differentiable; as in
// PyTorch, the gradient is the symmetric one (it treats A as symmetric).
func Cholesky(a *tensor.Tensor) *tensor.Tensor {
	const op = "Cholesky"
	n := squareSize(op, a)
	var l *tensor.Tensor
	if onDevice(a, n) {
		l = choleskyOnDevice(op, a)
	} else {
		A := matrices(op, a)
		out := make([]float32, A.count*n*n)
		err := A.err
		if err == nil {
			err = forEach(op, A.batch, A.count, func(i int) (string, error) {
				l := out[i*n*n : (i+1)*n*n]
				copy(l, A.mat(i))
				if k := lapack.Cholesky(n, l); k >= 0 {
					return notPositive(k), ErrNotPositiveDefinite
				}
				return "", nil
			})
		}
		l = result(a.Backend(), out, err, a.Shape()...)
	}
	return tensor.Function("linalg.Cholesky", l, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		// gA = sym(L⁻ᵀ·Φ(Lᵀ·gL)·L⁻¹), Φ = lower triangle with half the diagonal.
		ld := l.Detach()
		linv := Inv(ld)
		p := mT(ld).MatMul(g).Mul(lowerHalf(a.Backend(), n))
		ga := mT(linv).MatMul(p).MatMul(linv)
		return []*tensor.Tensor{ga.Add(mT(ga)).MulScalar(0.5)}
	})
}

// notPositive is the detail of a Cholesky failure at pivot k.
func notPositive(k int) string {
	return fmt.Sprintf("the leading minor of order %d is not positive", k+1)
}

// lowerHalf is the n×n mask of Φ: 1 below the diagonal, ½ on it.
func lowerHalf(b backend.Backend, n int) *tensor.Tensor {
	m := make([]float32, n*n)
	for i := range n {
		for j := range i {
			m[i*n+j] = 1
		}
		m[i*n+i] = 0.5
	}
	return tensor.On(b).FromSlice(m, n, n)
}

// QR returns the reduced QR factorization A = Q·R of each matrix of a
// ([*, m, n]): Q is [*, m, k] with orthonormal columns and R is [*, k, n]
// upper triangular, k = min(m, n), by Householder reflections (the signs
// of R's diagonal are LAPACK's: R[i,i] = −sign(x₀)·‖x‖).
//
// Q and R are differentiable where the leading min(m, n) columns of A are
// linearly independent (R's leading k×k block invertible; otherwise the
// gradient carries ErrSingular), as in PyTorch's reduced mode.
func QR(a *tensor.Tensor) (q, r *tensor.Tensor) {
	const op = "QR"
	if sh := a.Shape(); len(sh) >= 2 && onDevice(a, min(sh[len(sh)-2], sh[len(sh)-1])) {
		q, r = qrOnDevice(a)
	} else {
		A := matrices(op, a)
		m, n := A.m, A.n
		k := min(m, n)
		qs, rs := make([]float32, A.count*m*k), make([]float32, A.count*k*n)
		if A.err == nil {
			forEach(op, A.batch, A.count, func(i int) (string, error) {
				qi, ri := lapack.QR(m, n, slices.Clone(A.mat(i)))
				copy(qs[i*m*k:], qi)
				copy(rs[i*k*n:], ri)
				return "", nil
			})
		}
		q = result(a.Backend(), qs, A.err, shape(A.batch, m, k)...)
		r = result(a.Backend(), rs, A.err, shape(A.batch, k, n)...)
	}
	in := []*tensor.Tensor{a}
	q2 := tensor.Function("linalg.QR", q, in, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{qrBackward(a.Detach(), q.Detach(), r.Detach(), g, nil)}
	})
	r2 := tensor.Function("linalg.QR", r, in, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{qrBackward(a.Detach(), q.Detach(), r.Detach(), nil, g)}
	})
	return q2, r2
}

// Eigh returns the eigenvalues w ([*, n], ascending) and orthonormal
// eigenvectors v ([*, n, n], column j for w[j]) of each symmetric matrix of
// a ([*, n, n]), reading only its lower triangle. It computes in float64
// (Householder tridiagonalization and implicit QR with Wilkinson shifts;
// cyclic Jacobi for n ≤ 8, faster on batches of small matrices), on the
// host, in parallel over the batch.
// Both are differentiable, with the symmetric gradients of PyTorch: through
// w, V·diag(gw)·Vᵀ; through v, V·(½·skew(Vᵀ·gV) / E)·Vᵀ with E[i,j] =
// w[j] − w[i], which is finite only for distinct eigenvalues and, since an
// eigenvector's sign is arbitrary, meaningful only for a loss that does not
// depend on the signs of the columns of v. An iteration that does not converge is an *Error
// with ErrNoConvergence.
func Eigh(a *tensor.Tensor) (w, v *tensor.Tensor) {
	const op = "Eigh"
	n := squareSize(op, a)
	A := matrices(op, a)
	ws, vs := make([]float32, A.count*n), make([]float32, A.count*n*n)
	err := A.err
	if err == nil {
		err = forEach(op, A.batch, A.count, func(i int) (string, error) {
			wi, vi, ok := lapack.Eigh(n, lowerTo64(n, A.mat(i)), true)
			if !ok {
				return "", ErrNoConvergence
			}
			to32(ws[i*n:(i+1)*n], wi)
			to32(vs[i*n*n:(i+1)*n*n], vi)
			return "", nil
		})
	}
	w = result(a.Backend(), ws, err, shape(A.batch, n)...)
	v = result(a.Backend(), vs, err, a.Shape()...)
	w2 := tensor.Function("linalg.Eigh", w, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		vd := v.Detach()
		return []*tensor.Tensor{vd.Mul(g.Unsqueeze(-2)).MatMul(mT(vd))}
	})
	v2 := tensor.Function("linalg.Eigh", v, []*tensor.Tensor{a}, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{eighVectorsBackward(w.Detach(), v.Detach(), g)}
	})
	return w2, v2
}

// lowerTo64 copies the lower triangle of the n×n a to float64, leaving the
// strict upper triangle zero (the eigensolver does not read it).
func lowerTo64(n int, a []float32) []float64 {
	out := make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			out[i*n+j] = float64(a[i*n+j])
		}
	}
	return out
}

// SVD returns the thin singular value decomposition A = U·diag(S)·Vh of
// each matrix of a ([*, m, n]): u [*, m, k], s [*, k] in descending order,
// vh [*, k, n], k = min(m, n), computed in float64 (Householder
// bidiagonalization and Golub–Kahan implicit QR; one-sided Jacobi for
// k ≤ 8 and max(m, n) ≤ 32, faster on batches of small matrices), on the
// host, in parallel over the batch. An iteration that does not converge is
// an *Error with ErrNoConvergence.
//
// All three results are differentiable, by the rule of torch.linalg.svd:
// through s alone the gradient U·diag(gs)·Vh is defined everywhere; through
// u or vh it is finite only where the singular values are distinct and,
// for a non-square A, non-zero (it divides by s_j² − s_l² and by s_j), and
// since the signs of a singular vector pair are arbitrary, it is meaningful
// only for a loss that does not depend on them (such as one of U·Vh or of
// u_j·vh_j).
func SVD(a *tensor.Tensor) (u, s, vh *tensor.Tensor) {
	const op = "SVD"
	A := matrices(op, a)
	m, n := A.m, A.n
	k := min(m, n)
	us, ss, vs := make([]float32, A.count*m*k), make([]float32, A.count*k), make([]float32, A.count*k*n)
	err := A.err
	if err == nil {
		err = forEach(op, A.batch, A.count, func(i int) (string, error) {
			si, ut, vt, ok := lapack.SVD(m, n, to64(A.mat(i)), true)
			if !ok {
				return "", ErrNoConvergence
			}
			to32(ss[i*k:(i+1)*k], si)
			ui := us[i*m*k : (i+1)*m*k]
			for r := range k {
				for c := range m {
					ui[c*k+r] = float32(ut[r*m+c])
				}
			}
			to32(vs[i*k*n:(i+1)*k*n], vt)
			return "", nil
		})
	}
	b := a.Backend()
	u = result(b, us, err, shape(A.batch, m, k)...)
	s = result(b, ss, err, shape(A.batch, k)...)
	vh = result(b, vs, err, shape(A.batch, k, n)...)
	in := []*tensor.Tensor{a}
	back := func(gu, gs, gvh *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{svdBackward(a.Detach(), u.Detach(), s.Detach(), vh.Detach(), gu, gs, gvh)}
	}
	u2 := tensor.Function("linalg.SVD", u, in, func(g *tensor.Tensor) []*tensor.Tensor { return back(g, nil, nil) })
	s2 := tensor.Function("linalg.SVD", s, in, func(g *tensor.Tensor) []*tensor.Tensor { return back(nil, g, nil) })
	vh2 := tensor.Function("linalg.SVD", vh, in, func(g *tensor.Tensor) []*tensor.Tensor { return back(nil, nil, g) })
	return u2, s2, vh2
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}
