package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randAxes returns a random set of distinct axes of a rank-r tensor, some
// given as negative numbers; empty means all.
func randAxes(r *rand.Rand, rank int) []int {
	var axes []int
	for _, a := range r.Perm(rank) {
		if r.IntN(2) == 0 {
			if r.IntN(3) == 0 {
				a -= rank
			}
			axes = append(axes, a)
		}
	}
	return axes
}

type reduceCase struct {
	name string
	op   func(*Tensor, ...int) *Tensor // without keepdims
	keep func(*Tensor, ...int) *Tensor // with keepdims, nil for Arg*
	ref  string
	kind valKind
}

func reduceCases() []reduceCase {
	return []reduceCase{
		{"Sum", (*Tensor).Sum, (*Tensor).SumKeepDims, "sum", vNormal},
		{"SumSpecial", (*Tensor).Sum, (*Tensor).SumKeepDims, "sum", vSpecial},
		{"Mean", (*Tensor).Mean, (*Tensor).MeanKeepDims, "mean", vNormal},
		{"Max", (*Tensor).Max, (*Tensor).MaxKeepDims, "max", vSpecial},
		{"Min", (*Tensor).Min, (*Tensor).MinKeepDims, "min", vSpecial},
		{"MaxInts", (*Tensor).Max, (*Tensor).MaxKeepDims, "max", vInts},
		{"Var", (*Tensor).Var, (*Tensor).VarKeepDims, "var", vNormal},
		{"ArgMax", (*Tensor).ArgMax, nil, "argmax", vInts},
		{"ArgMin", (*Tensor).ArgMin, nil, "argmin", vInts},
		{"ArgMaxSpecial", (*Tensor).ArgMax, nil, "argmax", vSpecial},
		{"ArgMinSpecial", (*Tensor).ArgMin, nil, "argmin", vSpecial},
	}
}

// reduceTol returns the error bound of reduction op: for sums and means
// a few float32 roundings of the sum of |x| over the reduced block (the
// CPU accumulates in float64, so the true error is one rounding).
func reduceTol(op string, a *nd, axes []int, keep bool) func(i int) float64 {
	switch op {
	case "sum", "mean", "var":
	default:
		return func(int) float64 { return 0 }
	}
	abs := refUnary(a, math.Abs)
	if op == "var" {
		abs = refUnary(a, func(x float64) float64 { return x * x })
	}
	red := "sum"
	if op != "sum" {
		red = "mean"
	}
	bound, _ := refReduce(abs, axes, keep, red)
	return func(i int) float64 { return 8*eps32*bound.data[i] + 1e-37 }
}

func TestReductions(t *testing.T) {
	r := newRand(10)
	for _, c := range reduceCases() {
		for it := range iters(60) {
			shape := randShape(r, 0, 4)
			x, a, lay := randTensor(r, shape, c.kind)
			axes := randAxes(r, len(shape))
			keep := c.keep != nil && r.IntN(2) == 0
			op := c.op
			if keep {
				op = c.keep
			}
			what := caseName("%s #%d %v (%v) axes %v keep %v", c.name, it, shape, lay, axes, keep)
			want, ok := refReduce(a, axes, keep, c.ref)
			if !ok {
				expectShapeError(t, what, func() { op(x, axes...) }, "zero elements")
				continue
			}
			checkTol(t, what, op(x, axes...), want, reduceTol(c.ref, a, axes, keep))
		}
	}
}

// TestReductionsLarge covers the CPU backend's parallel split over output
// rows and long reduced blocks.
func TestReductionsLarge(t *testing.T) {
	r := newRand(11)
	x, a, _ := randTensor(r, []int{257, 33, 7}, vNormal)
	for _, axes := range [][]int{nil, {0}, {1}, {2}, {0, 2}, {-1, -2}} {
		for _, c := range reduceCases() {
			if c.kind == vSpecial {
				continue
			}
			want, _ := refReduce(a, axes, false, c.ref)
			checkTol(t, caseName("%s axes %v large", c.name, axes), c.op(x, axes...), want, reduceTol(c.ref, a, axes, false))
		}
	}
	xt := x.Permute(2, 0, 1)
	at := refPermute(a, []int{2, 0, 1})
	want, _ := refReduce(at, []int{1}, true, "sum")
	checkTol(t, "Sum permuted keep", xt.SumKeepDims(1), want, reduceTol("sum", at, []int{1}, true))
}

func TestReductionEdgeCases(t *testing.T) {
	empty := Zeros(0)
	if v, _ := empty.Sum().Item(); v != 0 {
		t.Errorf("Sum of empty = %v, want 0", v)
	}
	if v, _ := empty.Mean().Item(); !math.IsNaN(float64(v)) {
		t.Errorf("Mean of empty = %v, want NaN", v)
	}
	if v, _ := empty.Var().Item(); !math.IsNaN(float64(v)) {
		t.Errorf("Var of empty = %v, want NaN", v)
	}
	for name, f := range map[string]func(...int) *Tensor{"Max": empty.Max, "Min": empty.Min, "ArgMax": empty.ArgMax, "ArgMin": empty.ArgMin} {
		expectShapeError(t, name+" of empty", func() { f() }, name, "[0]", "zero elements")
	}
	// Reducing an empty axis of a tensor with no output elements is fine.
	z := Zeros(3, 0)
	checkShapeEq(t, "Max over axis 0 of [3 0]", z.Max(0), []int{0})
	expectShapeError(t, "Max over axis 1 of [3 0]", func() { z.Max(1) }, "Max", "[3 0]")
	checkShapeEq(t, "Sum over axis 1 of [3 0]", z.Sum(1), []int{3})
	checkShapeEq(t, "SumKeepDims of [3 0]", z.SumKeepDims(1), []int{3, 1})
	// A scalar reduces to itself.
	s := Scalar(4)
	for name, got := range map[string]*Tensor{"Sum": s.Sum(), "Max": s.Max(), "Mean": s.Mean()} {
		if v, _ := got.Item(); v != 4 || got.Rank() != 0 {
			t.Errorf("%s of scalar = %v (shape %v)", name, v, got.Shape())
		}
	}
	if v, _ := s.ArgMax().Item(); v != 0 {
		t.Errorf("ArgMax of scalar = %v", v)
	}
	// NaN wins max and argmax, first occurrence.
	x := FromSlice([]float32{1, 5, nan32, 5, nan32}, 5)
	if v, _ := x.Max().Item(); !math.IsNaN(float64(v)) {
		t.Errorf("Max with NaN = %v", v)
	}
	if v, _ := x.ArgMax().Item(); v != 2 {
		t.Errorf("ArgMax with NaN = %v, want 2", v)
	}
	if v, _ := x.ArgMin().Item(); v != 2 {
		t.Errorf("ArgMin with NaN = %v, want 2", v)
	}
	y := FromSlice([]float32{3, 7, 7, 1, 1}, 5)
	if v, _ := y.ArgMax().Item(); v != 1 {
		t.Errorf("ArgMax ties = %v, want 1", v)
	}
	if v, _ := y.ArgMin().Item(); v != 3 {
		t.Errorf("ArgMin ties = %v, want 3", v)
	}
	// Var is two-pass: no cancellation on a large mean.
	big := FromSlice([]float32{1e4 + 1, 1e4 - 1, 1e4 + 1, 1e4 - 1}, 4)
	if v, _ := big.Var().Item(); v != 1 {
		t.Errorf("Var around 1e4 = %v, want 1", v)
	}
	// Repeated axes are an error.
	expectShapeError(t, "Sum(0, -2)", func() { Zeros(2, 3).Sum(0, -2) }, "Sum", "repeated")
	expectShapeError(t, "Var(1, 1)", func() { Zeros(2, 3).Var(1, 1) }, "Var", "repeated")
}

func TestSoftmax(t *testing.T) {
	r := newRand(12)
	for it := range iters(120) {
		shape := randShape(r, 1, 4)
		kind := vNormal
		switch it % 5 {
		case 3:
			kind = vSpecial
		case 4:
			kind = vInts
		}
		x, a, lay := randTensor(r, shape, kind)
		if it%7 == 0 {
			// Large logits: the naive formula overflows.
			x, a = x.MulScalar(60), refUnary(a, func(v float64) float64 { return float64(float32(v * 60)) })
		}
		axis := r.IntN(len(shape))
		if r.IntN(2) == 0 {
			axis -= len(shape)
		}
		for _, log := range []bool{false, true} {
			what := caseName("Softmax(log=%v) #%d %v (%v) axis %d", log, it, shape, lay, axis)
			want := refSoftmax(a, axis, log)
			got := x.Softmax(axis)
			if log {
				got = x.LogSoftmax(axis)
			}
			checkTol(t, what, got, want, softmaxTol(a, axis, want, log))
		}
	}
}

// softmaxTol bounds the error of (log-)softmax: the CPU subtracts the row
// maximum in float32 (a relative error of eps in x-m, amplified by |x-m|
// through exp), then sums in float64.
func softmaxTol(a *nd, axis int, want *nd, log bool) func(i int) float64 {
	axis = refAxis(axis, len(a.shape))
	if len(a.data) == 0 {
		return func(int) float64 { return 0 }
	}
	// spread[i] = max over the row of |x - m|; dev[i] = |x_i - m|.
	m, _ := refReduce(a, []int{axis}, true, "max")
	dev := refBinary(a, m, func(x, y float64) float64 {
		if d := math.Abs(x - y); !math.IsInf(d, 0) && !math.IsNaN(d) {
			return d
		}
		return 0 // exp gives exactly 0 (or NaN, checked apart)
	})
	spread, _ := refReduce(dev, []int{axis}, true, "max")
	spreadB := refBroadcastTo(spread, a.shape)
	return func(i int) float64 {
		e := eps32 * (4 + 2*dev.data[i] + 2*spreadB.data[i])
		if log {
			return 2*e + 4*eps32*math.Abs(want.data[i]) + 1e-30
		}
		return e*math.Abs(want.data[i]) + 1e-37
	}
}

func TestSoftmaxEdgeCases(t *testing.T) {
	x := FromSlice([]float32{1000, 1000, -inf32}, 3)
	d := readData(t, x.Softmax(0))
	if d[0] != 0.5 || d[1] != 0.5 || d[2] != 0 {
		t.Errorf("Softmax of large logits = %v", d)
	}
	d = readData(t, x.LogSoftmax(0))
	if math.Abs(float64(d[0])+math.Ln2) > 1e-6 || !math.IsInf(float64(d[2]), -1) {
		t.Errorf("LogSoftmax of large logits = %v", d)
	}
	n := FromSlice([]float32{1, nan32, 2}, 3)
	for _, v := range readData(t, n.Softmax(0)) {
		if !math.IsNaN(float64(v)) {
			t.Errorf("Softmax with NaN = %v, want all NaN", readData(t, n.Softmax(0)))
			break
		}
	}
	checkShapeEq(t, "Softmax of [2 0]", Zeros(2, 0).Softmax(1), []int{2, 0})
	checkShapeEq(t, "Softmax of [0 3]", Zeros(0, 3).Softmax(-1), []int{0, 3})
	expectShapeError(t, "Softmax axis 2 of [2 3]", func() { Zeros(2, 3).Softmax(2) }, "Softmax", "[2 3]", "axis 2")
	expectShapeError(t, "LogSoftmax axis -3", func() { Zeros(2, 3).LogSoftmax(-3) }, "LogSoftmax", "axis -3")
}
