package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// ScaledDotProductAttention returns softmax(scale·q·kᵀ)·v over the last
// two axes, PyTorch's nn.functional.scaled_dot_product_attention without
// a mask tensor or dropout: q is [..., T, D], k is [..., S, D], v is
// [..., S, Dv] with equal leading axes, and the result is [..., T, Dv].
// scale 0 means 1/√D (1 when D is 0). With causal set, query row i
// attends to the keys j ≤ i only (PyTorch's is_causal: the mask aligned
// at the top left, also when T ≠ S). Rows with no keys (S = 0) give 0.
//
// On backends that implement backend.Attentioner (for the operands'
// dtype and head sizes: see HasAttention) the op is fused: no [T, S]
// scores or probabilities are stored, the backward pass recomputes them
// from a saved logsumexp per row, and q, k and v are read through their
// strides (the head views of one projection need no copy). Elsewhere it is
// the general path: the matrix products, a masked Softmax and the product
// with v, differentiated op by op, with the same results to float32
// rounding. Mixed dtypes promote, and Int32 operands compute as Float32;
// Float16 and BFloat16 compute in float32 and round once. It panics with a
// *ShapeError when the shapes do not fit.
func ScaledDotProductAttention(q, k, v *Tensor, causal bool, scale float64) *Tensor {
	const name = "ScaledDotProductAttention"
	r := len(q.shape)
	if r < 2 || len(k.shape) != r || len(v.shape) != r {
		shapePanic(name, "are not q [..., T, D], k [..., S, D] and v [..., S, Dv] of one rank ≥ 2", q.shape, k.shape, v.shape)
	}
	if !slices.Equal(q.shape[:r-2], k.shape[:r-2]) || !slices.Equal(q.shape[:r-2], v.shape[:r-2]) {
		shapePanic(name, "differ in their leading axes", q.shape, k.shape, v.shape)
	}
	t, s, d, dv := q.shape[r-2], k.shape[r-2], q.shape[r-1], v.shape[r-1]
	if k.shape[r-1] != d {
		shapePanic(name, fmt.Sprintf("do not fit: q has D = %d, k has %d", d, k.shape[r-1]), q.shape, k.shape, v.shape)
	}
	if v.shape[r-2] != s {
		shapePanic(name, fmt.Sprintf("do not fit: k has S = %d keys, v has %d", s, v.shape[r-2]), q.shape, k.shape, v.shape)
	}
	be := sameBackend(name, q, k, v)
	dt := floatOf(promoteAll(q, k, v))
	q, k, v = q.as(dt), k.as(dt), v.as(dt)
	if scale == 0 {
		scale = 1
		if d > 0 {
			scale = 1 / math.Sqrt(float64(d))
		}
	}
	lead := q.shape[:r-2]
	at, ok := be.(backend.Attentioner)
	if !ok || prod(lead) == 0 || t == 0 || s == 0 || d == 0 || dv == 0 || !at.HasAttention(dt, d, dv) {
		return attentionComposed(q, k, v, causal, scale)
	}
	// The backend takes two batch axes: leading axes beyond two merge
	// into the first (a view where the strides allow it).
	n1, n2 := 1, 1
	switch len(lead) {
	case 0:
	case 1:
		n2 = lead[0]
	default:
		n1, n2 = prod(lead[:len(lead)-1]), lead[len(lead)-1]
	}
	q4, k4, v4 := q.Reshape(n1, n2, t, d), k.Reshape(n1, n2, s, d), v.Reshape(n1, n2, s, dv)
	ops := []*Tensor{q4, k4, v4}
	out := alloc(be, dt, []int{n1, n2, t, dv}, ops...)
	lse := alloc(be, Float32, []int{n1, n2, t}, ops...)
	if out.ok() && lse.ok() {
		at.Attention(out.strided(name), lse.strided(name), q4.strided(name), k4.strided(name), v4.strided(name), causal, float32(scale))
	}
	res := gradAttention(at, out, lse, q4, k4, v4, causal, float32(scale))
	return res.Reshape(append(slices.Clone(lead), t, dv)...)
}

// gradAttention records the fused attention out = f(q, k, v), whose
// backward runs AttentionGrad from out and the saved lse.
func gradAttention(at backend.Attentioner, out, lse, q, k, v *Tensor, causal bool, scale float32) *Tensor {
	const name = "ScaledDotProductAttention"
	ops := []*Tensor{q, k, v}
	if !anyRequires(ops...) {
		return out
	}
	be := out.st.dev.b
	return record(out, name, ops, func(g *Tensor) []*Tensor {
		g = g.as(out.DType())
		deps := []*Tensor{g, q, k, v, out, lse}
		grads := make([]*Tensor, 3)
		var dst [3]backend.Strided
		ok := true
		for i, x := range ops {
			if x.RequiresGrad() {
				grads[i] = alloc(be, x.DType(), x.shape, deps...)
				dst[i] = grads[i].strided(name)
				ok = ok && grads[i].ok()
			}
		}
		if ok {
			at.AttentionGrad(dst[0], dst[1], dst[2], q.strided(name), k.strided(name), v.strided(name),
				out.strided(name), g.strided(name), lse.strided(name), causal, scale)
		}
		return grads
	})
}

// attentionComposed is the general path of ScaledDotProductAttention:
// scores as a matrix product, masked above the diagonal when causal, a
// Softmax and the product with v; autograd differentiates each op. 16-bit
// operands compute on float32 copies, rounded once at the end.
func attentionComposed(q, k, v *Tensor, causal bool, scale float64) *Tensor {
	if dt := q.DType(); dt != Float32 {
		return attentionComposed(q.as(Float32), k.as(Float32), v.as(Float32), causal, scale).as(dt)
	}
	r := len(q.shape)
	t, s := q.shape[r-2], k.shape[r-2]
	scores := q.MatMul(k.Transpose(r-2, r-1)).MulScalar(float32(scale))
	if causal && t > 0 && s > 0 {
		keep := make([]float32, t*s)
		for i := range t {
			for j := range min(i+1, s) {
				keep[i*s+j] = 1
			}
		}
		mask := q.st.dev.fromSlice(q.sc.open(), keep, []int{t, s})
		scores = Where(mask, scores, scalarLike(scores, float32(math.Inf(-1))))
	}
	return scores.Softmax(-1).MatMul(v)
}
