package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// plainBackend hides the CPU backend's fused kernels, so that the fused
// ops take their composed fallbacks.
type plainBackend struct{ backend.Backend }

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func closeSlices(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Errorf("%s: element %d: %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

// TestLinearMatchesComposed compares Linear and LinearReLU, values and
// gradients, with MatMul+Add(+Relu), on the fused CPU backend and on one
// without fused kernels.
func TestLinearMatchesComposed(t *testing.T) {
	r := newRand(11)
	plain := On(plainBackend{cpu.New()})
	for _, d := range []*Device{CPU(), plain} {
		for _, c := range []struct {
			xs        []int
			in, out   int
			bias, rel bool
		}{
			{[]int{5, 7}, 7, 3, true, false},
			{[]int{5, 7}, 7, 3, true, true},
			{[]int{2, 3, 4}, 4, 6, false, true},
			{[]int{4}, 4, 2, true, false},
			{[]int{0, 3}, 3, 2, true, true},
			{[]int{3, 0}, 0, 2, true, false},
		} {
			xv := randSlice(r, prod(c.xs))
			wv := randSlice(r, c.out*c.in)
			bv := randSlice(r, c.out)
			mk := func() (x, w, b *Tensor) {
				x = d.FromSlice(xv, c.xs...).SetRequiresGrad(true)
				w = d.FromSlice(wv, c.out, c.in).SetRequiresGrad(true)
				if c.bias {
					b = d.FromSlice(bv, c.out).SetRequiresGrad(true)
				}
				return
			}
			x1, w1, b1 := mk()
			var y1 *Tensor
			if c.rel {
				y1 = LinearReLU(x1, w1, b1)
			} else {
				y1 = Linear(x1, w1, b1)
			}
			x2, w2, b2 := mk()
			y2 := x2.MatMul(w2.T())
			if c.bias {
				y2 = y2.Add(b2)
			}
			if c.rel {
				y2 = y2.Relu()
			}
			checkShapeEq(t, "Linear", y1, y2.Shape())
			closeSlices(t, "Linear value", readData(t, y1), readData(t, y2), 1e-6)
			gw := d.FromSlice(randSlice(r, y1.Size()), y1.Shape()...)
			// twice: the second pass adds the weight gradient into the
			// existing one in place (addProductToGrad)
			for range 2 {
				if err := y1.Mul(gw).Sum().Backward(); err != nil {
					t.Fatal(err)
				}
				if err := y2.Mul(gw).Sum().Backward(); err != nil {
					t.Fatal(err)
				}
			}
			pairs := [][2]*Tensor{{x1, x2}, {w1, w2}}
			if c.bias {
				pairs = append(pairs, [2]*Tensor{b1, b2})
			}
			for _, p := range pairs {
				closeSlices(t, "Linear gradient", readData(t, p[0].Grad()), readData(t, p[1].Grad()), 1e-5)
			}
		}
	}
}

func TestGradLinear(t *testing.T) {
	cases := []agCase{
		{name: "bias", shapes: [][]int{{3, 4}, {2, 4}, {2}}, f: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) }},
		{name: "nobias", shapes: [][]int{{3, 4}, {5, 4}}, f: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], nil) }},
		{name: "rank3", shapes: [][]int{{2, 3, 4}, {2, 4}, {2}}, f: func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) }},
		{name: "transposed-x", shapes: [][]int{{4, 3}, {2, 4}, {2}}, f: func(x []*Tensor) *Tensor { return Linear(x[0].T(), x[1], x[2]) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(900+i), c) })
	}
}

func TestGradCrossEntropy(t *testing.T) {
	targets := []float32{2, 0, 4, 4, 1}
	f := func(x []*Tensor) *Tensor { return CrossEntropy(x[0], CPU().FromSlice(targets, 5)) }
	agCheck(t, 950, agCase{name: "xent", shapes: [][]int{{5, 5}}, f: f})
	// through a transposed view of the logits, and with a plain backend
	agCheck(t, 951, agCase{name: "xent-T", shapes: [][]int{{5, 5}}, f: func(x []*Tensor) *Tensor { return f([]*Tensor{x[0].T()}) }})
}

// TestCrossEntropy compares the loss with a float64 reference and the
// composed form, on both kinds of backend, and checks the errors.
func TestCrossEntropy(t *testing.T) {
	r := newRand(12)
	const n, c = 7, 5
	lv := randSlice(r, n*c)
	for i := range lv {
		lv[i] *= 4
	}
	tv := make([]float32, n)
	want := 0.0
	for i := range tv {
		tv[i] = float32(r.IntN(c))
		m := math.Inf(-1)
		for j := 0; j < c; j++ {
			m = math.Max(m, float64(lv[i*c+j]))
		}
		s := 0.0
		for j := 0; j < c; j++ {
			s += math.Exp(float64(lv[i*c+j]) - m)
		}
		want += math.Log(s) + m - float64(lv[i*c+int(tv[i])])
	}
	want /= n
	for _, d := range []*Device{CPU(), On(plainBackend{cpu.New()})} {
		logits := d.FromSlice(lv, n, c).SetRequiresGrad(true)
		loss := CrossEntropy(logits, d.FromSlice(tv, n))
		got, err := loss.Item()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(got)-want) > 1e-6*(1+math.Abs(want)) {
			t.Errorf("%s: loss %v, want %v", d.Backend().Name(), got, want)
		}
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
		// the gradient's rows sum to 0 (softmax minus one-hot)
		g := readData(t, logits.Grad())
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < c; j++ {
				s += float64(g[i*c+j])
			}
			if math.Abs(s) > 1e-7 {
				t.Errorf("gradient row %d sums to %v", i, s)
			}
		}
	}
	empty := CrossEntropy(CPU().Zeros(0, 3), CPU().Zeros(0))
	if v, _ := empty.Item(); !math.IsNaN(float64(v)) {
		t.Errorf("loss of no rows %v, want NaN", v)
	}
	logits := CPU().Zeros(2, 3)
	expectShapeError(t, "out of range", func() { CrossEntropy(logits, CPU().FromSlice([]float32{0, 3}, 2)) }, "CrossEntropy: index 3 is out of range for axis 1 of size 3 (element 1)")
	expectShapeError(t, "negative", func() { CrossEntropy(logits, CPU().FromSlice([]float32{-4, 0}, 2)) }, "CrossEntropy: index -4 is out of range")
	expectShapeError(t, "fraction", func() { CrossEntropy(logits, CPU().FromSlice([]float32{0.5, 0}, 2)) }, "CrossEntropy: index 0.5 is not an integer")
	expectShapeError(t, "NaN", func() { CrossEntropy(logits, CPU().FromSlice([]float32{0, float32(math.NaN())}, 2)) }, "CrossEntropy: index NaN is not an integer")
	// a negative target counts from the end: -1 is the last class
	lg := CPU().FromSlice([]float32{1, 2, 3, 4, 5, 7}, 2, 3)
	neg, _ := CrossEntropy(lg, CPU().FromSlice([]float32{-1, -3}, 2)).Item()
	pos, _ := CrossEntropy(lg, CPU().FromSlice([]float32{2, 0}, 2)).Item()
	if neg != pos {
		t.Errorf("targets [-1 -3] give loss %v, [2 0] %v", neg, pos)
	}
	expectShapeError(t, "shapes", func() { CrossEntropy(logits, CPU().Zeros(3)) }, "CrossEntropy", "[2 3] and [3]")
	expectShapeError(t, "rank", func() { CrossEntropy(CPU().Zeros(6), CPU().Zeros(6)) }, "CrossEntropy")
	expectShapeError(t, "no classes", func() { CrossEntropy(CPU().Zeros(2, 0), CPU().Zeros(2)) }, "no classes")
}

func TestLinearErrors(t *testing.T) {
	x, w := CPU().Zeros(2, 3), CPU().Zeros(4, 3)
	expectShapeError(t, "inner", func() { Linear(x, CPU().Zeros(4, 2), nil) }, "Linear", "[2 3] and [4 2]")
	expectShapeError(t, "bias", func() { Linear(x, w, CPU().Zeros(3)) }, "Linear", "bias [4]")
	expectShapeError(t, "scalar", func() { LinearReLU(CPU().Scalar(1), w, nil) }, "LinearReLU")
}

// TestFusedUpdates checks SGDUpdate and AdamUpdate against the formulas
// (one step, in float64) and that they decline without fused kernels or
// with non-contiguous operands.
func TestFusedUpdates(t *testing.T) {
	r := newRand(13)
	const n = 9
	pv, gv, bv := randSlice(r, n), randSlice(r, n), randSlice(r, n)
	p := CPU().FromSlice(pv, n)
	hp := backend.SGDParams{LR: 0.1, Momentum: 0.9, Dampening: 0.2, WeightDecay: 0.01, Nesterov: true}
	buf := CPU().FromSlice(bv, n)
	ok, err := SGDUpdate(p, CPU().FromSlice(gv, n), buf, hp)
	if !ok || err != nil {
		t.Fatalf("SGDUpdate: %v %v", ok, err)
	}
	gotP, gotB := readData(t, p), readData(t, buf)
	for i := range pv {
		g := float64(gv[i]) + 0.01*float64(pv[i])
		b := 0.9*float64(bv[i]) + 0.8*g
		g += 0.9 * b
		wantP := float64(pv[i]) - 0.1*g
		if math.Abs(float64(gotP[i])-wantP) > 1e-6*(1+math.Abs(wantP)) || math.Abs(float64(gotB[i])-b) > 1e-6*(1+math.Abs(b)) {
			t.Errorf("SGD element %d: p %v b %v, want %v %v", i, gotP[i], gotB[i], wantP, b)
		}
	}

	p = CPU().FromSlice(pv, n)
	m, v := CPU().FromSlice(bv, n), CPU().FromSlice(gv, n).Square()
	mv, vv := readData(t, m), readData(t, v)
	ap := backend.AdamParams{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true,
		StepSize: float32(0.01 / (1 - 0.9*0.9)), BC2Sqrt: float32(math.Sqrt(1 - 0.999*0.999))}
	if ok, err := AdamUpdate(p, CPU().FromSlice(gv, n), m, v, ap); !ok || err != nil {
		t.Fatalf("AdamUpdate: %v %v", ok, err)
	}
	gotP, gotM, gotV := readData(t, p), readData(t, m), readData(t, v)
	for i := range pv {
		w := float64(pv[i]) * (1 - 0.01*0.1)
		g := float64(gv[i])
		mi := 0.9*float64(mv[i]) + 0.1*g
		vi := 0.999*float64(vv[i]) + 0.001*g*g
		wantP := w - float64(ap.StepSize)*mi/(math.Sqrt(vi)/float64(ap.BC2Sqrt)+1e-8)
		for _, c := range [][2]float64{{float64(gotP[i]), wantP}, {float64(gotM[i]), mi}, {float64(gotV[i]), vi}} {
			if math.Abs(c[0]-c[1]) > 1e-5*(1+math.Abs(c[1])) {
				t.Errorf("Adam element %d: %v, want %v", i, c[0], c[1])
			}
		}
	}

	pl := On(plainBackend{cpu.New()})
	if ok, _ := SGDUpdate(pl.Zeros(3), pl.Zeros(3), nil, backend.SGDParams{LR: 1}); ok {
		t.Error("SGDUpdate ran on a backend without fused kernels")
	}
	sq := CPU().Zeros(3, 3)
	if ok, _ := AdamUpdate(sq.T(), sq, sq, sq, ap); ok {
		t.Error("AdamUpdate ran on a transposed parameter")
	}
	expectShapeError(t, "shapes", func() { SGDUpdate(CPU().Zeros(3), CPU().Zeros(4), nil, backend.SGDParams{}) }, "SGDUpdate")
}
