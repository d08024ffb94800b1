package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

type unaryCase struct {
	name string
	op   func(*Tensor) *Tensor
	ref  func(float64) float64
	kind valKind
	ulp  int64
}

func unaryCases() []unaryCase {
	relu := func(x float64) float64 {
		if x > 0 || math.IsNaN(x) {
			return x
		}
		return 0
	}
	sign := func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x
	}
	return []unaryCase{
		{"Neg", (*Tensor).Neg, func(x float64) float64 { return -x }, vSpecial, 0},
		{"Abs", (*Tensor).Abs, math.Abs, vSpecial, 0},
		{"Exp", (*Tensor).Exp, math.Exp, vSpecial, 1},
		{"Log", (*Tensor).Log, math.Log, vPositive, 1},
		{"LogSpecial", (*Tensor).Log, math.Log, vSpecial, 1},
		{"Sqrt", (*Tensor).Sqrt, math.Sqrt, vPositive, 0},
		{"SqrtSpecial", (*Tensor).Sqrt, math.Sqrt, vSpecial, 0},
		{"Rsqrt", (*Tensor).Rsqrt, func(x float64) float64 { return 1 / math.Sqrt(x) }, vPositive, 1},
		{"Tanh", (*Tensor).Tanh, math.Tanh, vSpecial, 1},
		{"Sigmoid", (*Tensor).Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, vSpecial, 1},
		{"Relu", (*Tensor).Relu, relu, vSpecial, 0},
		{"Gelu", (*Tensor).Gelu, func(x float64) float64 { return x / 2 * math.Erfc(-x/math.Sqrt2) }, vSpecial, 2},
		{"Square", (*Tensor).Square, func(x float64) float64 { return x * x }, vSpecial, 0},
		{"Sign", (*Tensor).Sign, sign, vSpecial, 0},
		{"Floor", (*Tensor).Floor, math.Floor, vSpecial, 0},
		{"Ceil", (*Tensor).Ceil, math.Ceil, vSpecial, 0},
		{"Round", (*Tensor).Round, math.RoundToEven, vSpecial, 0},
		{"Trunc", (*Tensor).Trunc, math.Trunc, vSpecial, 0},
		{"RoundHalves", (*Tensor).Round, math.RoundToEven, vHalves, 0},
		{"FloorHalves", (*Tensor).Floor, math.Floor, vHalves, 0},
		{"Sin", (*Tensor).Sin, math.Sin, vSpecial, 1},
		{"Cos", (*Tensor).Cos, math.Cos, vSpecial, 1},
		{"SinHuge", (*Tensor).Sin, math.Sin, vHuge, 1},
		{"CosHuge", (*Tensor).Cos, math.Cos, vHuge, 1},
		{"Erf", (*Tensor).Erf, math.Erf, vSpecial, 1},
	}
}

// TestRoundingEdges pins Floor, Ceil, Round and Trunc at ties, signed
// zeros, subnormals, the edge of the integers (2^23) and the specials,
// bit for bit (the ulp comparison ignores the sign of zero).
func TestRoundingEdges(t *testing.T) {
	in := []float32{0, negZ, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, 1e-40, -1e-40,
		0x1p23 - 0.5, -(0x1p23 - 0.5), 0x1p23, 0x1p23 + 1, 3e38, inf32, -inf32, 0.99999994, -0.99999994}
	want := map[string][]float32{
		"Floor": {0, negZ, 0, -1, 1, -2, 2, -3, 0, -1, 0, -1, 0x1p23 - 1, -0x1p23, 0x1p23, 0x1p23 + 1, 3e38, inf32, -inf32, 0, -1},
		"Ceil":  {0, negZ, 1, negZ, 2, -1, 3, -2, 1, negZ, 1, negZ, 0x1p23, -(0x1p23 - 1), 0x1p23, 0x1p23 + 1, 3e38, inf32, -inf32, 1, negZ},
		"Round": {0, negZ, 0, negZ, 2, -2, 2, -2, 0, negZ, 0, negZ, 0x1p23, -0x1p23, 0x1p23, 0x1p23 + 1, 3e38, inf32, -inf32, 1, -1},
		"Trunc": {0, negZ, 0, negZ, 1, -1, 2, -2, 0, negZ, 0, negZ, 0x1p23 - 1, -(0x1p23 - 1), 0x1p23, 0x1p23 + 1, 3e38, inf32, -inf32, 0, negZ},
	}
	x := FromSlice(in, len(in))
	for name, op := range map[string]func(*Tensor) *Tensor{"Floor": (*Tensor).Floor, "Ceil": (*Tensor).Ceil, "Round": (*Tensor).Round, "Trunc": (*Tensor).Trunc} {
		d := readData(t, op(x))
		for i, w := range want[name] {
			if math.Float32bits(d[i]) != math.Float32bits(w) {
				t.Errorf("%s(%v) = %v, want %v", name, in[i], d[i], w)
			}
		}
		if n := readData(t, op(FromSlice([]float32{nan32}, 1)))[0]; n == n {
			t.Errorf("%s(NaN) = %v", name, n)
		}
	}
	// the sign of zero for the odd transcendental ops
	for name, op := range map[string]func(*Tensor) *Tensor{"Sin": (*Tensor).Sin, "Erf": (*Tensor).Erf} {
		d := readData(t, op(FromSlice([]float32{negZ, 0}, 2)))
		if math.Float32bits(d[0]) != math.Float32bits(negZ) || math.Float32bits(d[1]) != 0 {
			t.Errorf("%s(-0, 0) = %v", name, d)
		}
	}
}

// TestUnary checks every unary op against the float64 reference on random
// shapes and layouts.
func TestUnary(t *testing.T) {
	r := newRand(1)
	for _, c := range unaryCases() {
		for it := range iters(40) {
			shape := randShape(r, 0, 4)
			x, a, lay := randTensor(r, shape, c.kind)
			what := caseName("%s #%d %v %v", c.name, it, shape, lay)
			checkULP(t, what, c.op(x), refUnary(a, c.ref), c.ulp)
		}
	}
}

// TestUnaryLarge covers the parallel path of the CPU backend.
func TestUnaryLarge(t *testing.T) {
	r := newRand(2)
	for _, shape := range [][]int{{257, 129}, {40000}} {
		x, a, lay := randTensor(r, shape, vSpecial)
		for _, c := range unaryCases()[:4] {
			checkULP(t, caseName("%s %v %v", c.name, shape, lay), c.op(x), refUnary(a, c.ref), c.ulp)
		}
		checkULP(t, "Relu large", x.Relu(), refUnary(a, unaryCases()[10].ref), 0)
		checkULP(t, "AddScalar large", x.AddScalar(1.5), refUnary(a, func(v float64) float64 { return v + 1.5 }), 0)
		// The transposed, non-contiguous path at this size.
		if len(shape) == 2 {
			xt := x.T()
			checkULP(t, "Exp transposed large", xt.Exp(), refUnary(refPermute(a, []int{1, 0}), math.Exp), 1)
		}
	}
}

type scalarCase struct {
	name string
	op   func(*Tensor, float32) *Tensor
	ref  func(x, s float64) float64
	ulp  int64
}

func scalarCases() []scalarCase {
	pow := func(x, s float64) float64 { return math.Pow(x, s) }
	return []scalarCase{
		{"AddScalar", (*Tensor).AddScalar, func(x, s float64) float64 { return x + s }, 0},
		{"SubScalar", (*Tensor).SubScalar, func(x, s float64) float64 { return x - s }, 0},
		{"MulScalar", (*Tensor).MulScalar, func(x, s float64) float64 { return x * s }, 0},
		{"DivScalar", (*Tensor).DivScalar, func(x, s float64) float64 { return x / s }, 0},
		{"RSubScalar", (*Tensor).RSubScalar, func(x, s float64) float64 { return s - x }, 0},
		{"RDivScalar", (*Tensor).RDivScalar, func(x, s float64) float64 { return s / x }, 0},
		{"PowScalar", (*Tensor).PowScalar, pow, 2},
		{"MaximumScalar", (*Tensor).MaximumScalar, refMaximum, 0},
		{"MinimumScalar", (*Tensor).MinimumScalar, refMinimum, 0},
		{"EqScalar", (*Tensor).EqScalar, func(x, s float64) float64 { return b2f(x == s) }, 0},
		{"NeScalar", (*Tensor).NeScalar, func(x, s float64) float64 { return b2f(x != s) }, 0},
		{"LtScalar", (*Tensor).LtScalar, func(x, s float64) float64 { return b2f(x < s) }, 0},
		{"LeScalar", (*Tensor).LeScalar, func(x, s float64) float64 { return b2f(x <= s) }, 0},
		{"GtScalar", (*Tensor).GtScalar, func(x, s float64) float64 { return b2f(x > s) }, 0},
		{"GeScalar", (*Tensor).GeScalar, func(x, s float64) float64 { return b2f(x >= s) }, 0},
	}
}

func TestScalarOps(t *testing.T) {
	r := newRand(3)
	scalars := []float32{0, 1, -1, 2, 0.5, -3, 1e-3, 7.25, inf32, nan32}
	for _, c := range scalarCases() {
		for it := range iters(40) {
			shape := randShape(r, 0, 4)
			kind := []valKind{vNormal, vInts, vSpecial}[it%3]
			x, a, lay := randTensor(r, shape, kind)
			s := scalars[r.IntN(len(scalars))]
			if it%4 == 0 {
				s = randVal(r, vNormal)
			}
			what := caseName("%s(%v) #%d %v %v", c.name, s, it, shape, lay)
			checkULP(t, what, c.op(x, s), refUnary(a, func(v float64) float64 { return c.ref(v, float64(s)) }), c.ulp)
		}
	}
}

// TestSignedZero checks the sign of zero results, which the ulp comparison
// ignores.
func TestSignedZero(t *testing.T) {
	x := FromSlice([]float32{0, negZ, 2, -2}, 4)
	check := func(what string, got *Tensor, want []float32) {
		t.Helper()
		d := readData(t, got)
		for i := range want {
			if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s: element %d is %v (bits %#x), want %v", what, i, d[i], math.Float32bits(d[i]), want[i])
			}
		}
	}
	check("Neg", x.Neg(), []float32{negZ, 0, -2, 2})
	check("MulScalar(-1)", x.MulScalar(-1), []float32{negZ, 0, -2, 2})
	check("MulScalar(0)", x.MulScalar(0), []float32{0, negZ, 0, negZ})
	check("Mul", x.Mul(Scalar(-1)), []float32{negZ, 0, -2, 2})
	check("AddScalar(0)", x.AddScalar(0), []float32{0, 0, 2, -2})
	check("SubScalar(0)", x.SubScalar(0), []float32{0, negZ, 2, -2})
	check("Abs", x.Abs(), []float32{0, 0, 2, 2})
	check("Sign", x.Sign(), []float32{0, negZ, 1, -1})
}

type binaryCase struct {
	name string
	op   func(*Tensor, *Tensor) *Tensor
	ref  func(x, y float64) float64
	ka   valKind // values of the first operand
	kb   valKind
	ulp  int64
}

func binaryCases() []binaryCase {
	return []binaryCase{
		{"Add", (*Tensor).Add, func(x, y float64) float64 { return x + y }, vSpecial, vNormal, 0},
		{"Sub", (*Tensor).Sub, func(x, y float64) float64 { return x - y }, vNormal, vSpecial, 0},
		{"Mul", (*Tensor).Mul, func(x, y float64) float64 { return x * y }, vSpecial, vSpecial, 0},
		{"Div", (*Tensor).Div, func(x, y float64) float64 { return x / y }, vSpecial, vSpecial, 0},
		{"Pow", (*Tensor).Pow, math.Pow, vPositive, vNormal, 2},
		{"PowSpecial", (*Tensor).Pow, math.Pow, vSpecial, vInts, 2},
		{"Maximum", (*Tensor).Maximum, refMaximum, vSpecial, vSpecial, 0},
		{"Minimum", (*Tensor).Minimum, refMinimum, vSpecial, vSpecial, 0},
		{"Eq", (*Tensor).Eq, func(x, y float64) float64 { return b2f(x == y) }, vInts, vInts, 0},
		{"Ne", (*Tensor).Ne, func(x, y float64) float64 { return b2f(x != y) }, vInts, vSpecial, 0},
		{"Lt", (*Tensor).Lt, func(x, y float64) float64 { return b2f(x < y) }, vInts, vInts, 0},
		{"Le", (*Tensor).Le, func(x, y float64) float64 { return b2f(x <= y) }, vSpecial, vInts, 0},
		{"Gt", (*Tensor).Gt, func(x, y float64) float64 { return b2f(x > y) }, vInts, vInts, 0},
		{"Ge", (*Tensor).Ge, func(x, y float64) float64 { return b2f(x >= y) }, vInts, vSpecial, 0},
	}
}

// randBroadcastPair returns two shapes that broadcast together.
func randBroadcastPair(r *rand.Rand) ([]int, []int) {
	out := randShape(r, 0, 4)
	a, b := deriveShape(r, out), deriveShape(r, out)
	if r.IntN(3) == 0 {
		a = out
	}
	return a, b
}

func TestBinary(t *testing.T) {
	r := newRand(4)
	for _, c := range binaryCases() {
		for it := range iters(50) {
			sa, sb := randBroadcastPair(r)
			x, a, la := randTensor(r, sa, c.ka)
			y, b, lb := randTensor(r, sb, c.kb)
			what := caseName("%s #%d %v (%v) with %v (%v)", c.name, it, sa, la, sb, lb)
			checkULP(t, what, c.op(x, y), refBinary(a, b, c.ref), c.ulp)
		}
	}
}

// TestBinaryInPlaceShapes covers operands that are the same tensor and a
// large broadcast (the parallel path).
func TestBinaryLarge(t *testing.T) {
	r := newRand(5)
	x, a, _ := randTensor(r, []int{257, 130}, vNormal)
	y, b, _ := randTensor(r, []int{130}, vNormal)
	col, c, _ := randTensor(r, []int{257, 1}, vNormal)
	checkULP(t, "Add row", x.Add(y), refBinary(a, b, func(p, q float64) float64 { return p + q }), 0)
	checkULP(t, "Mul col", x.Mul(col), refBinary(a, c, func(p, q float64) float64 { return p * q }), 0)
	checkULP(t, "Div outer", col.Div(y), refBinary(c, b, func(p, q float64) float64 { return p / q }), 0)
	checkULP(t, "Maximum transposed", x.T().Maximum(col.T()), refBinary(refPermute(a, []int{1, 0}), refPermute(c, []int{1, 0}), refMaximum), 0)
	checkULP(t, "Sub self", x.Sub(x), refBinary(a, a, func(p, q float64) float64 { return p - q }), 0)
}

func TestWhere(t *testing.T) {
	r := newRand(6)
	for it := range iters(80) {
		out := randShape(r, 0, 4)
		sc, sa, sb := deriveShape(r, out), deriveShape(r, out), deriveShape(r, out)
		c, cn, lc := randTensor(r, sc, vSpecial) // NaN and -0 conditions too
		x, a, la := randTensor(r, sa, vSpecial)
		y, b, lb := randTensor(r, sb, vNormal)
		what := caseName("Where #%d cond %v (%v), %v (%v), %v (%v)", it, sc, lc, sa, la, sb, lb)
		checkULP(t, what, Where(c, x, y), refWhere(cn, a, b), 0)
	}
}

// TestBroadcastShapes checks the rule against the reference on random
// shape lists, and the exact error message.
func TestBroadcastShapes(t *testing.T) {
	r := newRand(7)
	for it := range iters(500) {
		n := 1 + r.IntN(3)
		shapes := make([][]int, n)
		for i := range shapes {
			shapes[i] = make([]int, r.IntN(4))
			for j := range shapes[i] {
				shapes[i][j] = []int{0, 1, 1, 2, 3}[r.IntN(5)]
			}
		}
		got, err := BroadcastShapes("Op", shapes...)
		want, ok := refBroadcastShapes(shapes...)
		if ok != (err == nil) {
			t.Fatalf("#%d BroadcastShapes(%v) = %v, %v; reference ok=%v", it, shapes, got, err, ok)
		}
		if ok && !equalInts(got, want) {
			t.Fatalf("#%d BroadcastShapes(%v) = %v, want %v", it, shapes, got, want)
		}
		if err != nil {
			if _, isSE := err.(*ShapeError); !isSE {
				t.Fatalf("#%d error %T, want *ShapeError", it, err)
			}
		}
	}
	_, err := BroadcastShapes("Add", []int{2, 3}, []int{4})
	if err == nil || err.Error() != "Add: shapes [2 3] and [4] do not broadcast: axis -1 is 3 vs 4" {
		t.Errorf("BroadcastShapes error %v", err)
	}
	_, err = BroadcastShapes("Where", []int{2, 3}, []int{3}, []int{4, 3})
	if err == nil || err.Error() != "Where: shapes [2 3], [3] and [4 3] do not broadcast: axis -2 is 2 vs 4" {
		t.Errorf("BroadcastShapes error %v", err)
	}
	if got, err := BroadcastShapes("Op"); err != nil || len(got) != 0 {
		t.Errorf("BroadcastShapes() = %v, %v; want [], nil", got, err)
	}
	if _, err := BroadcastShapes("Op", []int{-1}); err == nil {
		t.Errorf("negative dimension accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNaNPropagation spells out NumPy's NaN rules for maximum and minimum.
func TestNaNPropagation(t *testing.T) {
	x := FromSlice([]float32{nan32, 1, nan32, 2}, 4)
	y := FromSlice([]float32{1, nan32, nan32, 1}, 4)
	for _, c := range []struct {
		name string
		got  *Tensor
	}{{"Maximum", x.Maximum(y)}, {"Minimum", x.Minimum(y)}, {"Maximum rev", y.Maximum(x)}, {"Minimum rev", y.Minimum(x)}} {
		d := readData(t, c.got)
		for i := 0; i < 3; i++ {
			if !math.IsNaN(float64(d[i])) {
				t.Errorf("%s: element %d is %v, want NaN", c.name, i, d[i])
			}
		}
	}
	if d := readData(t, x.MaximumScalar(5)); !math.IsNaN(float64(d[0])) || d[1] != 5 {
		t.Errorf("MaximumScalar: %v", d)
	}
	if d := readData(t, x.Relu()); !math.IsNaN(float64(d[0])) {
		t.Errorf("Relu(NaN) = %v", d[0])
	}
}
