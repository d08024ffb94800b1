package cpu

import (
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

// shortInner is the longest inner axis that Binary walks through
// binaryShort.
const shortInner = 4

// binaryShort runs Binary when the inner axis of its iteration is short
// (at most shortInner): the 2×2 windows of a max pool against their
// broadcast maximum and gradient, [N·C·H/2, 2, W/2, 2] with the second
// operand's strides 0 on both 2-axes. The plain walk would make a call per
// two elements; here each call covers the two inner axes together, with
// the arithmetic of the common ops inline. It reports false, doing
// nothing, when the layout or op is not one it covers. Results are those
// of binaryFunc, element for element.
func binaryShort(op backend.BinaryOp, d, x, y []float32, it *iter) bool {
	last := len(it.shape) - 1
	if last < 1 || it.size == 0 || it.shape[last] > shortInner {
		return false
	}
	switch op {
	case backend.Add, backend.Sub, backend.Mul, backend.Div, backend.Eq:
	default:
		return false
	}
	inner := it.shape[last]
	outer := iter{shape: it.shape[:last], nops: 3, size: it.size / inner}
	var s0 [3]int // inner-axis strides
	for k := range 3 {
		outer.strides[k] = it.strides[k][:last]
		s0[k] = it.strides[k][last]
	}
	s1 := [3]int{outer.inner(0), outer.inner(1), outer.inner(2)}
	outer.runMin(parallelMin/inner, func(_ int, off *[maxOps]int, n int) {
		if inner == 2 && s0 == [3]int{1, 1, 0} && s1[0] == 2 && s1[1] == 2 {
			// The pool's gradient: pairs of x against one y each.
			pairs(op, d[off[0]:off[0]+2*n], x[off[1]:off[1]+2*n], y[off[2]:], s1[2])
			return
		}
		switch op {
		case backend.Add:
			shortRows(d, x, y, off, n, inner, s0, s1, func(a, b float32) float32 { return a + b })
		case backend.Sub:
			shortRows(d, x, y, off, n, inner, s0, s1, func(a, b float32) float32 { return a - b })
		case backend.Mul:
			shortRows(d, x, y, off, n, inner, s0, s1, func(a, b float32) float32 { return a * b })
		case backend.Div:
			shortRows(d, x, y, off, n, inner, s0, s1, func(a, b float32) float32 { return a / b })
		case backend.Eq:
			shortRows(d, x, y, off, n, inner, s0, s1, func(a, b float32) float32 { return mask(a == b) })
		}
	})
	return true
}

// pairs sets d[2i+j] = x[2i+j] op y[i·sy] for j = 0, 1, with the arithmetic
// inline (sy is y's stride per pair).
func pairs(op backend.BinaryOp, d, x, y []float32, sy int) {
	n := len(d) / 2
	if n == 0 {
		return
	}
	x = x[:2*n]
	_ = y[(n-1)*sy]
	if sy == 1 {
		switch op {
		case backend.Eq:
			vec.PairsEqual(d, x, y[:n])
			return
		case backend.Mul:
			vec.PairsMul(d, x, y[:n])
			return
		}
	}
	switch op {
	case backend.Add:
		for i := 0; i < n; i++ {
			v := y[i*sy]
			d[2*i], d[2*i+1] = x[2*i]+v, x[2*i+1]+v
		}
	case backend.Sub:
		for i := 0; i < n; i++ {
			v := y[i*sy]
			d[2*i], d[2*i+1] = x[2*i]-v, x[2*i+1]-v
		}
	case backend.Mul:
		for i := 0; i < n; i++ {
			v := y[i*sy]
			d[2*i], d[2*i+1] = x[2*i]*v, x[2*i+1]*v
		}
	case backend.Div:
		for i := 0; i < n; i++ {
			v := y[i*sy]
			d[2*i], d[2*i+1] = x[2*i]/v, x[2*i+1]/v
		}
	case backend.Eq:
		for i := 0; i < n; i++ {
			v := y[i*sy]
			d[2*i], d[2*i+1] = mask(x[2*i] == v), mask(x[2*i+1] == v)
		}
	}
}

// shortRows sets d = f(x, y) over n steps of the second-innermost axis
// (strides s1) and inner steps of the innermost (strides s0) from the
// offsets off.
func shortRows(d, x, y []float32, off *[maxOps]int, n, inner int, s0, s1 [3]int, f func(a, b float32) float32) {
	od, oa, ob := off[0], off[1], off[2]
	for range n {
		for j := range inner {
			d[od+j*s0[0]] = f(x[oa+j*s0[1]], y[ob+j*s0[2]])
		}
		od, oa, ob = od+s1[0], oa+s1[1], ob+s1[2]
	}
}
