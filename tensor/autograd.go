package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Autograd
//
// An op whose input requires a gradient, and whose result does not belong
// to a NoGrad scope, records a node on its result: the inputs and a closure
// that maps the gradient of the result to the gradients of the inputs.
// Backward walks the nodes from a scalar in reverse topological order and
// accumulates into the Grad of the leaves, as PyTorch does. The closures are
// written with tensor ops, so backward runs on the tensors' backend: a GPU
// graph is differentiated on the GPU, without reading anything back.
//
// The hooks below (gradUnary, gradBinary, ...) are called once at the end of
// each differentiable op; they return the op's result unchanged when nothing
// needs recording.

// node is the record of the op that computed a tensor.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(g *Tensor) []*Tensor // gradient per input; nil for "none"
}

// RequiresGrad reports whether gradients flow to t: t is a leaf marked with
// SetRequiresGrad, or was computed by a recorded op from such a tensor.
func (t *Tensor) RequiresGrad() bool { return t.leaf || t.node != nil }

// SetRequiresGrad marks t as a leaf whose gradient Backward accumulates into
// Grad (on), or clears the mark and the gradient (off), and returns t. A
// leaf that requires a gradient is a parameter: it is also kept (see Keep)
// so that a Step never releases it. SetRequiresGrad panics on a tensor
// computed by a recorded op, whose gradient is not stored; use Detach to get
// a leaf from it.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic(&BackendError{Op: "SetRequiresGrad", Reason: "tensor was computed by a recorded " + t.node.op + "; call Detach first"})
	}
	if on {
		checkGradDType("SetRequiresGrad", t)
	}
	t.leaf = on
	if on {
		Keep(t)
	} else {
		t.grad = nil
	}
	return t
}

// Grad is the gradient accumulated into the leaf t by Backward, with t's
// shape, or nil when t is not a leaf requiring a gradient or no backward
// pass has reached it yet. The gradient is kept (see Keep): a Step does not
// release it.
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad sets the accumulated gradient of t to zero, in place, so that
// training loops reuse its buffer (PyTorch's zero_grad(set_to_none=False)).
// It does nothing when t has no gradient yet.
func (t *Tensor) ZeroGrad() {
	if g := t.grad; g != nil && g.ok() {
		g.Backend().Fill(g.strided("ZeroGrad"), 0)
	}
}

// Detach returns a view of t sharing its storage that does not require a
// gradient and is not part of any recorded graph.
func (t *Tensor) Detach() *Tensor { return t.view(t.shape, t.strides, t.offset) }

// needsGrad reports whether an op on inputs, whose result belongs to sc,
// must record a node.
func needsGrad(sc *Scope, inputs ...*Tensor) bool {
	return anyRequires(inputs...) && (sc == nil || !sc.noGrad)
}

// anyRequires reports whether some input requires a gradient: the cheap
// half of needsGrad, for hooks that call record, which checks both.
func anyRequires(inputs ...*Tensor) bool {
	for _, in := range inputs {
		if in.RequiresGrad() {
			return true
		}
	}
	return false
}

// record attaches a node to out, the result of op, when any input requires
// a gradient and recording is on. backward gets the gradient of out (with
// out's shape) and returns one gradient per input, each with that input's
// shape, or nil where none flows.
func record(out *Tensor, op string, inputs []*Tensor, backward func(g *Tensor) []*Tensor) *Tensor {
	if !needsGrad(out.sc.open(), inputs...) {
		return out
	}
	if out.RequiresGrad() {
		// out is already part of the graph (an op that returned a
		// recorded tensor, e.g. Contiguous of a contiguous tensor):
		// record on a fresh view so that nothing is counted twice.
		out = out.Detach()
	}
	out.node = &node{op: op, inputs: inputs, backward: backward}
	return out
}

// Backward computes the gradient of t, which must hold a single element
// (such as a loss), with respect to every leaf it was computed from that
// requires a gradient, and adds it to that leaf's Grad, as PyTorch's
// backward. It returns t's runtime failure, if any, or the first one met
// while computing gradients.
//
// Ops record what Backward needs when an input requires a gradient and the
// result does not belong to a NoGrad scope; the gradient of a broadcast input is summed
// back to its shape. Backward runs as tensor ops on the tensors' backend,
// with nothing read back to the host. Every op of the package is
// differentiable except the comparisons (Eq, Lt, ..., and their Scalar
// forms), Sign, ArgMax, ArgMin and OneHot, whose results do not require
// gradients, and To. Where a function has a kink the conventions are
// PyTorch's: Relu and Abs pass no gradient at 0; Max and Min split it
// evenly between tied maxima (amax/amin); Maximum and Minimum split it
// evenly between equal operands; MaximumScalar and MinimumScalar pass it at
// ties (clamp); Pow's gradient in the exponent is 0 where the base is 0.
//
// The backward pass runs in a NoGrad scope nested in t's (or of its own
// when t belongs to none), released when Backward returns: the intermediate
// gradients are freed at once, the leaves' gradients are kept.
//
// Backward does not free the recorded graph: it can run again, adding the
// gradients again. It must not run concurrently with another Backward that
// reaches the same leaves. Higher-order gradients are not supported: the
// backward pass itself is not recorded.
func (t *Tensor) Backward() error {
	if t.Size() != 1 {
		return fmt.Errorf("tensor: Backward of a tensor of shape %v: needs a single element (use BackwardWith)", t.shape)
	}
	return t.backwardFrom(nil)
}

// BackwardWith is Backward with the gradient of t given (grad has t's
// shape): it computes the vector-Jacobian product of grad with t's graph.
func (t *Tensor) BackwardWith(grad *Tensor) error {
	if !slices.Equal(grad.shape, t.shape) {
		shapePanic("BackwardWith", "differ (tensor and gradient)", t.shape, grad.shape)
	}
	if t.err != nil {
		return t.err
	}
	return t.backwardFrom(grad)
}

// backwardFrom runs the reverse pass from t in a NoGrad scope nested in
// t's, seeded with grad (ones when nil).
func (t *Tensor) backwardFrom(grad *Tensor) error {
	if t.err != nil {
		return t.err
	}
	if !t.RequiresGrad() {
		return errors.New("tensor: Backward of a tensor that does not require a gradient (no input had SetRequiresGrad, or it was computed in a NoGrad scope)")
	}
	var s *Scope
	if p := t.sc.open(); p != nil {
		s = newScope(p.dev, p, true)
	} else {
		s = newScope(t.st.dev, nil, true)
	}
	defer s.Release()
	if grad == nil {
		grad = s.OnesOf(t.DType(), t.shape...)
	} else {
		grad = s.Use(grad).as(t.DType())
	}
	return backward(t, grad)
}

// backward runs the reverse pass from t with gradient seed.
func backward(t, seed *Tensor) error {
	// Order the graph so that every tensor comes after the tensors computed
	// from it: a depth-first post-order, reversed. Iterative, so deep graphs
	// (long training unrolls) do not exhaust the stack.
	var order []*Tensor
	seen := map[*Tensor]bool{t: true}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: t}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if in.RequiresGrad() && !seen[in] {
				seen[in] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	grads := map[*Tensor]*Tensor{t: seed}
	var firstErr error
	for i := len(order) - 1; i >= 0; i-- {
		u := order[i]
		g := grads[u]
		delete(grads, u) // done with it: let it be collected
		if g == nil {
			continue
		}
		if u.node == nil {
			if u.leaf {
				if err := u.accumulate(g); err != nil && firstErr == nil {
					firstErr = err
				}
			}
			continue
		}
		gs := u.node.backward(g)
		for j, in := range u.node.inputs {
			gj := gs[j]
			if gj == nil || !in.RequiresGrad() {
				continue
			}
			if !slices.Equal(gj.shape, in.shape) {
				panic(fmt.Sprintf("tensor: internal error: %s backward gave a gradient of shape %v for an input of shape %v", u.node.op, gj.shape, in.shape))
			}
			gj = gj.as(in.DType()) // gradients flow in each tensor's dtype
			if prev := grads[in]; prev != nil {
				gj = prev.Add(gj)
			}
			grads[in] = gj
		}
	}
	return firstErr
}

// accumulate adds g into the leaf's gradient, in place once it exists so
// that its buffer is reused from step to step.
func (t *Tensor) accumulate(g *Tensor) error {
	if g.err != nil {
		if t.grad == nil {
			t.grad = g
		}
		return g.err
	}
	if t.grad == nil || t.grad.err != nil {
		t.grad = g.Clone()
		Keep(t.grad)
		return t.grad.err
	}
	dst := t.grad.strided("Backward")
	t.grad.Backend().Binary(backend.Add, dst, dst, g.strided("Backward"))
	return nil
}

// sumTo sums g over the axes along which a tensor of shape was broadcast to
// g's shape, returning a gradient of that shape.
func sumTo(g *Tensor, shape []int) *Tensor {
	if slices.Equal(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var axes []int
	for i, d := range g.shape {
		if i < lead || (shape[i-lead] == 1 && d != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) > 0 {
		g = g.SumKeepDims(axes...)
	}
	return g.Reshape(shape...)
}

// one returns a one-element result list, for single-input backward closures.
func one(g *Tensor) []*Tensor { return []*Tensor{g} }

// gradUnary records the elementwise op out = op(x). Comparisons and Sign are
// piecewise constant: their results do not require gradients. Floor, Ceil,
// Round and Trunc are piecewise constant too but record a zero gradient, as
// PyTorch does, so that code ported from it finds a gradient (of zeros) on
// the inputs rather than none.
func gradUnary(out, x *Tensor, name string, op backend.UnaryOp, alpha float32) *Tensor {
	if !anyRequires(x) {
		return out
	}
	var f func(g *Tensor) *Tensor
	switch op {
	case backend.Neg:
		f = func(g *Tensor) *Tensor { return g.Neg() }
	case backend.Abs:
		f = func(g *Tensor) *Tensor { return g.Mul(x.Sign()) } // 0 at 0, as PyTorch
	case backend.Exp:
		f = func(g *Tensor) *Tensor { return g.Mul(out) }
	case backend.Log:
		f = func(g *Tensor) *Tensor { return g.Div(x) }
	case backend.Sqrt:
		f = func(g *Tensor) *Tensor { return g.Div(out.MulScalar(2)) }
	case backend.Rsqrt: // d x^-½ = -½ x^-3/2 = -½ y³
		f = func(g *Tensor) *Tensor { return g.Mul(out.Square().Mul(out)).MulScalar(-0.5) }
	case backend.Tanh:
		f = func(g *Tensor) *Tensor { return g.Mul(out.Square().RSubScalar(1)) }
	case backend.Sigmoid:
		f = func(g *Tensor) *Tensor { return g.Mul(out.Mul(out.RSubScalar(1))) }
	case backend.Relu:
		f = func(g *Tensor) *Tensor { return g.Mul(x.GtScalar(0)) } // 0 at 0, as PyTorch
	case backend.Gelu:
		f = func(g *Tensor) *Tensor {
			if ag, ok := g.Backend().(backend.ActivationGrads); ok && g.DType() == Float32 && x.DType() == Float32 {
				dx := alloc(g.Backend(), Float32, x.shape, g, x, out)
				if dx.ok() && dx.Size() > 0 {
					ag.GeluGrad(dx.strided(name), x.strided(name), out.strided(name), g.strided(name))
				}
				return dx
			}
			return g.Mul(geluGrad(x, out))
		}
	case backend.AffineS:
		f = func(g *Tensor) *Tensor { return g.MulScalar(alpha) }
	case backend.RsubS:
		f = func(g *Tensor) *Tensor { return g.Neg() }
	case backend.RdivS: // d a/x = -a/x² = -y/x
		f = func(g *Tensor) *Tensor { return g.Mul(out.Div(x)).Neg() }
	case backend.PowS:
		if alpha == 0 {
			f = func(g *Tensor) *Tensor { return zerosFor(g, x) }
		} else {
			f = func(g *Tensor) *Tensor { return g.Mul(x.PowScalar(alpha - 1).MulScalar(alpha)) }
		}
	case backend.MaxS: // as PyTorch's clamp_min: the gradient passes at ties
		f = func(g *Tensor) *Tensor { return g.Mul(x.GeScalar(alpha)) }
	case backend.MinS:
		f = func(g *Tensor) *Tensor { return g.Mul(x.LeScalar(alpha)) }
	case backend.Square:
		f = func(g *Tensor) *Tensor { return g.Mul(x.MulScalar(2)) }
	case backend.Recip: // d 1/x = -y²
		f = func(g *Tensor) *Tensor { return g.Mul(out.Square()).Neg() }
	case backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
		f = func(g *Tensor) *Tensor { return zerosFor(g, x) }
	case backend.Sin:
		f = func(g *Tensor) *Tensor { return g.Mul(x.Cos()) }
	case backend.Cos:
		f = func(g *Tensor) *Tensor { return g.Mul(x.Sin()).Neg() }
	case backend.Erf: // 2/√π e^(−x²)
		f = func(g *Tensor) *Tensor {
			return g.Mul(x.Square().Neg().Exp().MulScalar(float32(2 / math.Sqrt(math.Pi))))
		}
	default:
		return out
	}
	return record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor { return one(f(g)) })
}

// geluGrad is d/dx x·Φ(x) = Φ(x) + x·φ(x). No op gives Φ directly, but the
// forward result does: Φ(x) = gelu(x)/x, exact to rounding, with Φ(0) = ½.
func geluGrad(x, y *Tensor) *Tensor {
	cdf := Where(x.EqScalar(0), scalarLike(x, 0.5), y.Div(x))
	pdf := x.Square().MulScalar(-0.5).Exp().MulScalar(float32(1 / math.Sqrt(2*math.Pi)))
	return cdf.Add(x.Mul(pdf))
}

// gradBinary records out = op(t, u) with broadcasting: each gradient is
// summed back to its input's shape.
func gradBinary(out, t, u *Tensor, name string, op backend.BinaryOp) *Tensor {
	if !anyRequires(t, u) {
		return out
	}
	var f func(g *Tensor) (gt, gu *Tensor)
	switch op {
	case backend.Add:
		f = func(g *Tensor) (*Tensor, *Tensor) { return g, g }
	case backend.Sub:
		f = func(g *Tensor) (*Tensor, *Tensor) { return g, g.Neg() }
	case backend.Mul:
		f = func(g *Tensor) (*Tensor, *Tensor) { return g.Mul(u), g.Mul(t) }
	case backend.Div: // d(t/u)/du = -t/u² = -y/u
		f = func(g *Tensor) (*Tensor, *Tensor) { gt := g.Div(u); return gt, gt.Mul(out).Neg() }
	case backend.Pow:
		f = func(g *Tensor) (*Tensor, *Tensor) {
			var gt, gu *Tensor
			if t.RequiresGrad() {
				gt = g.Mul(u).Mul(t.Pow(u.SubScalar(1)))
			}
			if u.RequiresGrad() {
				// y·ln t, defined as 0 where t = 0 and u ≥ 0 (the limit
				// PyTorch takes), so that 0^u with u > 0 has no NaN.
				zero := scalarLike(g, 0)
				gu = Where(t.EqScalar(0).Mul(u.GeScalar(0)), zero, g.Mul(out).Mul(t.Log()))
			}
			return gt, gu
		}
	case backend.Maximum, backend.Minimum:
		// As PyTorch: the gradient goes to the larger (smaller) operand and
		// is split evenly at ties.
		f = func(g *Tensor) (*Tensor, *Tensor) {
			win := t.Gt(u)
			if op == backend.Minimum {
				win = t.Lt(u)
			}
			tie := t.Eq(u).MulScalar(0.5)
			wt := win.Add(tie)
			return g.Mul(wt), g.Mul(wt.RSubScalar(1))
		}
	default:
		return out
	}
	return record(out, name, []*Tensor{t, u}, func(g *Tensor) []*Tensor {
		gt, gu := f(g)
		return []*Tensor{sumToIf(gt, t), sumToIf(gu, u)}
	})
}

// sumToIf is sumTo(g, in.shape) when in requires a gradient and g is not nil.
func sumToIf(g, in *Tensor) *Tensor {
	if g == nil || !in.RequiresGrad() {
		return nil
	}
	return sumTo(g, in.shape)
}

// gradWhere records out = Where(cond, a, b); cond gets no gradient.
func gradWhere(out, cond, a, b *Tensor) *Tensor {
	if !anyRequires(a, b) {
		return out
	}
	return record(out, "Where", []*Tensor{cond, a, b}, func(g *Tensor) []*Tensor {
		zero := scalarLike(g, 0)
		var ga, gb *Tensor
		if a.RequiresGrad() {
			ga = sumTo(Where(cond, g, zero), a.shape)
		}
		if b.RequiresGrad() {
			gb = sumTo(Where(cond, zero, g), b.shape)
		}
		return []*Tensor{nil, ga, gb}
	})
}

// gradReshape records a view of x with another shape and the same elements
// (Reshape, Squeeze, Unsqueeze).
func gradReshape(out, x *Tensor, name string) *Tensor {
	return record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor { return one(g.Reshape(x.shape...)) })
}

// gradPermute records out = x.Permute(axes...).
func gradPermute(out, x *Tensor, axes []int) *Tensor {
	if !anyRequires(x) {
		return out
	}
	inv := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += len(axes)
		}
		inv[a] = i
	}
	return record(out, "Permute", []*Tensor{x}, func(g *Tensor) []*Tensor { return one(g.Permute(inv...)) })
}

// gradScatterView records out, a view picking some elements of x (Slice,
// Index): the gradient is zero except in the same view of a zero tensor,
// which receives g.
func gradScatterView(out, x *Tensor, name string, sameView func(z *Tensor) *Tensor) *Tensor {
	return record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
		z := zerosFor(g, x)
		if z.ok() && g.Size() > 0 {
			z.Backend().Copy(sameView(z).strided(name), g.strided(name))
		}
		if g.err != nil {
			z.err = g.err
		}
		return one(z)
	})
}

// gradBroadcast records out = x broadcast to a larger shape.
func gradBroadcast(out, x *Tensor) *Tensor {
	return record(out, "BroadcastTo", []*Tensor{x}, func(g *Tensor) []*Tensor { return one(sumTo(g, x.shape)) })
}

// gradIdentity records an op whose result equals its input (Clone).
func gradIdentity(out, x *Tensor, name string) *Tensor {
	return record(out, name, []*Tensor{x}, one)
}

// gradMatMul records out = t·u, where a and b are t and u with the 1-D
// promotion applied (views) and batch is the broadcast batch shape.
func gradMatMul(out, t, u, a, b *Tensor, batch []int) *Tensor {
	if !anyRequires(t, u) {
		return out
	}
	m, n := a.shape[len(a.shape)-2], b.shape[len(b.shape)-1]
	full := append(slices.Clone(batch), m, n)
	return record(out, "MatMul", []*Tensor{t, u}, func(g *Tensor) []*Tensor {
		g = g.Reshape(full...)
		var gt, gu *Tensor
		if t.RequiresGrad() { // dA = G·Bᵀ, summed over broadcast batch axes
			gt = sumTo(g.MatMul(b.Transpose(-1, -2)), a.shape).Reshape(t.shape...)
		}
		if u.RequiresGrad() { // dB = Aᵀ·G
			gu = sumTo(a.Transpose(-1, -2).MatMul(g), b.shape).Reshape(u.shape...)
		}
		return []*Tensor{gt, gu}
	})
}

// gradReduce records out = reduction of x over the axes marked in red;
// kept is out's shape with those axes kept as size 1. Max and Min send the
// gradient to the positions equal to the result, split evenly between ties
// (PyTorch's amax/amin convention). ArgMax and ArgMin are not
// differentiable.
func gradReduce(out, x *Tensor, name string, op backend.ReduceOp, red []bool, kept []int) *Tensor {
	if op == backend.ArgMax || op == backend.ArgMin || !anyRequires(x) {
		return out
	}
	var axes []int
	count := 1
	for i, r := range red {
		if r {
			axes = append(axes, i)
			count *= x.shape[i]
		}
	}
	return record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
		g = g.Reshape(kept...)
		switch op {
		case backend.Sum:
			return one(g.BroadcastTo(x.shape...))
		case backend.Mean:
			return one(g.DivScalar(float32(count)).BroadcastTo(x.shape...))
		default: // Max, Min
			hit := x.Eq(out.Reshape(kept...))
			return one(hit.Mul(g.Div(hit.SumKeepDims(axes...))))
		}
	})
}

// gradSoftmax records out = (log-)softmax of x along axis ax.
func gradSoftmax(out, x *Tensor, name string, ax int, log bool) *Tensor {
	return record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
		if log { // dx = g − softmax·Σg
			return one(g.Sub(out.Exp().Mul(g.SumKeepDims(ax))))
		}
		// dx = y·(g − Σ g·y)
		return one(out.Mul(g.Sub(g.Mul(out).SumKeepDims(ax))))
	})
}

// gradConcat records out = Concat(ax, ts...): each input gets its band of g.
func gradConcat(out *Tensor, ax int, ts []*Tensor) *Tensor {
	return record(out, "Concat", slices.Clone(ts), func(g *Tensor) []*Tensor {
		gs := make([]*Tensor, len(ts))
		at := 0
		for i, t := range ts {
			gs[i] = g.Narrow(ax, at, t.shape[ax])
			at += t.shape[ax]
		}
		return gs
	})
}

// gradGather records out = x.Gather(ax, idx); the gradient scatters g back
// with the backend's ScatterAdd (repeated indices add up). idx gets none.
func gradGather(out, x, idx *Tensor, ax int) *Tensor {
	return record(out, "Gather", []*Tensor{x, idx}, func(g *Tensor) []*Tensor {
		z := zerosFor(g, x)
		if g.err != nil {
			z.err = g.err
		}
		if z.ok() && g.Size() > 0 {
			dst := z
			for d := range x.shape {
				if d != ax {
					dst = dst.Narrow(d, 0, idx.shape[d])
				}
			}
			z.Backend().ScatterAdd(dst.strided("Gather"), g.strided("Gather"), idx.strided("Gather"), ax)
		}
		return []*Tensor{z, nil}
	})
}

// Assign copies src, broadcast to t's shape, into t's storage in place and
// returns nil, or src's runtime failure (leaving t unchanged). It breaks the
// rule that tensors are immutable, for one purpose: updating parameters and
// optimizer state without allocating (package nn's optimizers use it), so
// that their buffers, and what Step keeps, stay the same from step to step.
// Every view sharing t's storage sees the new values.
//
// Assign is not recorded by autograd: t keeps its role (a leaf stays a
// leaf, its Grad is untouched), and a graph recorded before the Assign that
// used t still refers to t's storage, so its Backward would see the new
// values. Assign between a forward pass and its Backward therefore gives
// wrong gradients. It panics with a *ShapeError when src does not
// broadcast to t's shape or t is a broadcast view (whose elements overlap),
// and with a *BackendError when t was computed by a recorded op or the two
// live on different backends.
func (t *Tensor) Assign(src *Tensor) error {
	const name = "Assign"
	if t.node != nil {
		panic(&BackendError{Op: name, Reason: "tensor was computed by a recorded " + t.node.op + "; assign to a leaf"})
	}
	b := sameBackend(name, t, src)
	for i, s := range t.strides {
		if s == 0 && t.shape[i] > 1 {
			shapePanic(name, fmt.Sprintf("is a broadcast view (axis %d has stride 0): its elements overlap", i), t.shape)
		}
	}
	sv := src.Detach().broadcastView(name, t.shape)
	if t.err != nil {
		return t.err
	}
	if src.err != nil {
		return src.err
	}
	if t.Size() == 0 {
		return nil
	}
	if sv.st == t.st && (sv.offset != t.offset || !slices.Equal(sv.strides, t.strides)) {
		// src overlaps t differently (t.Assign(t.T())): copy it out first.
		sv = sv.Detach().Clone()
	}
	b.Copy(t.strided(name), sv.strided(name))
	return nil
}

// Function records out as the result of a differentiable op defined
// outside this package (such as the decompositions of package linalg) and
// returns it, or a view of it that carries the record. backward receives
// the gradient of out, with out's shape, and returns one gradient per
// input, each with that input's shape, or nil where none flows; it is
// written with tensor ops, as the package's own ops are. When no input
// requires a gradient, or recording is off, Function returns out unchanged.
func Function(name string, out *Tensor, inputs []*Tensor, backward func(grad *Tensor) []*Tensor) *Tensor {
	return record(out, name, slices.Clone(inputs), backward)
}
