package tensor

// A deliberately simple float64 reference for the tensor ops: a row-major
// N-d array and explicit index loops with NumPy semantics. It trades speed
// for obviousness; the tests compare every op against it.

import (
	"math"
	"slices"
)

// nd is a contiguous row-major float64 array.
type nd struct {
	shape []int
	data  []float64
}

func ndZeros(shape ...int) *nd {
	return &nd{shape: slices.Clone(shape), data: make([]float64, refProd(shape))}
}

func refProd(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func refStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// lin is the row-major position of idx in shape.
func lin(shape, idx []int) int {
	p := 0
	for i, d := range shape {
		p = p*d + idx[i]
	}
	return p
}

func (a *nd) at(idx []int) float64     { return a.data[lin(a.shape, idx)] }
func (a *nd) set(idx []int, v float64) { a.data[lin(a.shape, idx)] = v }

// forEachIndex calls f with every index of shape in row-major order (once,
// with an empty index, for rank 0; never for a size-0 shape). idx is reused.
func forEachIndex(shape []int, f func(idx []int)) {
	if refProd(shape) == 0 {
		return
	}
	idx := make([]int, len(shape))
	for {
		f(idx)
		i := len(shape) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

func ndFrom32(shape []int, v []float32) *nd {
	a := ndZeros(shape...)
	for i, x := range v {
		a.data[i] = float64(x)
	}
	return a
}

// toND reads t into the reference type.
func toND(t *Tensor) *nd {
	d, err := t.Data()
	if err != nil {
		panic(err)
	}
	return ndFrom32(t.Shape(), d)
}

// f32 rounds a's elements to float32.
func (a *nd) f32() []float32 {
	out := make([]float32, len(a.data))
	for i, v := range a.data {
		out[i] = float32(v)
	}
	return out
}

// fromND makes a contiguous tensor holding a (rank 0 included).
func fromND(a *nd) *Tensor { return Default().fromSlice(nil, a.f32(), slices.Clone(a.shape)) }

func refReshape(a *nd, shape ...int) *nd {
	if refProd(shape) != len(a.data) {
		panic("refReshape: size mismatch")
	}
	return &nd{shape: slices.Clone(shape), data: slices.Clone(a.data)}
}

// refAxis resolves a negative axis.
func refAxis(axis, rank int) int {
	if axis < 0 {
		return axis + rank
	}
	return axis
}

// refBroadcastShapes applies NumPy's rule directly.
func refBroadcastShapes(shapes ...[]int) ([]int, bool) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
		for _, s := range shapes {
			j := i - (r - len(s))
			if j < 0 {
				continue
			}
			d := s[j]
			if d < 0 {
				return nil, false
			}
			switch {
			case d == out[i] || d == 1:
			case out[i] == 1:
				out[i] = d
			default:
				return nil, false
			}
		}
	}
	return out, true
}

// bcastAt reads a at the position that index idx of a broadcast shape
// (of rank >= a's) maps to.
func bcastAt(a *nd, idx []int) float64 {
	off := len(idx) - len(a.shape)
	p := 0
	for i, d := range a.shape {
		j := idx[off+i]
		if d == 1 {
			j = 0
		}
		p = p*d + j
	}
	return a.data[p]
}

func refBroadcastTo(a *nd, shape []int) *nd {
	out := ndZeros(shape...)
	k := 0
	forEachIndex(shape, func(idx []int) {
		out.data[k] = bcastAt(a, idx)
		k++
	})
	return out
}

func refUnary(a *nd, f func(float64) float64) *nd {
	out := ndZeros(a.shape...)
	for i, v := range a.data {
		out.data[i] = f(v)
	}
	return out
}

func refBinary(a, b *nd, f func(x, y float64) float64) *nd {
	shape, ok := refBroadcastShapes(a.shape, b.shape)
	if !ok {
		panic("refBinary: shapes do not broadcast")
	}
	out := ndZeros(shape...)
	k := 0
	forEachIndex(shape, func(idx []int) {
		out.data[k] = f(bcastAt(a, idx), bcastAt(b, idx))
		k++
	})
	return out
}

func refWhere(c, a, b *nd) *nd {
	shape, ok := refBroadcastShapes(c.shape, a.shape, b.shape)
	if !ok {
		panic("refWhere: shapes do not broadcast")
	}
	out := ndZeros(shape...)
	k := 0
	forEachIndex(shape, func(idx []int) {
		if bcastAt(c, idx) != 0 {
			out.data[k] = bcastAt(a, idx)
		} else {
			out.data[k] = bcastAt(b, idx)
		}
		k++
	})
	return out
}

// NumPy's maximum and minimum: NaN in either operand gives NaN.
func refMaximum(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	if x >= y {
		return x
	}
	return y
}

func refMinimum(x, y float64) float64 {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	if x <= y {
		return x
	}
	return y
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func refPermute(a *nd, axes []int) *nd {
	shape := make([]int, len(axes))
	for i, ax := range axes {
		shape[i] = a.shape[ax]
	}
	out := ndZeros(shape...)
	src := make([]int, len(axes))
	k := 0
	forEachIndex(shape, func(idx []int) {
		for i, ax := range axes {
			src[ax] = idx[i]
		}
		out.data[k] = a.at(src)
		k++
	})
	return out
}

// refSlice is Python's a[start:stop:step] on axis for step > 0.
func refSlice(a *nd, axis, start, stop, step int) *nd {
	axis = refAxis(axis, len(a.shape))
	n := a.shape[axis]
	norm := func(i int) int {
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		return i
	}
	start, stop = norm(start), norm(stop)
	var picks []int
	for i := start; i < stop; i += step {
		picks = append(picks, i)
	}
	return refTake(a, axis, picks)
}

// refTake picks the given positions along axis.
func refTake(a *nd, axis int, picks []int) *nd {
	shape := slices.Clone(a.shape)
	shape[axis] = len(picks)
	out := ndZeros(shape...)
	src := make([]int, len(shape))
	k := 0
	forEachIndex(shape, func(idx []int) {
		copy(src, idx)
		src[axis] = picks[idx[axis]]
		out.data[k] = a.at(src)
		k++
	})
	return out
}

func refIndex(a *nd, axis, i int) *nd {
	axis = refAxis(axis, len(a.shape))
	if i < 0 {
		i += a.shape[axis]
	}
	t := refTake(a, axis, []int{i})
	return refReshape(t, slices.Delete(slices.Clone(a.shape), axis, axis+1)...)
}

// refReduceAxes returns which axes are reduced (all when axes is empty).
func refReduceAxes(rank int, axes []int) []bool {
	red := make([]bool, rank)
	for i := range red {
		red[i] = len(axes) == 0
	}
	for _, ax := range axes {
		red[refAxis(ax, rank)] = true
	}
	return red
}

// refReduce reduces a over axes (all when empty) with op one of "sum",
// "mean", "max", "min", "var", "argmax", "argmin". Arg* index the reduced
// axes flattened in row-major order; the first occurrence (or first NaN)
// wins. It returns ok=false for max/min/arg* of no elements.
func refReduce(a *nd, axes []int, keep bool, op string) (*nd, bool) {
	red := refReduceAxes(len(a.shape), axes)
	var outShape, redShape []int
	for i, d := range a.shape {
		if red[i] {
			redShape = append(redShape, d)
			if keep {
				outShape = append(outShape, 1)
			}
		} else {
			outShape = append(outShape, d)
		}
	}
	out := ndZeros(outShape...)
	nred := refProd(redShape)
	if nred == 0 && len(out.data) > 0 {
		switch op {
		case "sum":
			return out, true
		case "mean", "var":
			for i := range out.data {
				out.data[i] = math.NaN()
			}
			return out, true
		}
		return nil, false
	}
	// Group the elements of each output position in row-major order.
	groups := make([][]float64, len(out.data))
	ns := outShapeNoKeep(a.shape, red)
	oidx := make([]int, 0, len(a.shape))
	forEachIndex(a.shape, func(idx []int) {
		oidx = oidx[:0]
		for i, v := range idx {
			if !red[i] {
				oidx = append(oidx, v)
			}
		}
		o := lin(ns, oidx)
		groups[o] = append(groups[o], a.at(idx))
	})
	for o, g := range groups {
		out.data[o] = refReduce1(g, op)
	}
	return out, true
}

func outShapeNoKeep(shape []int, red []bool) []int {
	var s []int
	for i, d := range shape {
		if !red[i] {
			s = append(s, d)
		}
	}
	return s
}

// refReduce1 reduces one group of values.
func refReduce1(g []float64, op string) float64 {
	switch op {
	case "sum", "mean", "var":
		s := 0.0
		for _, v := range g {
			s += v
		}
		if op == "sum" {
			return s
		}
		m := s / float64(len(g))
		if op == "mean" {
			return m
		}
		q := 0.0
		for _, v := range g {
			q += (v - m) * (v - m)
		}
		return q / float64(len(g))
	case "max", "min":
		best := g[0]
		for _, v := range g[1:] {
			if op == "max" {
				best = refMaximum(best, v)
			} else {
				best = refMinimum(best, v)
			}
		}
		return best
	case "argmax", "argmin":
		at := 0
		for i, v := range g {
			if math.IsNaN(v) {
				return float64(i)
			}
			if (op == "argmax" && v > g[at]) || (op == "argmin" && v < g[at]) {
				at = i
			}
		}
		return float64(at)
	}
	panic("refReduce1: unknown op " + op)
}

// refSoftmax computes softmax (or log-softmax) along axis in float64.
func refSoftmax(a *nd, axis int, log bool) *nd {
	axis = refAxis(axis, len(a.shape))
	out := ndZeros(a.shape...)
	n := a.shape[axis]
	outer := a.shape[:axis]
	inner := a.shape[axis+1:]
	idx := make([]int, len(a.shape))
	forEachIndex(outer, func(oi []int) {
		forEachIndex(inner, func(ii []int) {
			copy(idx, oi)
			copy(idx[axis+1:], ii)
			m := math.Inf(-1)
			for j := 0; j < n; j++ {
				idx[axis] = j
				m = refMaximum(m, a.at(idx))
			}
			s := 0.0
			for j := 0; j < n; j++ {
				idx[axis] = j
				s += math.Exp(a.at(idx) - m)
			}
			for j := 0; j < n; j++ {
				idx[axis] = j
				if log {
					out.set(idx, a.at(idx)-m-math.Log(s))
				} else {
					out.set(idx, math.Exp(a.at(idx)-m)/s)
				}
			}
		})
	})
	return out
}

// refMatMul is NumPy's matmul; it also returns, per output element, the
// sum over k of |a_ik|·|b_kj|, which scales the rounding error bound.
func refMatMul(a, b *nd) (c, bound *nd) {
	as, bs := a.shape, b.shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	ra, rb := len(as), len(bs)
	m, k, n := as[ra-2], as[ra-1], bs[rb-1]
	if bs[rb-2] != k {
		panic("refMatMul: inner dimensions differ")
	}
	batch, ok := refBroadcastShapes(as[:ra-2], bs[:rb-2])
	if !ok {
		panic("refMatMul: batch axes do not broadcast")
	}
	A, B := refReshape(a, as...), refReshape(b, bs...)
	full := append(slices.Clone(batch), m, n)
	c, bound = ndZeros(full...), ndZeros(full...)
	ai := make([]int, ra)
	bi := make([]int, rb)
	forEachIndex(full, func(idx []int) {
		bt := idx[:len(batch)]
		i, j := idx[len(batch)], idx[len(batch)+1]
		// The batch index of each operand, broadcast.
		for q := 0; q < ra-2; q++ {
			v := bt[len(batch)-(ra-2)+q]
			if as[q] == 1 {
				v = 0
			}
			ai[q] = v
		}
		for q := 0; q < rb-2; q++ {
			v := bt[len(batch)-(rb-2)+q]
			if bs[q] == 1 {
				v = 0
			}
			bi[q] = v
		}
		s, abs := 0.0, 0.0
		for p := 0; p < k; p++ {
			ai[ra-2], ai[ra-1] = i, p
			bi[rb-2], bi[rb-1] = p, j
			x, y := A.at(ai), B.at(bi)
			s += x * y
			abs += math.Abs(x) * math.Abs(y)
		}
		c.set(idx, s)
		bound.set(idx, abs)
	})
	shape := slices.Clone(batch)
	if len(a.shape) > 1 {
		shape = append(shape, m)
	}
	if len(b.shape) > 1 {
		shape = append(shape, n)
	}
	return refReshape(c, shape...), refReshape(bound, shape...)
}

func refConcat(axis int, as ...*nd) *nd {
	axis = refAxis(axis, len(as[0].shape))
	shape := slices.Clone(as[0].shape)
	shape[axis] = 0
	for _, a := range as {
		shape[axis] += a.shape[axis]
	}
	out := ndZeros(shape...)
	src := make([]int, len(shape))
	forEachIndex(shape, func(idx []int) {
		copy(src, idx)
		p := idx[axis]
		for _, a := range as {
			if p < a.shape[axis] {
				src[axis] = p
				out.set(idx, a.at(src))
				return
			}
			p -= a.shape[axis]
		}
	})
	return out
}

func refStack(axis int, as ...*nd) *nd {
	axis = refAxis(axis, len(as[0].shape)+1)
	us := make([]*nd, len(as))
	for i, a := range as {
		us[i] = refReshape(a, slices.Insert(slices.Clone(a.shape), axis, 1)...)
	}
	return refConcat(axis, us...)
}

// refGather is PyTorch's gather: out[i][j][k] = a[i][idx[i][j][k]][k] for
// axis 1.
func refGather(a *nd, axis int, idx *nd) *nd {
	axis = refAxis(axis, len(a.shape))
	out := ndZeros(idx.shape...)
	src := make([]int, len(a.shape))
	k := 0
	forEachIndex(idx.shape, func(i []int) {
		copy(src, i)
		src[axis] = refPos(idx.data[k], a.shape[axis])
		out.data[k] = a.at(src)
		k++
	})
	return out
}

// refIndexSelect is NumPy's take along axis with a 1-D index.
func refIndexSelect(a *nd, axis int, idx *nd) *nd {
	picks := make([]int, len(idx.data))
	for i, v := range idx.data {
		picks[i] = refPos(v, a.shape[refAxis(axis, len(a.shape))])
	}
	return refTake(a, refAxis(axis, len(a.shape)), picks)
}

// refPos is the position index v (an integer in [-n, n)) names on an
// axis of n: negatives count from the end.
func refPos(v float64, n int) int {
	if v < 0 {
		v += float64(n)
	}
	return int(v)
}

// refOneHot adds a last axis of size n, 1 at the class each element (an
// integer in [-n, n)) names.
func refOneHot(a *nd, n int) *nd {
	out := ndZeros(append(slices.Clone(a.shape), n)...)
	for i, v := range a.data {
		for c := 0; c < n; c++ {
			if refPos(v, n) == c {
				out.data[i*n+c] = 1
			}
		}
	}
	return out
}
