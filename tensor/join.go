package tensor

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// Concat joins tensors along axis. They must have the same rank and the
// same size on every other axis, and the result must not be too large for a
// tensor (see checkShape); otherwise Concat panics with a *ShapeError.
func Concat(axis int, ts ...*Tensor) *Tensor {
	const name = "Concat"
	if len(ts) == 0 {
		shapePanic(name, "needs at least one tensor")
	}
	first := ts[0]
	ax := first.axis(name, axis)
	shape := slices.Clone(first.shape)
	shape[ax] = 0
	for i, t := range ts {
		if len(t.shape) != len(first.shape) {
			shapePanic(name, fmt.Sprintf("differ in rank (tensor %d)", i), first.shape, t.shape)
		}
		for d := range t.shape {
			if d != ax && t.shape[d] != first.shape[d] {
				shapePanic(name, fmt.Sprintf("differ on axis %d (tensor %d): %d vs %d", d, i, first.shape[d], t.shape[d]), first.shape, t.shape)
			}
		}
		if t.shape[ax] > maxSize-shape[ax] {
			shapePanic(name, fmt.Sprintf("would have more than %d elements on axis %d (tensor %d)", maxSize, ax, i), first.shape, t.shape)
		}
		shape[ax] += t.shape[ax]
	}
	checkShape(name, shape)
	b := sameBackend(name, ts...)
	dt := promoteAll(ts...)
	ts = slices.Clone(ts)
	for i, t := range ts {
		ts[i] = t.as(dt)
	}
	out := alloc(b, dt, shape, ts...)
	if !out.ok() {
		return out
	}
	at := 0
	for _, t := range ts {
		if n := t.shape[ax]; n > 0 && t.Size() > 0 {
			b.Copy(out.Narrow(ax, at, n).strided(name), t.strided(name))
		}
		at += t.shape[ax]
	}
	return gradConcat(out, ax, ts)
}

// Stack joins tensors of one shape along a new axis placed at position axis
// of the result.
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		shapePanic("Stack", "needs at least one tensor")
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			shapePanic("Stack", fmt.Sprintf("differ (tensor %d)", i), ts[0].shape, t.shape)
		}
		us[i] = t.Unsqueeze(axis)
	}
	ax := normAxis("Stack", axis, len(ts[0].shape)+1, ts[0].shape)
	checkShape("Stack", slices.Insert(slices.Clone(ts[0].shape), ax, len(ts))) // the result's shape
	return Concat(ax, us...)
}

// checkIndices panics with a *ShapeError unless every element of idx is an
// index for axis (of n elements) under the index rule of the package doc:
// an integer in [−n, n). An axis of size 0 has no valid index on any
// backend. Otherwise the values are read only where they are on the host
// already (the CPU backend): a GPU backend checks them on the device, and
// the op's result carries a *backend.IndexError instead.
func checkIndices(op string, idx *Tensor, axis, n int, shapes ...[]int) {
	if n == 0 && idx.Size() > 0 {
		shapePanic(op, fmt.Sprintf("index into axis %d of size 0", axis), shapes...)
	}
	if idx.err != nil || idx.Backend().Name() != "cpu" {
		return
	}
	if idx.DType() == Int32 {
		vals, err := idx.Int32s()
		if err != nil {
			return
		}
		for i, v := range vals {
			if p := backend.IndexProblem(float64(v), n); p != "" {
				shapePanic(op, fmt.Sprintf("index %s for axis %d of size %d (element %d)", p, axis, n, i))
			}
		}
		return
	}
	vals, err := idx.Data()
	if err != nil {
		return
	}
	for i, v := range vals {
		if p := backend.IndexProblem(float64(v), n); p != "" {
			shapePanic(op, fmt.Sprintf("index %s for axis %d of size %d (element %d)", p, axis, n, i))
		}
	}
}

// indexOperand returns idx as the backends take indices: Int32 and
// Float32 as they are, a 16-bit float widened to Float32 (exactly).
func indexOperand(idx *Tensor) *Tensor {
	if idx.DType() == Int32 {
		return idx
	}
	return idx.as(Float32)
}

// Gather returns out with out[..., i, ...] = t[..., idx[..., i, ...], ...]
// along axis, as PyTorch's gather: idx has t's rank and, on every other
// axis, at most t's size; the result has idx's shape. Indices follow the
// index rule of the package doc (negative ones count from the end).
func (t *Tensor) Gather(axis int, idx *Tensor) *Tensor {
	return t.gather("Gather", axis, idx, true)
}

// gather is Gather reporting as op; check is false when the caller has
// checked the indices already.
func (t *Tensor) gather(name string, axis int, idx *Tensor, check bool) *Tensor {
	ax := t.axis(name, axis)
	if len(idx.shape) != len(t.shape) {
		shapePanic(name, "differ in rank", t.shape, idx.shape)
	}
	src := t
	for d := range t.shape {
		if d == ax {
			continue
		}
		if idx.shape[d] > t.shape[d] {
			shapePanic(name, fmt.Sprintf("index is larger on axis %d", d), t.shape, idx.shape)
		}
		src = src.Narrow(d, 0, idx.shape[d])
	}
	if check {
		checkIndices(name, idx, ax, t.shape[ax], t.shape, idx.shape)
	}
	b := sameBackend(name, t, idx)
	idx = indexOperand(idx)
	out := alloc(b, t.DType(), idx.shape, t, idx)
	if out.ok() && out.Size() > 0 {
		b.Gather(out.strided(name), src.strided(name), idx.strided(name), ax)
	}
	return gradGather(out, t, idx, ax)
}

// IndexSelect returns the entries of t at the positions idx (a 1-D tensor
// of Int32 or float integers) along axis, as NumPy's take: the result has t's shape
// with that axis replaced by len(idx). Indices follow the index rule of the
// package doc (negative ones count from the end).
func (t *Tensor) IndexSelect(axis int, idx *Tensor) *Tensor {
	const name = "IndexSelect"
	ax := t.axis(name, axis)
	if len(idx.shape) != 1 {
		shapePanic(name, "index is not 1-D", t.shape, idx.shape)
	}
	shape := slices.Clone(t.shape)
	shape[ax] = idx.shape[0]
	// Stand the index along axis and repeat it over the others (a view).
	along := make([]int, len(shape))
	for i := range along {
		along[i] = 1
	}
	along[ax] = idx.shape[0]
	checkIndices(name, idx, ax, t.shape[ax], t.shape, idx.shape) // once, on the 1-D index
	return t.gather(name, ax, idx.Reshape(along...).broadcastView(name, shape), false)
}

// OneHot returns a tensor with a new last axis of size n that is 1 at the
// position each element of t (an Int32 or float class index) names and 0
// elsewhere. Indices follow the index rule of the package doc: a negative
// one counts from the end, and one outside [−n, n) or not an integer is an
// error (a *ShapeError panic on the CPU, the result's error on a GPU, where
// the device checks it and reports it as ScatterAdd's).
func (t *Tensor) OneHot(n int) *Tensor {
	const name = "OneHot"
	if n < 0 {
		shapePanic(name, fmt.Sprintf("class count %d is negative", n), t.shape)
	}
	shape := append(slices.Clone(t.shape), n)
	ax := len(shape) - 1
	checkIndices(name, t, ax, n, t.shape)
	b := t.Backend()
	t = indexOperand(t)
	out := alloc(b, Float32, shape, t)
	if !out.ok() || out.Size() == 0 {
		return out
	}
	b.Fill(out.strided(name), 0)
	one := alloc(b, Float32, nil, t)
	if !one.ok() {
		out.err = one.err
		return out
	}
	b.Fill(one.strided(name), 1)
	// scatter a broadcast 1 to each index's position along the new axis
	idx := t.Unsqueeze(-1)
	b.ScatterAdd(out.strided(name), one.broadcastView(name, idx.shape).strided(name), idx.strided(name), ax)
	return out
}
