package tensor

import (
	"fmt"
	"slices"
)

// axis resolves a possibly negative axis of t, panicking with a *ShapeError
// when it is out of range.
func (t *Tensor) axis(op string, axis int) int {
	return normAxis(op, axis, len(t.shape), t.shape)
}

// normAxis resolves axis against rank r (negative counts from the end).
func normAxis(op string, axis, r int, shape []int) int {
	if axis < -r || axis >= r {
		shapePanic(op, fmt.Sprintf("has no axis %d", axis), shape)
	}
	if axis < 0 {
		axis += r
	}
	return axis
}

// Reshape returns t with a new shape holding the same elements in the same
// row-major order. One dimension may be -1: it is inferred. The result is a
// view when t's strides allow it and a copy otherwise.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	infer := -1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			shapePanic("Reshape", fmt.Sprintf("cannot be reshaped to %v: bad dimension %d", shape, d), t.shape)
		}
	}
	size := t.Size()
	if infer >= 0 {
		shape[infer] = 1
	}
	if overflowAxis(shape) >= 0 {
		if infer >= 0 {
			shape[infer] = -1
		}
		shapePanic("Reshape", fmt.Sprintf("cannot be reshaped to %v: more than %d elements", shape, maxSize), t.shape)
	}
	if infer >= 0 {
		known := prod(shape)
		if known == 0 || size%known != 0 {
			shape[infer] = -1
			shapePanic("Reshape", fmt.Sprintf("cannot be reshaped to %v: %d elements do not divide", shape, size), t.shape)
		}
		shape[infer] = size / known
	} else if known := prod(shape); known != size {
		shapePanic("Reshape", fmt.Sprintf("cannot be reshaped to %v: %d elements vs %d", shape, size, known), t.shape)
	}
	if st, ok := viewStrides(t.shape, t.strides, shape); ok {
		return gradReshape(t.view(shape, st, t.offset), t, "Reshape")
	}
	// A row-major copy can always be viewed with the new shape.
	c := t.Contiguous()
	return gradReshape(c.view(shape, contiguousStrides(shape), c.offset), c, "Reshape")
}

// viewStrides returns strides that make newShape a view of the elements of
// (shape, strides) in row-major order, or false when no strides do (the old
// axes merged into one new axis are not laid out contiguously).
func viewStrides(shape, strides, newShape []int) ([]int, bool) {
	if prod(shape) == 0 {
		return contiguousStrides(newShape), true
	}
	var os, ost []int
	for i, d := range shape {
		if d != 1 {
			os, ost = append(os, d), append(ost, strides[i])
		}
	}
	ns := make([]int, len(newShape))
	oi, ni := 0, 0
	for ni < len(newShape) {
		if newShape[ni] == 1 {
			ns[ni] = 0 // any stride serves an axis of size 1
			ni++
			continue
		}
		if oi >= len(os) {
			return nil, false
		}
		// Grow a group of old and new axes until their products agree.
		op, np := os[oi], newShape[ni]
		oj, nj := oi+1, ni+1
		for op != np {
			if op < np {
				if oj >= len(os) {
					return nil, false
				}
				op *= os[oj]
				oj++
			} else {
				if nj >= len(newShape) {
					return nil, false
				}
				np *= newShape[nj]
				nj++
			}
		}
		for k := oi; k < oj-1; k++ {
			if ost[k] != ost[k+1]*os[k+1] {
				return nil, false
			}
		}
		s := ost[oj-1]
		for k := nj - 1; k >= ni; k-- {
			ns[k] = s
			s *= newShape[k]
		}
		oi, ni = oj, nj
	}
	return ns, oi == len(os)
}

// Flatten returns t as a 1-D tensor (a view when possible).
func (t *Tensor) Flatten() *Tensor { return t.Reshape(-1) }

// Permute returns a view of t with its axes reordered: axis i of the result
// is axis axes[i] of t.
func (t *Tensor) Permute(axes ...int) *Tensor {
	r := len(t.shape)
	if len(axes) != r {
		shapePanic("Permute", fmt.Sprintf("needs %d axes, got %v", r, axes), t.shape)
	}
	seen := make([]bool, r)
	shape, strides := make([]int, r), make([]int, r)
	for i, a := range axes {
		a = t.axis("Permute", a)
		if seen[a] {
			shapePanic("Permute", fmt.Sprintf("axis %d repeated in %v", a, axes), t.shape)
		}
		seen[a] = true
		shape[i], strides[i] = t.shape[a], t.strides[a]
	}
	return gradPermute(t.view(shape, strides, t.offset), t, axes)
}

// Transpose returns a view of t with axes a0 and a1 swapped.
func (t *Tensor) Transpose(a0, a1 int) *Tensor {
	axes := make([]int, len(t.shape))
	for i := range axes {
		axes[i] = i
	}
	a0, a1 = t.axis("Transpose", a0), t.axis("Transpose", a1)
	axes[a0], axes[a1] = a1, a0
	return t.Permute(axes...)
}

// T returns a view of t with its axes reversed, as NumPy's T: the
// transpose of a matrix.
func (t *Tensor) T() *Tensor {
	axes := make([]int, len(t.shape))
	for i := range axes {
		axes[i] = len(axes) - 1 - i
	}
	return t.Permute(axes...)
}

// Slice returns a view of the elements start, start+step, ... below stop
// along axis, with Python's slice rules: negative start and stop count from
// the end, and both are clamped to the axis. step must be positive.
func (t *Tensor) Slice(axis, start, stop, step int) *Tensor {
	ax := t.axis("Slice", axis)
	if step <= 0 {
		shapePanic("Slice", fmt.Sprintf("step %d on axis %d is not positive", step, axis), t.shape)
	}
	n := t.shape[ax]
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	start, stop = clamp(start), clamp(stop)
	count := 0
	if stop > start {
		count = (stop-start-1)/step + 1 // not (stop-start+step-1)/step, which overflows for a huge step
	}
	shape, strides := slices.Clone(t.shape), slices.Clone(t.strides)
	shape[ax] = count
	if count > 1 { // then step < n, and stride·step stays inside the buffer
		strides[ax] *= step
	}
	off := t.offset
	if prod(shape) > 0 { // an empty view keeps an offset inside the buffer
		off += start * t.strides[ax]
	}
	return gradScatterView(t.view(shape, strides, off), t, "Slice", func(z *Tensor) *Tensor { return z.Slice(ax, start, stop, step) })
}

// Narrow returns a view of length elements of axis starting at start; unlike
// Slice it panics when the range does not lie within the axis.
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	ax := t.axis("Narrow", axis)
	if start < 0 || length < 0 || start > t.shape[ax]-length {
		end := fmt.Sprint(start + length)
		if length > 0 && start+length < start { // wrapped around
			end = fmt.Sprintf("%d+%d", start, length)
		}
		shapePanic("Narrow", fmt.Sprintf("range [%d, %s) is outside axis %d of size %d", start, end, axis, t.shape[ax]), t.shape)
	}
	return t.Slice(ax, start, start+length, 1)
}

// Index returns the view of t at position i of axis, without that axis
// (negative i counts from the end).
func (t *Tensor) Index(axis, i int) *Tensor {
	ax := t.axis("Index", axis)
	n := t.shape[ax]
	if i < -n || i >= n {
		shapePanic("Index", fmt.Sprintf("index %d is out of range for axis %d of size %d", i, axis, n), t.shape)
	}
	if i < 0 {
		i += n
	}
	shape := slices.Delete(slices.Clone(t.shape), ax, ax+1)
	strides := slices.Delete(slices.Clone(t.strides), ax, ax+1)
	off := t.offset
	if prod(shape) > 0 { // an empty view keeps an offset inside the buffer
		off += i * t.strides[ax]
	}
	return gradScatterView(t.view(shape, strides, off), t, "Index", func(z *Tensor) *Tensor { return z.Index(ax, i) })
}

// BroadcastTo returns a view of t with the given shape, following NumPy's
// broadcasting rule: axes are matched from the end, an axis of size 1 is
// repeated (stride 0), and missing leading axes are added. It panics with
// a *ShapeError when t does not broadcast to shape.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor {
	return gradBroadcast(t.broadcastView("BroadcastTo", shape), t)
}

// Expand is BroadcastTo where a dimension of -1 keeps t's size on that
// axis, as PyTorch's expand.
func (t *Tensor) Expand(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	off := len(shape) - len(t.shape)
	for i, d := range shape {
		if d == -1 && i >= off {
			shape[i] = t.shape[i-off]
		}
	}
	return t.BroadcastTo(shape...)
}

// broadcastView returns t viewed with shape, by zero strides.
func (t *Tensor) broadcastView(op string, shape []int) *Tensor {
	checkShape(op, shape)
	r := len(shape)
	if len(t.shape) > r {
		shapePanic(op, fmt.Sprintf("cannot be broadcast to %v: more axes", shape), t.shape)
	}
	strides := make([]int, r)
	off := r - len(t.shape)
	for i := off; i < r; i++ {
		d := t.shape[i-off]
		switch {
		case d == shape[i]:
			strides[i] = t.strides[i-off]
		case d == 1:
			strides[i] = 0
		default:
			shapePanic(op, fmt.Sprintf("cannot be broadcast to %v: axis %d is %d vs %d", shape, i-r, d, shape[i]), t.shape)
		}
	}
	return t.view(slices.Clone(shape), strides, t.offset)
}

// Squeeze returns a view of t without the given axes, which must have size
// 1; with no axes it drops every axis of size 1.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	drop := make([]bool, len(t.shape))
	if len(axes) == 0 {
		for i, d := range t.shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		a = t.axis("Squeeze", a)
		if t.shape[a] != 1 {
			shapePanic("Squeeze", fmt.Sprintf("axis %d has size %d, not 1", a, t.shape[a]), t.shape)
		}
		drop[a] = true
	}
	var shape, strides []int
	for i := range t.shape {
		if !drop[i] {
			shape, strides = append(shape, t.shape[i]), append(strides, t.strides[i])
		}
	}
	return gradReshape(t.view(shape, strides, t.offset), t, "Squeeze")
}

// Unsqueeze returns a view of t with a new axis of size 1 at position axis
// of the result (negative counts from the end of the result, so -1 appends).
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	a := normAxis("Unsqueeze", axis, len(t.shape)+1, t.shape)
	shape := slices.Insert(slices.Clone(t.shape), a, 1)
	strides := slices.Insert(slices.Clone(t.strides), a, 0)
	return gradReshape(t.view(shape, strides, t.offset), t, "Unsqueeze")
}

// Contiguous returns t when its elements are laid out in row-major order
// without gaps, and a row-major copy otherwise.
func (t *Tensor) Contiguous() *Tensor {
	if t.err != nil || t.IsContiguous() {
		return t
	}
	return t.Clone()
}

// Clone returns a contiguous copy of t with storage of its own.
func (t *Tensor) Clone() *Tensor {
	out := alloc(t.Backend(), t.DType(), t.shape, t)
	if out.ok() {
		t.Backend().Copy(out.strided("Clone"), t.strided("Clone"))
	}
	return gradIdentity(out, t, "Clone")
}
