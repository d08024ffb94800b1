package linalg

import "github.com/vktensor/vktensor/tensor"

// The backward passes of the decompositions, in tensor ops. A function
// with several outputs records one tensor.Function per output; since a
// gradient is linear in the output gradients, each node computes the
// contribution of its own output (the others' gradients taken as zero) and
// Backward adds them up. A nil output gradient below means zero.

// skew is X − Xᵀ over the last two axes.
func skew(x *tensor.Tensor) *tensor.Tensor { return x.Sub(mT(x)) }

// diagEmbed returns the matrices [*, k, k] with v ([*, k]) on their diagonals.
func diagEmbed(v *tensor.Tensor) *tensor.Tensor {
	return v.Unsqueeze(-1).Mul(tensor.On(v.Backend()).Eye(v.Dim(-1)))
}

// gapMatrix returns E with E[i,j] = f(x[j]) − f(x[i]) off the diagonal and
// 1 on it, for x [*, k] and f applied elementwise (the denominators of the
// eigenvector and singular vector gradients).
func gapMatrix(fx *tensor.Tensor) *tensor.Tensor {
	e := fx.Unsqueeze(-2).Sub(fx.Unsqueeze(-1))
	return e.Add(tensor.On(fx.Backend()).Eye(fx.Dim(-1)))
}

// qrBackward is the gradient of A ([*, m, n]) through its reduced QR
// factorization A = Q·R, given the gradients of Q and R. For m ≥ n (R
// square and invertible):
//
//	M = R·gRᵀ − gQᵀ·Q,  gA = (gQ + Q·copyltu(M))·R⁻ᵀ,
//
// copyltu(M) the symmetric matrix with M's lower triangle. For m < n, A =
// [X | Y] and R = [U | V] with X = Q·U square: X takes the square formula
// with gQ + Y·gVᵀ in place of gQ and gU for gR, and gY = Q·gV.
func qrBackward(a, q, r, gq, gr *tensor.Tensor) *tensor.Tensor {
	m, n := a.Dim(-2), a.Dim(-1)
	if gq == nil {
		gq = tensor.ZerosLike(q)
	}
	if gr == nil {
		gr = tensor.ZerosLike(r)
	}
	if m >= n {
		return qrSquareBackward(q, r, gq, gr)
	}
	y := a.Narrow(-1, m, n-m)
	gu, gv := gr.Narrow(-1, 0, m), gr.Narrow(-1, m, n-m)
	gx := qrSquareBackward(q, r.Narrow(-1, 0, m), gq.Add(y.MatMul(mT(gv))), gu)
	return tensor.Concat(a.Rank()-1, gx, q.MatMul(gv))
}

// qrSquareBackward is qrBackward for a square, invertible R.
func qrSquareBackward(q, r, gq, gr *tensor.Tensor) *tensor.Tensor {
	mm := r.MatMul(mT(gr)).Sub(mT(gq).MatMul(q))
	c := mm.Tril(0).Add(mT(mm.Tril(-1)))
	b := gq.Add(q.MatMul(c))
	return mT(Solve(r, mT(b))) // b·R⁻ᵀ
}

// svdBackward is the gradient of A ([*, m, n], k = min(m, n)) through its
// thin SVD A = U·diag(S)·Vh, given the gradients of U, S and Vh (the
// formula of torch.linalg.svd's backward, real case):
//
//	J = Uᵀ·gU, K = Vh·gVhᵀ, E[j,l] = s_l² − s_j² (1 on the diagonal),
//	C = (skew(J)·diag(S) + diag(S)·skew(K)) / E + diag(gS),
//	gA = U·C·Vh + (I − U·Uᵀ)·gU·S⁻¹·Vh + U·S⁻¹·gVh·(I − Vhᵀ·Vh).
//
// The last two terms exist only for m > k and n > k. Through S alone the
// gradient is U·diag(gS)·Vh, defined everywhere; through U or Vh it is
// finite only for distinct (and, for the last terms, non-zero) singular
// values.
func svdBackward(a, u, s, vh, gu, gs, gvh *tensor.Tensor) *tensor.Tensor {
	m, n := a.Dim(-2), a.Dim(-1)
	k := min(m, n)
	if gu == nil && gvh == nil {
		return u.Mul(gs.Unsqueeze(-2)).MatMul(vh)
	}
	var c *tensor.Tensor
	if gu != nil {
		c = skew(mT(u).MatMul(gu)).Mul(s.Unsqueeze(-2))
	}
	if gvh != nil {
		t := s.Unsqueeze(-1).Mul(skew(vh.MatMul(mT(gvh))))
		if c == nil {
			c = t
		} else {
			c = c.Add(t)
		}
	}
	c = c.Div(gapMatrix(s.Square()))
	if gs != nil {
		c = c.Add(diagEmbed(gs))
	}
	ga := u.MatMul(c).MatMul(vh)
	if m > k && gu != nil {
		p := gu.Sub(u.MatMul(mT(u).MatMul(gu))) // (I − U·Uᵀ)·gU
		ga = ga.Add(p.Div(s.Unsqueeze(-2)).MatMul(vh))
	}
	if n > k && gvh != nil {
		p := gvh.Sub(gvh.MatMul(mT(vh)).MatMul(vh)) // gVh·(I − Vhᵀ·Vh)
		ga = ga.Add(u.MatMul(p.Div(s.Unsqueeze(-1))))
	}
	return ga
}

// eighVectorsBackward is the gradient of a symmetric A through the
// eigenvectors V of A = V·diag(w)·Vᵀ, the symmetric one as in PyTorch:
//
//	gA = V·(½·skew(Vᵀ·gV) / E)·Vᵀ,  E[i,j] = w_j − w_i (1 on the diagonal),
//
// finite only for distinct eigenvalues.
func eighVectorsBackward(w, v, gv *tensor.Tensor) *tensor.Tensor {
	c := skew(mT(v).MatMul(gv)).MulScalar(0.5).Div(gapMatrix(w))
	return v.MatMul(c).MatMul(mT(v))
}

// pinvBackward is the gradient of A ([*, m, n]) through Y = A⁺ ([*, n, m]),
// given gY, for A of locally constant rank (the formula of the derivative
// of the pseudo-inverse, Golub & Pereyra):
//
//	gA = −Yᵀ·gY·Yᵀ + (I − A·Y)·gYᵀ·Y·Yᵀ + Yᵀ·Y·gYᵀ·(I − Y·A).
func pinvBackward(a, y, gy *tensor.Tensor) *tensor.Tensor {
	yt, gyt := mT(y), mT(gy)
	t1 := yt.MatMul(gy).MatMul(yt).Neg()
	x := gyt.MatMul(y).MatMul(yt)
	t2 := x.Sub(a.MatMul(y.MatMul(x)))
	z := yt.MatMul(y).MatMul(gyt)
	t3 := z.Sub(z.MatMul(y).MatMul(a))
	return t1.Add(t2).Add(t3)
}
