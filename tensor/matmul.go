package tensor

import (
	"fmt"
	"slices"
)

// MatMul returns the matrix product t·u with NumPy's matmul semantics:
//
//   - two matrices [M, K]·[K, N] give [M, N];
//   - a 1-D first operand is a row vector (a 1 is prepended to its shape and
//     removed from the result), a 1-D second operand a column vector (a 1
//     is appended and removed), so two vectors give their dot product as a
//     0-d tensor;
//   - operands of rank above 2 are stacks of matrices indexed by the leading
//     axes, which broadcast against each other.
//
// Transposed and sliced operands are used through their strides, without a
// copy. It panics with a *ShapeError when the inner dimensions differ, the
// batch axes do not broadcast, or an operand is 0-d.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	const name = "MatMul"
	if len(t.shape) == 0 || len(u.shape) == 0 {
		shapePanic(name, "include a 0-d operand", t.shape, u.shape)
	}
	a, b := t, u
	if len(a.shape) == 1 {
		a = a.Unsqueeze(0)
	}
	if len(b.shape) == 1 {
		b = b.Unsqueeze(1)
	}
	ra, rb := len(a.shape), len(b.shape)
	m, k, k2, n := a.shape[ra-2], a.shape[ra-1], b.shape[rb-2], b.shape[rb-1]
	if k != k2 {
		shapePanic(name, fmt.Sprintf("do not match: the first has %d columns (axis -1), the second %d rows (axis -2)", t.shape[len(t.shape)-1], b.shape[rb-2]), t.shape, u.shape)
	}
	batch, err := BroadcastShapes(name, a.shape[:ra-2], b.shape[:rb-2])
	if err != nil {
		e := err.(*ShapeError)
		e.Shapes = [][]int{t.shape, u.shape}
		e.Reason = "have batch axes that " + e.Reason
		panic(e)
	}
	be := sameBackend(name, t, u)
	full := append(slices.Clone(batch), m, n)
	checkShape(name, full)
	if dt := floatOf(Promote(t.DType(), u.DType())); t.DType() != dt || u.DType() != dt {
		return t.as(dt).MatMul(u.as(dt))
	}
	out := alloc(be, t.DType(), full, t, u)
	if out.ok() && out.Size() > 0 {
		av := a.broadcastView(name, append(slices.Clone(batch), m, k))
		bv := b.broadcastView(name, append(slices.Clone(batch), k, n))
		t.st.dev.matmul(out.strided(name), av.strided(name), bv.strided(name), false)
	}
	// Drop the axes the 1-D promotion added.
	shape := slices.Clone(batch)
	if len(t.shape) > 1 {
		shape = append(shape, m)
	}
	if len(u.shape) > 1 {
		shape = append(shape, n)
	}
	return gradMatMul(out.view(shape, contiguousStrides(shape), 0), t, u, a, b, batch)
}
