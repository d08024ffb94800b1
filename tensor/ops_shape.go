package tensor

import (
	"fmt"
	"math"
	"slices"
)

// Shape ops composed from views, Concat, IndexSelect and Where; like the
// ops of ops_math.go they run on every backend and are differentiated by
// composition.

// Pad returns t with value added before and after each axis: widths[i] =
// {before, after} for axis i, one pair per axis (as NumPy's pad with
// mode "constant"). Widths must not be negative.
func (t *Tensor) Pad(value float32, widths ...[2]int) *Tensor {
	const name = "Pad"
	if len(widths) != len(t.shape) {
		shapePanic(name, fmt.Sprintf("got %d width pairs for rank %d (one {before, after} pair per axis)", len(widths), len(t.shape)), t.shape)
	}
	x := t
	for ax, w := range widths {
		if w[0] < 0 || w[1] < 0 {
			shapePanic(name, fmt.Sprintf("negative width %v on axis %d", w, ax), t.shape)
		}
		if w[0] == 0 && w[1] == 0 {
			continue
		}
		fill := func(n int) *Tensor {
			shape := slices.Clone(x.shape)
			shape[ax] = n
			return t.st.dev.fullOf(resultScope(x), t.DType(), float64(value), shape)
		}
		parts := []*Tensor{x}
		if w[0] > 0 {
			parts = append([]*Tensor{fill(w[0])}, parts...)
		}
		if w[1] > 0 {
			parts = append(parts, fill(w[1]))
		}
		x = Concat(ax, parts...)
	}
	if x == t {
		return t.Contiguous()
	}
	return x
}

// Tile returns t repeated reps[i] times along axis i, as NumPy's tile:
// when reps is shorter than t's rank it is padded with 1s on the left,
// when longer t gets leading axes of size 1. A repetition of 0 gives an
// empty axis. The gradient sums over the copies.
func (t *Tensor) Tile(reps ...int) *Tensor {
	const name = "Tile"
	for i, r := range reps {
		if r < 0 {
			shapePanic(name, fmt.Sprintf("repetition %d (position %d) is negative", r, i), t.shape)
		}
	}
	x := t
	for len(x.shape) < len(reps) {
		x = x.Unsqueeze(0)
	}
	full := slices.Repeat([]int{1}, len(x.shape)-len(reps))
	full = append(full, reps...)
	// [a, b] → [1, a, 1, b] → broadcast [ra, a, rb, b] → [ra·a, rb·b].
	var inter, bcast, out []int
	for i, d := range x.shape {
		inter = append(inter, 1, d)
		bcast = append(bcast, full[i], d)
		out = append(out, full[i]*d)
	}
	return x.Reshape(inter...).BroadcastTo(bcast...).Reshape(out...)
}

// Repeat is Tile, with PyTorch's name (torch.Tensor.repeat).
func (t *Tensor) Repeat(reps ...int) *Tensor { return t.Tile(reps...) }

// Split cuts t along axis into consecutive views of the given sizes, which
// must add up to the axis size.
func (t *Tensor) Split(axis int, sizes ...int) []*Tensor {
	const name = "Split"
	ax := t.axis(name, axis)
	total := 0
	for _, n := range sizes {
		if n < 0 {
			shapePanic(name, fmt.Sprintf("size %d is negative", n), t.shape)
		}
		total += n
	}
	if total != t.shape[ax] {
		shapePanic(name, fmt.Sprintf("sizes %v add up to %d, axis %d has %d", sizes, total, ax, t.shape[ax]), t.shape)
	}
	out := make([]*Tensor, len(sizes))
	at := 0
	for i, n := range sizes {
		out[i] = t.Narrow(ax, at, n)
		at += n
	}
	return out
}

// Chunk cuts t along axis into n views of ⌈size/n⌉ elements each, the
// last one smaller when n does not divide the size, as PyTorch's chunk
// (so fewer than n views may come back when the axis is short).
func (t *Tensor) Chunk(axis, n int) []*Tensor {
	const name = "Chunk"
	ax := t.axis(name, axis)
	if n <= 0 {
		shapePanic(name, fmt.Sprintf("chunk count %d is not positive", n), t.shape)
	}
	size := t.shape[ax]
	step := (size + n - 1) / n
	var sizes []int
	for at := 0; at < size; at += step {
		sizes = append(sizes, min(step, size-at))
	}
	if size == 0 {
		sizes = []int{0}
	}
	return t.Split(ax, sizes...)
}

// Flip returns t with the order of the elements reversed along each of
// axes (every axis when none are given).
func (t *Tensor) Flip(axes ...int) *Tensor {
	x := t
	for _, ax := range normAxes("Flip", axes, t.shape) {
		n := t.shape[ax]
		if n <= 1 {
			continue
		}
		idx := make([]float32, n)
		for i := range idx {
			idx[i] = float32(n - 1 - i)
		}
		x = x.IndexSelect(ax, t.st.dev.fromSlice(resultScope(x), idx, []int{n}))
	}
	if x == t {
		return t.Contiguous()
	}
	return x
}

// Roll shifts the elements of t by shift positions along axis, those
// pushed past the end coming back at the start (as NumPy's roll); a
// negative shift rolls the other way.
func (t *Tensor) Roll(shift, axis int) *Tensor {
	ax := t.axis("Roll", axis)
	n := t.shape[ax]
	if n == 0 {
		return t.Contiguous()
	}
	s := ((shift % n) + n) % n
	if s == 0 {
		return t.Contiguous()
	}
	return Concat(ax, t.Narrow(ax, n-s, s), t.Narrow(ax, 0, n-s))
}

// Tril returns t with the elements above the k-th diagonal of its last two
// axes set to 0 (k = 0 the main diagonal, k > 0 above it, k < 0 below), as
// NumPy's tril. t must have rank 2 at least.
func (t *Tensor) Tril(k int) *Tensor { return t.triangle("Tril", k, true) }

// Triu returns t with the elements below the k-th diagonal of its last two
// axes set to 0, as NumPy's triu.
func (t *Tensor) Triu(k int) *Tensor { return t.triangle("Triu", k, false) }

func (t *Tensor) triangle(name string, k int, lower bool) *Tensor {
	r := len(t.shape)
	if r < 2 {
		shapePanic(name, "needs rank 2 at least", t.shape)
	}
	rows, cols := t.shape[r-2], t.shape[r-1]
	keep := make([]float32, rows*cols)
	for i := range rows {
		for j := range cols {
			if (lower && j-i <= k) || (!lower && j-i >= k) {
				keep[i*cols+j] = 1
			}
		}
	}
	mask := t.st.dev.fromSlice(t.sc.open(), keep, []int{rows, cols})
	return Where(mask, t, scalarLike(t, 0))
}

// MaskedFill returns t with value wherever mask is nonzero; mask
// broadcasts against t and the result has t's shape. The gradient is 0 at
// the filled elements.
func (t *Tensor) MaskedFill(mask *Tensor, value float32) *Tensor {
	const name = "MaskedFill"
	shape := mustBroadcast(name, t, mask)
	if !slices.Equal(shape, t.shape) {
		shapePanic(name, "mask does not broadcast to the tensor's shape", t.shape, mask.shape)
	}
	return Where(mask, scalarLike(t, value), t)
}

// ZerosLike returns zeros of t's shape on t's device, in t's scope.
func ZerosLike(t *Tensor) *Tensor { return FullLike(t, 0) }

// OnesLike returns ones of t's shape on t's device, in t's scope.
func OnesLike(t *Tensor) *Tensor { return FullLike(t, 1) }

// FullLike returns a tensor of t's shape and dtype filled with v (converted
// as AsType converts), on t's device and in t's scope (if t belongs to
// one). It does not require a gradient.
func FullLike(t *Tensor, v float32) *Tensor {
	return t.st.dev.fullOf(t.sc.open(), t.DType(), float64(v), slices.Clone(t.shape))
}

// Linspace returns n evenly spaced numbers from start to stop, both
// included (as NumPy's linspace): start + i·(stop−start)/(n−1), computed
// in float64, with the last one exactly stop. n = 1 gives [start].
func (d *Device) Linspace(start, stop float64, n int) *Tensor { return d.linspace(nil, start, stop, n) }

// Linspace is Device.Linspace with the result in s.
func (s *Scope) Linspace(start, stop float64, n int) *Tensor {
	return s.dev.linspace(s, start, stop, n)
}

// Linspace is Default().Linspace.
func Linspace(start, stop float64, n int) *Tensor { return Default().Linspace(start, stop, n) }

func (d *Device) linspace(sc *Scope, start, stop float64, n int) *Tensor {
	if n < 0 {
		shapePanic("Linspace", fmt.Sprintf("count %d is negative", n))
	}
	if math.IsNaN(start) || math.IsNaN(stop) || math.IsInf(start, 0) || math.IsInf(stop, 0) {
		shapePanic("Linspace", fmt.Sprintf("bounds %v and %v are not finite", start, stop))
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(start + float64(i)*(stop-start)/float64(max(n-1, 1)))
	}
	if n > 1 {
		v[n-1] = float32(stop)
	}
	return d.fromSlice(sc, v, []int{n})
}
