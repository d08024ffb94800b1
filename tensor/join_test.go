package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestConcat(t *testing.T) {
	r := newRand(30)
	for it := range iters(80) {
		shape := randShape(r, 1, 4)
		axis := r.IntN(len(shape))
		n := 1 + r.IntN(4)
		ts := make([]*Tensor, n)
		as := make([]*nd, n)
		lays := make([]layout, n)
		for i := range ts {
			s := slices.Clone(shape)
			s[axis] = []int{0, 1, 2, 3, 7}[r.IntN(5)]
			ts[i], as[i], lays[i] = randTensor(r, s, vNormal)
		}
		ax := axis
		if r.IntN(2) == 0 {
			ax -= len(shape)
		}
		what := caseName("Concat #%d axis %d of %d like %v %v", it, ax, n, shape, lays)
		checkULP(t, what, Concat(ax, ts...), refConcat(ax, as...), 0)
	}
}

func TestStack(t *testing.T) {
	r := newRand(31)
	for it := range iters(60) {
		shape := randShape(r, 0, 3)
		axis := r.IntN(len(shape) + 1)
		if r.IntN(2) == 0 {
			axis -= len(shape) + 1
		}
		n := 1 + r.IntN(3)
		ts := make([]*Tensor, n)
		as := make([]*nd, n)
		for i := range ts {
			ts[i], as[i], _ = randTensor(r, shape, vNormal)
		}
		what := caseName("Stack #%d axis %d of %d %v", it, axis, n, shape)
		checkULP(t, what, Stack(axis, ts...), refStack(axis, as...), 0)
	}
}

// randIndex returns an nd of integer indices in [0, n).
func randIndex(r *rand.Rand, shape []int, n int) *nd {
	x := ndZeros(shape...)
	for i := range x.data {
		x.data[i] = float64(r.IntN(2*n) - n) // negatives count from the end
	}
	return x
}

func TestGather(t *testing.T) {
	r := newRand(32)
	for it := range iters(80) {
		shape := randShape(r, 1, 4)
		axis := r.IntN(len(shape))
		x, a, lx := randTensor(r, shape, vNormal)
		is := slices.Clone(shape)
		for d := range is {
			if d == axis {
				is[d] = r.IntN(6)
			} else if is[d] > 0 {
				is[d] = r.IntN(is[d] + 1)
			}
		}
		if shape[axis] == 0 {
			is[axis] = 0
		}
		idxv := randIndex(r, is, max(shape[axis], 1))
		idx, idxv := makeTensor(r, idxv, layout(r.IntN(int(numLayouts))))
		ax := axis
		if r.IntN(2) == 0 {
			ax -= len(shape)
		}
		what := caseName("Gather #%d %v (%v) axis %d index %v", it, shape, lx, ax, is)
		checkULP(t, what, x.Gather(ax, idx), refGather(a, ax, idxv), 0)
	}
}

func TestIndexSelect(t *testing.T) {
	r := newRand(33)
	for it := range iters(80) {
		shape := randShape(r, 1, 4)
		axis := r.IntN(len(shape))
		x, a, lx := randTensor(r, shape, vNormal)
		n := r.IntN(8)
		if shape[axis] == 0 {
			n = 0
		}
		idxv := randIndex(r, []int{n}, max(shape[axis], 1))
		idx, idxv := makeTensor(r, idxv, layout(r.IntN(int(numLayouts))))
		what := caseName("IndexSelect #%d %v (%v) axis %d index %v", it, shape, lx, axis, idxv.data)
		checkULP(t, what, x.IndexSelect(axis-len(shape)*r.IntN(2), idx), refIndexSelect(a, axis, idxv), 0)
	}
}

func TestOneHot(t *testing.T) {
	r := newRand(34)
	for it := range iters(40) {
		shape := randShape(r, 0, 3)
		n := 1 + r.IntN(5)
		a := ndZeros(shape...)
		for i := range a.data {
			a.data[i] = float64(r.IntN(2*n) - n) // negatives count from the end
		}
		x, a := makeTensor(r, a, layout(r.IntN(int(numLayouts))))
		checkULP(t, caseName("OneHot #%d %v n=%d", it, shape, n), x.OneHot(n), refOneHot(a, n), 0)
	}
}

func TestJoinErrors(t *testing.T) {
	expectShapeError(t, "Concat mismatch", func() { Concat(0, Zeros(2, 3), Zeros(2, 4)) },
		"Concat", "[2 3] and [2 4]", "axis 1", "3 vs 4")
	expectShapeError(t, "Concat rank", func() { Concat(0, Zeros(2, 3), Zeros(2)) }, "Concat", "[2 3] and [2]", "rank")
	expectShapeError(t, "Concat axis", func() { Concat(2, Zeros(2, 3)) }, "Concat", "[2 3]", "axis 2")
	expectShapeError(t, "Concat none", func() { Concat(0) }, "Concat")
	expectShapeError(t, "Stack mismatch", func() { Stack(0, Zeros(2, 3), Zeros(3, 2)) }, "Stack", "[2 3] and [3 2]")
	expectShapeError(t, "Stack axis", func() { Stack(3, Zeros(2, 3)) }, "axis 3")
	x := Zeros(3, 4)
	expectShapeError(t, "Gather out of range", func() { x.Gather(1, FromSlice([]float32{0, 4, 1}, 3, 1)) },
		"Gather: index 4 is out of range for axis 1 of size 4 (element 1)")
	expectShapeError(t, "Gather negative", func() { x.Gather(0, FromSlice([]float32{-4}, 1, 1)) }, "Gather: index -4 is out of range for axis 0 of size 3")
	expectShapeError(t, "Gather fraction", func() { x.Gather(0, FromSlice([]float32{0.5}, 1, 1)) }, "Gather: index 0.5 is not an integer")
	expectShapeError(t, "Gather NaN", func() { x.Gather(0, FromSlice([]float32{nan32}, 1, 1)) }, "Gather: index NaN is not an integer")
	expectShapeError(t, "Gather Inf", func() { x.Gather(0, FromSlice([]float32{float32(math.Inf(-1))}, 1, 1)) }, "Gather: index -Inf is not an integer")
	expectShapeError(t, "Gather empty axis", func() { Zeros(3, 0).Gather(1, Zeros(3, 1)) }, "Gather", "axis 1 of size 0")
	expectShapeError(t, "OneHot out of range", func() { FromSlice([]float32{0, 3}, 2).OneHot(3) }, "OneHot: index 3 is out of range for axis 1 of size 3 (element 1)")
	expectShapeError(t, "OneHot negative", func() { FromSlice([]float32{-4}, 1).OneHot(3) }, "OneHot: index -4 is out of range")
	expectShapeError(t, "OneHot fraction", func() { FromSlice([]float32{1.5}, 1).OneHot(3) }, "OneHot: index 1.5 is not an integer")
	expectShapeError(t, "OneHot NaN", func() { FromSlice([]float32{nan32}, 1).OneHot(3) }, "OneHot: index NaN is not an integer")
	expectShapeError(t, "OneHot no classes", func() { FromSlice([]float32{0}, 1).OneHot(0) }, "OneHot", "size 0")
	expectShapeError(t, "Gather rank", func() { x.Gather(0, Zeros(3)) }, "Gather", "rank")
	expectShapeError(t, "Gather larger", func() { x.Gather(0, Zeros(1, 5)) }, "Gather", "axis 1")
	expectShapeError(t, "Gather axis", func() { x.Gather(2, Zeros(3, 4)) }, "Gather", "axis 2")
	expectShapeError(t, "IndexSelect range", func() { x.IndexSelect(0, FromSlice([]float32{3}, 1)) }, "IndexSelect: index 3 is out of range for axis 0 of size 3")
	expectShapeError(t, "IndexSelect negative", func() { x.IndexSelect(1, FromSlice([]float32{-1, -5}, 2)) }, "IndexSelect: index -5 is out of range for axis 1 of size 4 (element 1)")
	expectShapeError(t, "IndexSelect Inf", func() { x.IndexSelect(1, FromSlice([]float32{float32(math.Inf(1))}, 1)) }, "IndexSelect: index +Inf is not an integer")
	expectShapeError(t, "IndexSelect 2-D", func() { x.IndexSelect(0, Zeros(1, 1)) }, "IndexSelect", "not 1-D")
	expectShapeError(t, "OneHot negative", func() { x.OneHot(-1) }, "OneHot", "-1")
}
