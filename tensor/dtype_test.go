package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/tensor/internal/half"
)

// The dtype tests run every op in Float16 and BFloat16 against the float64
// reference rounded to the dtype (within 1 ulp of the dtype elementwise;
// norm-scaled bounds for sums and products), and Int32 ops exactly, with
// the wrap-around of int32 arithmetic, on the default device: the CPU, and
// Vulkan in TestDTypesVulkan.

var floatDTypes = []DType{Float16, BFloat16}

// roundDT rounds v to the nearest value of dt, as the backends convert.
func roundDT(dt DType, v float64) float64 {
	switch dt {
	case Float16:
		return float64(half.F16ToFloat32(half.F16From64(v)))
	case BFloat16:
		return float64(half.BF16ToFloat32(half.BF16From64(v)))
	case Int32:
		return float64(half.Int32(v))
	}
	return float64(float32(v))
}

// ulpDT is the spacing of dt's values at magnitude |v| (its smallest
// subnormal below the normal range).
func ulpDT(dt DType, v float64) float64 {
	bits, minExp := 23, -126
	switch dt {
	case Float16:
		bits, minExp = 10, -14
	case BFloat16:
		bits = 7
	}
	_, e := math.Frexp(math.Abs(v)) // |v| in [2^(e−1), 2^e)
	e = max(e-1, minExp)
	return math.Ldexp(1, e-bits)
}

// roundND rounds a's values to dt (in place) and returns a.
func roundND(a *nd, dt DType) *nd {
	for i, v := range a.data {
		a.data[i] = roundDT(dt, v)
	}
	return a
}

// checkDT compares got, of dtype dt, with want (float64 values, not yet
// rounded): each element within tol(i) + 1 ulp of dt of want rounded to
// dt; NaN matches NaN and infinities match exactly.
func checkDT(t *testing.T, what string, got *Tensor, dt DType, want *nd, tol func(i int) float64) {
	t.Helper()
	if got.DType() != dt {
		t.Fatalf("%s: dtype %v, want %v", what, got.DType(), dt)
	}
	if !checkShapeEq(t, what, got, want.shape) {
		return
	}
	d := readData(t, got)
	for i, g := range d {
		w := roundDT(dt, want.data[i])
		gf := float64(g)
		var ok bool
		switch {
		case math.IsNaN(w) || math.IsNaN(gf):
			ok = math.IsNaN(w) && math.IsNaN(gf)
		case math.IsInf(w, 0) || math.IsInf(gf, 0):
			ok = w == gf || math.Abs(gf-want.data[i]) <= ulpDT(dt, want.data[i])+tol(i)
		default:
			ok = math.Abs(gf-w) <= ulpDT(dt, w)+tol(i)
		}
		if !ok {
			t.Fatalf("%s: element %d = %v, want %v (exact %v)", what, i, g, w, want.data[i])
		}
	}
}

func noTol(int) float64 { return 0 }

func TestPromote(t *testing.T) {
	// PyTorch's torch.promote_types for the four dtypes.
	all := []DType{Float32, Float16, BFloat16, Int32}
	want := [4][4]DType{
		{Float32, Float32, Float32, Float32},
		{Float32, Float16, Float32, Float16},
		{Float32, Float32, BFloat16, BFloat16},
		{Float32, Float16, BFloat16, Int32},
	}
	for i, a := range all {
		for j, b := range all {
			if got := Promote(a, b); got != want[i][j] {
				t.Errorf("Promote(%v, %v) = %v, want %v", a, b, got, want[i][j])
			}
			x := OnesOf(a, 2).Add(OnesOf(b, 1))
			if x.DType() != want[i][j] || readData(t, x)[1] != 2 {
				t.Errorf("%v + %v: %v %v", a, b, x.DType(), x)
			}
		}
	}
}

func TestAsType(t *testing.T) {
	r := newRand(1)
	for _, k := range []valKind{vNormal, vSpecial, vHalves, vHuge} {
		a := randND(r, []int{517}, k)
		x := fromND(a)
		for _, dt := range []DType{Float16, BFloat16, Int32} {
			y := x.AsType(dt)
			if dt == Int32 {
				got, err := y.Int32s()
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range a.data {
					if got[i] != half.Int32(v) {
						t.Fatalf("Int32(%v) = %d, want %d", v, got[i], half.Int32(v))
					}
				}
				continue
			}
			raw, err := y.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range a.data {
				want := half.BF16(float32(v))
				if dt == Float16 {
					want = half.F16(float32(v))
				}
				got := uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
				if got != want && !(math.IsNaN(v) && got&0x7fff > 0x7c00) {
					t.Fatalf("%v(%v): bits %#04x, want %#04x", dt, v, got, want)
				}
			}
			// Back to float32 is exact: the rounded values.
			back := readData(t, y.AsType(Float32))
			for i, v := range a.data {
				if w := roundDT(dt, v); float64(back[i]) != w && !(math.IsNaN(w) && back[i] != back[i]) {
					t.Fatalf("%v→float32 of %v: %v, want %v", dt, v, back[i], w)
				}
			}
		}
	}
	// Int32 to bfloat16 rounds once (2^25 + 2^17 + 1 lies above a midpoint
	// that rounding through float32 would land on).
	v := int32(1<<25 + 1<<17 + 1)
	if got := readData(t, FromInt32s([]int32{v}).AsType(BFloat16))[0]; float64(got) != roundDT(BFloat16, float64(v)) || got != float32(1<<25+1<<18) {
		t.Errorf("int32 %d → bfloat16 %v", v, got)
	}
}

func TestDTypeUnaryBinary(t *testing.T) {
	r := newRand(2)
	cases := iters(4)
	if Default() != CPU() {
		cases = max(cases/3, 2) // lavapipe builds a pipeline per op, dtype and layout
	}
	type un struct {
		name string
		k    valKind
		op   func(*Tensor) *Tensor
		ref  func(float64) float64
	}
	unary := []un{
		{"Neg", vSpecial, (*Tensor).Neg, func(x float64) float64 { return -x }},
		{"Abs", vSpecial, (*Tensor).Abs, math.Abs},
		{"Exp", vNormal, (*Tensor).Exp, math.Exp},
		{"Log", vPositive, (*Tensor).Log, math.Log},
		{"Sqrt", vPositive, (*Tensor).Sqrt, math.Sqrt},
		{"Tanh", vNormal, (*Tensor).Tanh, math.Tanh},
		{"Sigmoid", vNormal, (*Tensor).Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"Relu", vSpecial, (*Tensor).Relu, func(x float64) float64 { return refMaximum(x, 0) }},
		{"Gelu", vNormal, (*Tensor).Gelu, func(x float64) float64 { return x * 0.5 * math.Erfc(-x/math.Sqrt2) }},
		{"Square", vNormal, (*Tensor).Square, func(x float64) float64 { return x * x }},
		{"Sin", vNormal, (*Tensor).Sin, math.Sin},
		{"Erf", vNormal, (*Tensor).Erf, math.Erf},
		{"Round", vHalves, (*Tensor).Round, math.RoundToEven},
		{"AddScalar", vNormal, func(x *Tensor) *Tensor { return x.AddScalar(0.3) }, func(x float64) float64 { return x + float64(float32(0.3)) }},
		{"MulScalar", vNormal, func(x *Tensor) *Tensor { return x.MulScalar(-1.7) }, func(x float64) float64 { return x * float64(float32(-1.7)) }},
	}
	for _, dt := range floatDTypes {
		for _, u := range unary {
			for range cases {
				shape := randShape(r, 0, 3)
				x, a := makeTensorAs(r, roundND(randND(r, shape, u.k), dt), layout(r.IntN(int(numLayouts))), dt)
				// The float32 op on the widened input is within a few
				// float32 ulps of exact; allow them on top of dt's ulp.
				want := refUnary(a, u.ref)
				checkDT(t, dt.String()+" "+u.name, u.op(x), dt, want, func(i int) float64 { return 4 * ulpDT(Float32, want.data[i]) })
			}
		}
	}
	type bin struct {
		name string
		k    valKind
		op   func(a, b *Tensor) *Tensor
		ref  func(x, y float64) float64
	}
	binary := []bin{
		{"Add", vSpecial, (*Tensor).Add, func(x, y float64) float64 { return x + y }},
		{"Sub", vNormal, (*Tensor).Sub, func(x, y float64) float64 { return x - y }},
		{"Mul", vSpecial, (*Tensor).Mul, func(x, y float64) float64 { return x * y }},
		{"Div", vNormal, (*Tensor).Div, func(x, y float64) float64 { return x / y }},
		{"Maximum", vSpecial, (*Tensor).Maximum, refMaximum},
		{"Lt", vInts, (*Tensor).Lt, func(x, y float64) float64 { return b2f(x < y) }},
		{"Pow", vPositive, (*Tensor).Pow, math.Pow},
	}
	for _, dt := range floatDTypes {
		for _, b := range binary {
			for range cases {
				shape := randShape(r, 1, 3)
				x, a := makeTensorAs(r, roundND(randND(r, deriveShape(r, shape), b.k), dt), layout(r.IntN(int(numLayouts))), dt)
				y, c := makeTensorAs(r, roundND(randND(r, shape, b.k), dt), layout(r.IntN(int(numLayouts))), dt)
				want := refBinary(a, c, b.ref)
				checkDT(t, dt.String()+" "+b.name, b.op(x, y), dt, want, func(i int) float64 { return 2 * ulpDT(Float32, want.data[i]) })
			}
		}
	}
	// Mixed dtypes promote: float16 with bfloat16 computes in float32,
	// int32 with bfloat16 in bfloat16 (the integers rounded first).
	a := roundND(randND(r, []int{300}, vNormal), Float16)
	c := roundND(randND(r, []int{300}, vNormal), BFloat16)
	sum := fromND(a).AsType(Float16).Add(fromND(c).AsType(BFloat16))
	checkDT(t, "float16+bfloat16", sum, Float32, refBinary(a, c, func(x, y float64) float64 { return x + y }), noTol)
	ints := make([]int32, 300)
	in := ndZeros(300)
	for i := range ints {
		ints[i] = int32(r.IntN(1<<20) - 1<<19)
		in.data[i] = roundDT(BFloat16, float64(ints[i]))
	}
	mixed := FromInt32s(ints).Mul(fromND(c).AsType(BFloat16))
	checkDT(t, "int32·bfloat16", mixed, BFloat16, refBinary(in, c, func(x, y float64) float64 { return x * y }), noTol)
}

func TestDTypeReduceSoftmaxMatMul(t *testing.T) {
	r := newRand(3)
	for _, dt := range floatDTypes {
		for range iters(6) {
			shape := randShape(r, 1, 3)
			x, a := makeTensorAs(r, roundND(randND(r, shape, vNormal), dt), layout(r.IntN(int(numLayouts))), dt)
			ax := r.IntN(len(shape))
			n := float64(shape[ax])
			ref := func(a *nd, op string) *nd {
				out, _ := refReduce(a, []int{ax}, false, op)
				return out
			}
			abs := ref(refUnary(a, math.Abs), "sum")
			sumTol := func(i int) float64 { return n * 0x1p-24 * abs.data[i] }
			checkDT(t, dt.String()+" Sum", x.Sum(ax), dt, ref(a, "sum"), sumTol)
			if shape[ax] > 0 {
				checkDT(t, dt.String()+" Max", x.Max(ax), dt, ref(a, "max"), noTol)
				am := x.ArgMax(ax)
				if am.DType() != Int32 {
					t.Fatalf("ArgMax dtype %v", am.DType())
				}
				checkULP(t, dt.String()+" ArgMax", am, ref(a, "argmax"), 0)
				meanTol := func(i int) float64 { return sumTol(i) / n }
				checkDT(t, dt.String()+" Mean", x.Mean(ax), dt, ref(a, "mean"), meanTol)
				sm := refSoftmax(a, ax, false)
				checkDT(t, dt.String()+" Softmax", x.Softmax(ax), dt, sm, func(i int) float64 { return 4 * ulpDT(Float32, sm.data[i]) })
			}
		}
		for range iters(4) {
			m, k, n := 1+r.IntN(9), r.IntN(40), 1+r.IntN(9)
			x, a := makeTensorAs(r, roundND(randND(r, []int{m, k}, vNormal), dt), layout(r.IntN(int(numLayouts))), dt)
			y, b := makeTensorAs(r, roundND(randND(r, []int{k, n}, vNormal), dt), layout(r.IntN(int(numLayouts))), dt)
			want, bound := refMatMul(a, b)
			checkDT(t, dt.String()+" MatMul", x.MatMul(y), dt, want, func(i int) float64 { return float64(k) * 0x1p-24 * bound.data[i] })
		}
	}
}

func TestInt32Ops(t *testing.T) {
	r := newRand(4)
	n := 257
	x, y := make([]int32, n), make([]int32, n)
	for i := range x {
		x[i], y[i] = int32(r.Uint32()), int32(r.Uint32())
		if i%5 == 0 {
			y[i] = x[i] // ties for the comparisons
		}
	}
	x[0], y[1] = math.MinInt32, math.MaxInt32
	a, b := FromInt32s(x), FromInt32s(y)
	ints := func(what string, got *Tensor, want func(i int) int32) {
		t.Helper()
		if got.DType() != Int32 {
			t.Fatalf("%s: dtype %v", what, got.DType())
		}
		d, err := got.Int32s()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range d {
			if w := want(i); v != w {
				t.Fatalf("%s: element %d = %d, want %d", what, i, v, w)
			}
		}
	}
	b2i := func(c bool) int32 {
		if c {
			return 1
		}
		return 0
	}
	ints("Add", a.Add(b), func(i int) int32 { return x[i] + y[i] }) // wraps
	ints("Sub", a.Sub(b), func(i int) int32 { return x[i] - y[i] })
	ints("Mul", a.Mul(b), func(i int) int32 { return x[i] * y[i] })
	ints("Maximum", a.Maximum(b), func(i int) int32 { return max(x[i], y[i]) })
	ints("Minimum", a.Minimum(b), func(i int) int32 { return min(x[i], y[i]) })
	ints("Le", a.Le(b), func(i int) int32 { return b2i(x[i] <= y[i]) })
	ints("Eq", a.Eq(b), func(i int) int32 { return b2i(x[i] == y[i]) })
	ints("Neg", a.Neg(), func(i int) int32 { return -x[i] })
	ints("Abs", a.Abs(), func(i int) int32 { return max(x[i], -x[i]) })
	ints("Square", a.Square(), func(i int) int32 { return x[i] * x[i] })
	ints("Sign", a.Sign(), func(i int) int32 { return b2i(x[i] > 0) - b2i(x[i] < 0) })
	ints("Relu", a.Relu(), func(i int) int32 { return max(x[i], 0) })
	ints("AddScalar", a.AddScalar(3), func(i int) int32 { return x[i] + 3 })
	ints("MulScalar", a.MulScalar(-2), func(i int) int32 { return x[i] * -2 })
	ints("GtScalar", a.GtScalar(7), func(i int) int32 { return b2i(x[i] > 7) })
	ints("Floor", a.Floor(), func(i int) int32 { return x[i] })
	ints("Where", Where(a.GtScalar(0), a, b), func(i int) int32 {
		if x[i] > 0 {
			return x[i]
		}
		return y[i]
	})
	ints("Transpose", a.Reshape(1, n).T().Add(b.Reshape(n, 1)).Reshape(n), func(i int) int32 { return x[i] + y[i] })
	var sum int32
	mx := x[0]
	for _, v := range x {
		sum += v // wraps, as the contract says
		mx = max(mx, v)
	}
	ints("Sum", a.Sum(), func(int) int32 { return sum })
	ints("Max", a.Max(), func(int) int32 { return mx })
	ints("ArgMax", a.ArgMax(), func(int) int32 { return int32(slices.Index(x, mx)) })
	ints("Concat", Concat(0, a, b), func(i int) int32 { return append(slices.Clone(x), y...)[i] })
	ints("Gather", a.IndexSelect(0, FromInt32s([]int32{3, -1, 0})), func(i int) int32 { return []int32{x[3], x[n-1], x[0]}[i] })
	ints("Sort", FromInt32s([]int32{5, -2, 5, 1<<30 + 1}).Sort(0, false), func(i int) int32 { return []int32{-2, 5, 5, 1<<30 + 1}[i] })
	// Ops whose results are not integers compute in float32.
	for _, c := range []struct {
		name string
		got  *Tensor
	}{{"Div", a.Div(b)}, {"Mean", a.Mean()}, {"MulScalar(0.5)", a.MulScalar(0.5)}, {"Exp", a.Exp()}, {"Softmax", a.Softmax(0)}, {"Pow", a.Pow(b)}} {
		if c.got.DType() != Float32 {
			t.Errorf("%s of int32: dtype %v, want float32", c.name, c.got.DType())
		}
	}
	if got := readData(t, FromInt32s([]int32{7, 2}).Div(FromInt32s([]int32{2, 4}))); got[0] != 3.5 || got[1] != 0.5 {
		t.Errorf("true division: %v", got)
	}
}

// TestArgMaxBeyondFloat32 checks an index above 2^24, which float32 cannot
// hold, comes back exact.
func TestArgMaxBeyondFloat32(t *testing.T) {
	if small() {
		t.Skip("64 MiB")
	}
	n := 1<<24 + 3
	x := ZerosOf(BFloat16, n)
	idx := FromInt32s([]int32{int32(n - 2)})
	x = x.Add(OnesOf(BFloat16, 1).Gather(0, ZerosOf(Int32, 1)).Mul(OneHotAt(idx, n)))
	got, err := x.ArgMax().Int32s()
	if err != nil || got[0] != int32(n-2) {
		t.Fatalf("ArgMax = %v %v, want %d", got, err, n-2)
	}
}

// OneHotAt is a [n] tensor of 1 at position idx[0], through OneHot.
func OneHotAt(idx *Tensor, n int) *Tensor { return idx.OneHot(n).Reshape(n) }

func TestDTypeIndexOperands(t *testing.T) {
	r := newRand(5)
	a := roundND(randND(r, []int{6, 5}, vNormal), BFloat16)
	x := fromND(a).AsType(BFloat16)
	fi := FromSlice([]float32{4, -1, 0, 2}, 4)
	ii := FromInt32s([]int32{4, -1, 0, 2})
	for _, c := range []struct {
		name   string
		f, i32 *Tensor
	}{
		{"IndexSelect", x.IndexSelect(1, fi), x.IndexSelect(1, ii)},
		{"OneHot", fi.OneHot(5), ii.OneHot(5)},
		{"CrossEntropy", CrossEntropy(x.Narrow(0, 0, 4), fi), CrossEntropy(x.Narrow(0, 0, 4), ii)},
	} {
		if !slices.Equal(readData(t, c.f), readData(t, c.i32)) || c.f.DType() != c.i32.DType() {
			t.Errorf("%s: float32 indices give %v (%v), int32 %v (%v)", c.name, c.f, c.f.DType(), c.i32, c.i32.DType())
		}
	}
	func() {
		if Default() != CPU() {
			return // a GPU finds a bad index on the device (see TestIndexErrorsVulkan)
		}
		defer func() {
			var se *ShapeError
			if e, ok := recover().(error); !ok || !errors.As(e, &se) || !strings.Contains(se.Error(), "index 5 is out of range") {
				t.Errorf("bad int32 index: %v", e)
			}
		}()
		x.IndexSelect(1, FromInt32s([]int32{5}))
	}()
	for _, idx := range []*Tensor{x.ArgMax(1), x.ArgSort(1, false), Randint(NewRNG(1), 0, 5, 3), Permutation(NewRNG(1), 4), Multinomial(NewRNG(1), OnesOf(Float32, 3), 2)} {
		if idx.DType() != Int32 {
			t.Errorf("index result of dtype %v, want int32", idx.DType())
		}
	}
	_, top := x.TopK(2, 1)
	if top.DType() != Int32 {
		t.Errorf("TopK indices of dtype %v", top.DType())
	}
}

func TestDTypeAutograd(t *testing.T) {
	w := FromSlice([]float32{1, 2, 3}).AsType(BFloat16).Detach().SetRequiresGrad(true)
	x := FromSlice([]float32{0.5, -1, 4})
	loss := w.Mul(x).Sum() // bfloat16 · float32 → float32
	if loss.DType() != Float32 {
		t.Fatalf("loss dtype %v", loss.DType())
	}
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	g := w.Grad()
	if g.DType() != BFloat16 || !slices.Equal(readData(t, g), []float32{0.5, -1, 4}) {
		t.Fatalf("gradient %v of dtype %v", g, g.DType())
	}
	// Through an explicit cast and a 16-bit op chain.
	h := FromSlice([]float32{1, -2}).Detach().SetRequiresGrad(true)
	y := h.AsType(Float16).Square().Sum()
	if err := y.Backward(); err != nil {
		t.Fatal(err)
	}
	if gh := h.Grad(); gh.DType() != Float32 || !slices.Equal(readData(t, gh), []float32{2, -4}) {
		t.Fatalf("gradient through AsType: %v (%v)", gh, gh.DType())
	}
	defer func() {
		var de *DTypeError
		if e, ok := recover().(error); !ok || !errors.As(e, &de) {
			t.Errorf("SetRequiresGrad on int32: %v", e)
		}
	}()
	FromInt32s([]int32{1}).SetRequiresGrad(true)
}

func TestDTypeString(t *testing.T) {
	for _, c := range []struct {
		x    *Tensor
		want string
	}{
		{FromSlice([]float32{0.1, 1, 65504, 1e5}).AsType(Float16), "[0.1 1 65500 +Inf]"}, // 65500 reads back as 65504, as NumPy prints it,
		{FromSlice([]float32{0.1, 3.14159, -2}).AsType(BFloat16), "[0.1 3.14 -2]"},
		{FromInt32s([]int32{-3, 1 << 30}), "[-3 1073741824]"},
	} {
		if got := c.x.String(); got != c.want {
			t.Errorf("%v: %q, want %q", c.x.DType(), got, c.want)
		}
	}
}

func TestDTypeMemory(t *testing.T) {
	before := ReadMemStats()
	x := ZerosOf(BFloat16, 1000)
	after := ReadMemStats()
	if d := after.LiveBytes - before.LiveBytes; d != 2000 {
		t.Errorf("a 1000-element bfloat16 tensor took %d bytes", d)
	}
	x.Release()
	_ = rand.N[int]
}

// TestDTypeChunks checks 16-bit elementwise ops large enough to run in
// several blocks (and on several cores) give exactly the float32 op on the
// widened operands, rounded once.
func TestDTypeChunks(t *testing.T) {
	r := newRand(6)
	for _, dt := range floatDTypes {
		for _, shape := range [][]int{{100003}, {301, 257}, {3, 70001}} {
			a := roundND(randND(r, shape, vNormal), dt)
			b := roundND(randND(r, shape[len(shape)-1:], vNormal), dt)
			x, y := fromND(a).AsType(dt), fromND(b).AsType(dt)
			for name, op := range map[string]func(a, b *Tensor) *Tensor{"Add": (*Tensor).Add, "Mul": (*Tensor).Mul, "Div": (*Tensor).Div} {
				got, err := op(x, y).Bytes()
				if err != nil {
					t.Fatal(err)
				}
				want, _ := op(x.AsType(Float32), y.AsType(Float32)).AsType(dt).Bytes()
				if !slices.Equal(got, want) {
					t.Fatalf("%v %s %v: differs from the float32 op rounded", dt, name, shape)
				}
			}
			for name, op := range map[string]func(*Tensor) *Tensor{"Exp": (*Tensor).Exp, "Gelu": (*Tensor).Gelu, "Relu": (*Tensor).Relu, "MulScalar": func(x *Tensor) *Tensor { return x.MulScalar(0.3) }} {
				got, _ := op(x).Bytes()
				want, _ := op(x.AsType(Float32)).AsType(dt).Bytes()
				if !slices.Equal(got, want) {
					t.Fatalf("%v %s %v: differs from the float32 op rounded", dt, name, shape)
				}
			}
			ex, _ := x.T().Exp().Bytes()
			want, _ := x.AsType(Float32).T().Exp().AsType(dt).Bytes()
			if !slices.Equal(ex, want) {
				t.Fatalf("%v Exp of a transposed %v: differs from the float32 op rounded", dt, shape)
			}
		}
	}
}

func TestScatterAdd(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3).Detach().SetRequiresGrad(true)
	src := FromSlice([]float32{10, 20, 30, 40}, 2, 2).Detach().SetRequiresGrad(true)
	idx := FromInt32s([]int32{1, 0, 1, -2}, 2, 2) // along axis 0; -2 is row 0
	out := x.ScatterAdd(0, idx, src)
	// out[idx[i][j]][j] += src[i][j]: column 0 gets 10 and 30 in row 1,
	// column 1 gets 20 and 40 in row 0.
	if got, want := readData(t, out), []float32{1, 2 + 20 + 40, 3, 4 + 10 + 30, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("ScatterAdd = %v, want %v", got, want)
	}
	w := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err := out.Mul(w).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if got := readData(t, x.Grad()); !slices.Equal(got, readData(t, w)) {
		t.Errorf("gradient for t: %v", got)
	}
	// src[i][j] went to w[idx[i][j]][j].
	if got, want := readData(t, src.Grad()), []float32{4, 2, 4, 2}; !slices.Equal(got, want) {
		t.Errorf("gradient for src: %v, want %v", got, want)
	}
	if y := FromInt32s([]int32{0, 0}).ScatterAdd(0, FromInt32s([]int32{1, 1}), FromInt32s([]int32{5, 7})); y.DType() != Int32 || !slices.Equal(must(y.Int32s()), []int32{0, 12}) {
		t.Errorf("int32 ScatterAdd: %v (%v)", y, y.DType())
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDTypeComposed checks the ops composed of several steps compute a
// 16-bit tensor in float32 and round once: bit for bit the float32 op on
// the widened tensor, rounded; and an Int32 tensor as Float32.
func TestDTypeComposed(t *testing.T) {
	r := newRand(8)
	ops := map[string]func(*Tensor) *Tensor{
		"SiLU": (*Tensor).SiLU, "Log1p": func(x *Tensor) *Tensor { return x.Abs().Log1p() }, "Expm1": (*Tensor).Expm1,
		"LogSumExp": func(x *Tensor) *Tensor { return x.LogSumExp(1) }, "Std": func(x *Tensor) *Tensor { return x.Std(0) },
		"Var": func(x *Tensor) *Tensor { return x.VarKeepDims(1) }, "Cumsum": func(x *Tensor) *Tensor { return x.Cumsum(1) },
		"Cumprod": func(x *Tensor) *Tensor { return x.Cumprod(0) }, "Prod": func(x *Tensor) *Tensor { return x.Prod(1) },
		"DivScalar": func(x *Tensor) *Tensor { return x.DivScalar(0.1) },
	}
	for _, dt := range floatDTypes {
		a := roundND(randND(r, []int{5, 37}, vNormal), dt)
		x := fromND(a).AsType(dt)
		for name, op := range ops {
			got, err := op(x).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := op(x.AsType(Float32)).AsType(dt).Bytes()
			if !slices.Equal(got, want) {
				t.Errorf("%v %s: not the float32 op rounded once", dt, name)
			}
		}
	}
	ints := FromInt32s([]int32{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, name := range []string{"SiLU", "Log1p", "Expm1", "LogSumExp", "Std", "Var", "DivScalar"} {
		if got := ops[name](ints); got.DType() != Float32 {
			t.Errorf("%s of int32: %v", name, got.DType())
		}
	}
	if got := ints.Cumsum(1); got.DType() != Int32 || !slices.Equal(must(got.Int32s()), []int32{1, 3, 6, 4, 9, 15}) {
		t.Errorf("int32 Cumsum: %v (%v)", got, got.DType())
	}
	if got := ints.Prod(1); got.DType() != Int32 || !slices.Equal(must(got.Int32s()), []int32{6, 120}) {
		t.Errorf("int32 Prod: %v (%v)", got, got.DType())
	}
}

func TestConvertTo(t *testing.T) {
	w := FromSlice([]float32{0.1, 2, 3}).SetRequiresGrad(true)
	if err := w.Mul(FromSlice([]float32{1, 1, 1})).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if err := w.ConvertTo(BFloat16); err != nil {
		t.Fatal(err)
	}
	if w.DType() != BFloat16 || !w.RequiresGrad() || w.Grad().DType() != BFloat16 {
		t.Fatalf("after ConvertTo: %v, requires gradient %v, gradient %v", w.DType(), w.RequiresGrad(), w.Grad().DType())
	}
	if got := readData(t, w); got[0] != half.RoundBF16(0.1) || got[2] != 3 {
		t.Fatalf("values %v", got)
	}
	defer func() {
		var de *DTypeError
		if e, ok := recover().(error); !ok || !errors.As(e, &de) {
			t.Errorf("ConvertTo(Int32) of a parameter: %v", e)
		}
	}()
	_ = w.ConvertTo(Int32)
}
