package tensor

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Fused ops
//
// The functions below do in one backend launch what would otherwise take
// several, on backends that implement backend.Fused; elsewhere they run
// the equivalent composed ops. Their results match the composed forms to
// float32 rounding, and they are recorded by autograd as single nodes
// whose backward passes are fused too.

// Linear returns x·wᵀ + b over the last axis of x, the fully connected
// layer of PyTorch's nn.functional.linear: x is [..., in], w is [out, in],
// b is [out] or nil for no bias, and the result is [..., out]. It panics
// with a *ShapeError when the shapes do not fit.
func Linear(x, w, b *Tensor) *Tensor { return linear("Linear", x, w, b, false) }

// LinearReLU returns Linear(x, w, b).Relu(), with the ReLU applied in the
// same launch as the product on backends that fuse it. Its gradient is 0
// where the result is 0, as Relu's.
func LinearReLU(x, w, b *Tensor) *Tensor { return linear("LinearReLU", x, w, b, true) }

func linear(name string, x, w, b *Tensor, relu bool) *Tensor {
	if len(w.shape) != 2 || len(x.shape) == 0 || x.shape[len(x.shape)-1] != w.shape[1] {
		shapePanic(name, "are not an input [..., in] and a weight [out, in]", x.shape, w.shape)
	}
	nout, nin := w.shape[0], w.shape[1]
	if b != nil && (len(b.shape) != 1 || b.shape[0] != nout) {
		shapePanic(name, fmt.Sprintf("is not a bias [%d]", nout), b.shape)
	}
	be := sameBackend(name, x, w)
	dt := floatOf(Promote(x.DType(), w.DType()))
	if b != nil {
		sameBackend(name, x, b)
		dt = floatOf(Promote(dt, b.DType()))
		b = b.as(dt)
	}
	x, w = x.as(dt), w.as(dt)
	inputs := []*Tensor{nil, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	// The backends multiply matrices: flatten the leading axes (a view for
	// a contiguous x; Reshape records itself for autograd).
	x2 := x
	if len(x.shape) != 2 {
		x2 = x.Reshape(-1, nin)
	}
	inputs[0] = x2
	m := x2.shape[0]
	checkShape(name, []int{m, nout})
	out := alloc(be, dt, []int{m, nout}, inputs...)
	if out.ok() && out.Size() > 0 {
		os, xs := out.strided(name), x2.strided(name)
		// wᵀ as a view: no copy, and no autograd node of its own.
		ws := w.strided(name)
		ws.Shape, ws.Strides = []int{nin, nout}, []int{w.strides[1], w.strides[0]}
		var bs backend.Strided
		if b != nil {
			bs = b.strided(name)
		}
		if f, ok := be.(backend.Fused); ok && dt == Float32 && x.st.dev.MatMulPrecision() == PrecisionHighest {
			f.MatMulBias(os, xs, ws, bs, relu)
		} else {
			x.st.dev.matmul(os, xs, ws, false)
			if b != nil {
				bb := backend.Strided{Buf: bs.Buf, Offset: bs.Offset, Shape: os.Shape, Strides: []int{0, bs.Strides[0]}}
				be.Binary(backend.Add, os, os, bb)
			}
			if relu {
				be.Unary(backend.Relu, os, os, 0, 0)
			}
		}
	}
	res := gradLinear(out, x2, w, b, name, relu)
	if len(x.shape) != 2 {
		res = res.Reshape(append(slices.Clone(x.shape[:len(x.shape)-1]), nout)...)
	}
	return res
}

// gradLinear records y = x·wᵀ + b (then ReLU): dx = g·w, dw = gᵀ·x and db
// is g summed over the rows, with g first masked by y > 0 for the ReLU.
func gradLinear(out, x, w, b *Tensor, name string, relu bool) *Tensor {
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	if !anyRequires(inputs...) {
		return out
	}
	y := out.Detach()
	return record(out, name, inputs, func(g *Tensor) []*Tensor {
		if relu {
			// One launch for the mask: where y is 0 take y itself (a zero),
			// elsewhere g. Only NaN outputs differ from g·(y > 0).
			g = Where(y, g, y)
		}
		gs := make([]*Tensor, len(inputs))
		if x.RequiresGrad() {
			gs[0] = g.MatMul(w.Detach())
		}
		if w.RequiresGrad() && !addProductToGrad(name, w, g.T(), x.Detach()) {
			gs[1] = g.T().MatMul(x.Detach())
		}
		if b != nil && b.RequiresGrad() {
			gs[2] = g.Sum(0)
		}
		return gs
	})
}

// addProductToGrad adds a·b into the gradient the leaf w has accumulated
// so far, with one accumulating product, and reports whether it could (w
// is a leaf whose gradient buffer exists, as from the second training step
// on). Backward would otherwise compute a·b into a temporary and add that:
// the same sum, with one launch and one weight-sized buffer more.
func addProductToGrad(name string, w, a, b *Tensor) bool {
	gr := w.grad
	if !w.leaf || gr == nil || gr.err != nil || a.err != nil || b.err != nil || !gr.IsContiguous() {
		return false
	}
	if gr.Size() > 0 {
		gr.st.dev.matmul(gr.strided(name), a.strided(name), b.strided(name), true)
	}
	return true
}

// CrossEntropy returns the mean over the rows of −log softmax(logits) at
// each row's target class, PyTorch's cross_entropy: logits is [N, C],
// targets is [N] holding class indices under the index rule of the package
// doc (axis 1 of logits; a negative target counts from the end). It is
// computed stably (the row maximum is subtracted first); on backends with
// fused kernels the loss of each row takes one pass, and its gradient,
// (softmax(logits) − onehot(targets))·g/N, another. It panics with a
// *ShapeError when the shapes do not fit or, on the CPU, when a target is
// bad; on a GPU a bad target is the result's error (and its gradient's).
func CrossEntropy(logits, targets *Tensor) *Tensor {
	const name = "CrossEntropy"
	if len(logits.shape) != 2 || len(targets.shape) != 1 || targets.shape[0] != logits.shape[0] {
		shapePanic(name, "are not logits [N, C] and targets [N]", logits.shape, targets.shape)
	}
	n, c := logits.shape[0], logits.shape[1]
	if c == 0 && n > 0 {
		shapePanic(name, "have no classes", logits.shape, targets.shape)
	}
	be := sameBackend(name, logits, targets)
	checkIndices(name, targets, 1, c, logits.shape, targets.shape)
	targets = indexOperand(targets)
	f, ok := be.(backend.Fused)
	if ok {
		logits = logits.as(Float32) // the fused kernels take float32; the gradient converts back
	} else {
		return logits.LogSoftmax(1).Gather(1, targets.Reshape(-1, 1)).Mean().Neg()
	}
	rows := alloc(be, Float32, []int{n}, logits, targets)
	if rows.ok() && n > 0 {
		f.CrossEntropy(rows.strided(name), logits.strided(name), targets.strided(name))
	}
	loss := rows.Mean() // rows requires no gradient: nothing recorded
	if !anyRequires(logits) {
		return loss
	}
	return record(loss, name, []*Tensor{logits, targets}, func(g *Tensor) []*Tensor {
		dx := alloc(be, Float32, logits.shape, g, logits)
		if dx.ok() && n > 0 {
			// g is a scalar: every row gets it, through a zero stride.
			gs := backend.Strided{Buf: g.st.ref.buf, Offset: g.offset, Shape: []int{n}, Strides: []int{0}}
			f.CrossEntropyGrad(dx.strided(name), logits.strided(name), targets.strided(name), gs, 1/float32(n))
		}
		return []*Tensor{dx, nil}
	})
}

// SGDUpdate applies one SGD update (see backend.SGDParams) to param and its
// momentum buffer buf in place, in a single launch, from grad. buf may be
// nil when p.Momentum is 0. It returns false and changes nothing when the
// backend has no fused kernels or an operand is not contiguous, so that
// the caller can run composed ops instead; otherwise it returns true and
// the first runtime failure of the operands, in which case nothing is
// updated. Like Assign it is not recorded by autograd, and it panics with
// a *ShapeError when the shapes differ and with a *BackendError when param
// was computed by a recorded op or the operands live on different
// backends.
func SGDUpdate(param, grad, buf *Tensor, p backend.SGDParams) (bool, error) {
	const name = "SGDUpdate"
	ops := []*Tensor{param, grad}
	if p.Momentum != 0 {
		if buf == nil {
			panic(&BackendError{Op: name, Reason: "momentum without a buffer"})
		}
		ops = append(ops, buf)
	}
	f, err := fusedUpdate(name, ops)
	if f == nil || err != nil {
		return f != nil, err
	}
	bs := param.strided(name) // unused when there is no momentum
	if p.Momentum != 0 {
		bs = buf.strided(name)
	}
	if param.Size() > 0 {
		f.SGDStep(param.strided(name), grad.strided(name), bs, p)
	}
	return true, nil
}

// AdamUpdate applies one Adam or AdamW update (see backend.AdamParams) to
// param and its moment estimates m and v in place, in a single launch,
// from grad. It returns and panics as SGDUpdate.
func AdamUpdate(param, grad, m, v *Tensor, p backend.AdamParams) (bool, error) {
	const name = "AdamUpdate"
	f, err := fusedUpdate(name, []*Tensor{param, grad, m, v})
	if f == nil || err != nil {
		return f != nil, err
	}
	if param.Size() > 0 {
		f.AdamStep(param.strided(name), grad.strided(name), m.strided(name), v.strided(name), p)
	}
	return true, nil
}

// fusedUpdate checks the operands of an in-place optimizer update (ops[0]
// is the parameter) and returns the backend's fused kernels, or nil when
// there are none or an operand is not contiguous, and the first operand's
// runtime failure.
func fusedUpdate(name string, ops []*Tensor) (backend.Fused, error) {
	if ops[0].node != nil {
		panic(&BackendError{Op: name, Reason: "tensor was computed by a recorded " + ops[0].node.op + "; update a leaf"})
	}
	be := sameBackend(name, ops...)
	for _, t := range ops[1:] {
		if !slices.Equal(t.shape, ops[0].shape) {
			shapePanic(name, "differ (parameter and gradient or state)", ops[0].shape, t.shape)
		}
	}
	f, ok := be.(backend.Fused)
	if !ok {
		return nil, nil
	}
	for _, t := range ops {
		if !t.IsContiguous() || t.DType() != Float32 {
			return nil, nil
		}
	}
	for _, t := range ops {
		if t.err != nil {
			return f, t.err
		}
	}
	return f, nil
}
