package tensor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// Gradient checks
//
// Every differentiable op is checked against central finite differences.
// The loss is L = Σ_j w_j·f(x)_j with fixed random weights w, so every
// output element matters. The forward pass runs on the CPU backend in
// float32, but L is summed on the host in float64 from the float32
// outputs, so its error is only the outputs' rounding: about
// 1e-7·|f|·√n ≈ 1e-6 for these small shapes. With step h = 1e-2 that
// becomes an error of about 1e-6/(2h) = 5e-5 in the difference quotient,
// and the truncation error h²/6·|f'''| is about 2e-5·|f'''|. Inputs are kept
// in well-conditioned ranges (positive where the op needs it, away from
// kinks by more than h, distinct where a maximum is taken), where |f'''| is
// a few units at most, so a tolerance of 2e-3·(1+|g|) separates rounding
// from a wrong gradient, which is off by O(|g|). The step is the float32
// difference actually taken, (x+h)−(x−h) evaluated in float64.

const (
	agStep = 1e-2
	agTol  = 2e-3
)

// agGen draws the value of element k of input i.
type agGen func(r *rand.Rand, i, k int) float32

// agAway is uniform on ±[0.1, 1]: away from 0, the kink of Abs and Relu
// and the pole of division.
func agAway(r *rand.Rand, _, _ int) float32 {
	v := 0.1 + 0.9*r.Float32()
	if r.IntN(2) == 0 {
		v = -v
	}
	return v
}

// agPos is uniform on [0.5, 2], for Log, Sqrt, Pow bases.
func agPos(r *rand.Rand, _, _ int) float32 { return 0.5 + 1.5*r.Float32() }

// agWide is uniform on [-3, 3], for the periodic and saturating ops.
func agWide(r *rand.Rand, _, _ int) float32 { return 6*r.Float32() - 3 }

// agOffGrid is k + [0.15, 0.35] for integers k in [-3, 3]: more than h
// from the integers and the halves where Floor, Ceil, Round and Trunc step.
func agOffGrid(r *rand.Rand, _, _ int) float32 {
	return float32(r.IntN(7)-3) + 0.15 + 0.2*r.Float32()
}

// agDistinct gives values on a grid of spacing 0.1, shuffled by a random
// offset per element and shifted per input: no two elements of any
// inputs are within 2h, so maxima are unique and comparisons stable.
func agDistinct(r *rand.Rand, i, k int) float32 {
	return float32(r.IntN(40)-20)*0.1 + 0.013*float32(k%7) + 0.003*float32(i) + 0.001
}

type agCase struct {
	name   string
	shapes [][]int
	gen    agGen // nil: agAway
	f      func(x []*Tensor) *Tensor
}

// agLeaf builds a tensor of shape on the CPU (a scalar for an empty shape).
func agLeaf(vals []float32, shape []int) *Tensor {
	if len(shape) == 0 {
		return CPU().Scalar(vals[0])
	}
	return CPU().FromSlice(vals, shape...)
}

func agData(t *testing.T, x *Tensor) []float32 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// agCheck compares the gradients Backward computes for c.f with central
// finite differences.
func agCheck(t *testing.T, seed uint64, c agCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	gen := c.gen
	if gen == nil {
		gen = agAway
	}
	vals := make([][]float32, len(c.shapes))
	leaves := make([]*Tensor, len(c.shapes))
	for i, s := range c.shapes {
		vals[i] = make([]float32, prod(s))
		for k := range vals[i] {
			vals[i][k] = gen(r, i, k)
		}
		leaves[i] = agLeaf(vals[i], s).SetRequiresGrad(true)
	}
	out := c.f(leaves)
	w := make([]float32, out.Size())
	for j := range w {
		w[j] = 2*r.Float32() - 1
	}
	loss := out.Mul(agLeaf(w, out.shape)).Sum()
	if err := loss.Backward(); err != nil {
		t.Fatalf("%s: Backward: %v", c.name, err)
	}
	// lossAt evaluates L in float64 from the float32 outputs.
	lossAt := func() float64 {
		var y []float32
		CPU().NoGrad(func(s *Scope) {
			xs := make([]*Tensor, len(vals))
			for i := range vals {
				xs[i] = s.Use(agLeaf(vals[i], c.shapes[i]))
			}
			y = agData(t, c.f(xs))
		})
		s := 0.0
		for j, v := range y {
			s += float64(w[j]) * float64(v)
		}
		return s
	}
	for i, leaf := range leaves {
		g := leaf.Grad()
		if g == nil {
			t.Errorf("%s: input %d has no gradient", c.name, i)
			continue
		}
		if !slices.Equal(g.Shape(), c.shapes[i]) {
			t.Errorf("%s: input %d: gradient shape %v, want %v", c.name, i, g.Shape(), c.shapes[i])
			continue
		}
		got := agData(t, g)
		for k := range vals[i] {
			x0 := vals[i][k]
			xp, xm := x0+agStep, x0-agStep
			vals[i][k] = xp
			lp := lossAt()
			vals[i][k] = xm
			lm := lossAt()
			vals[i][k] = x0
			fd := (lp - lm) / (float64(xp) - float64(xm))
			if d := math.Abs(float64(got[k]) - fd); !(d <= agTol*(1+math.Abs(fd))) {
				t.Errorf("%s: input %d %v element %d: gradient %.6g, finite difference %.6g", c.name, i, c.shapes[i], k, got[k], fd)
			}
		}
	}
}

func TestGradElementwise(t *testing.T) {
	un := func(name string, gen agGen, f func(x *Tensor) *Tensor) agCase {
		return agCase{name: name, shapes: [][]int{{2, 3}}, gen: gen, f: func(x []*Tensor) *Tensor { return f(x[0]) }}
	}
	cases := []agCase{
		un("Neg", nil, (*Tensor).Neg),
		un("Abs", nil, (*Tensor).Abs),
		un("Exp", nil, (*Tensor).Exp),
		un("Log", agPos, (*Tensor).Log),
		un("Sqrt", agPos, (*Tensor).Sqrt),
		un("Rsqrt", agPos, (*Tensor).Rsqrt),
		un("Tanh", nil, (*Tensor).Tanh),
		un("Sigmoid", nil, (*Tensor).Sigmoid),
		un("Relu", nil, (*Tensor).Relu),
		un("Gelu", nil, (*Tensor).Gelu),
		un("Square", nil, (*Tensor).Square),
		un("AddScalar", nil, func(x *Tensor) *Tensor { return x.AddScalar(1.5) }),
		un("SubScalar", nil, func(x *Tensor) *Tensor { return x.SubScalar(1.5) }),
		un("MulScalar", nil, func(x *Tensor) *Tensor { return x.MulScalar(-2.5) }),
		un("DivScalar", nil, func(x *Tensor) *Tensor { return x.DivScalar(0.7) }),
		un("RSubScalar", nil, func(x *Tensor) *Tensor { return x.RSubScalar(0.3) }),
		un("RDivScalar", agPos, func(x *Tensor) *Tensor { return x.RDivScalar(1.3) }),
		un("PowScalar", agPos, func(x *Tensor) *Tensor { return x.PowScalar(2.5) }),
		un("PowScalarNeg", agPos, func(x *Tensor) *Tensor { return x.PowScalar(-1.5) }),
		un("PowScalar0", agPos, func(x *Tensor) *Tensor { return x.PowScalar(0) }),
		un("MaximumScalar", nil, func(x *Tensor) *Tensor { return x.MaximumScalar(0.05) }),
		un("MinimumScalar", nil, func(x *Tensor) *Tensor { return x.MinimumScalar(-0.05) }),
		un("Gelu0", func(r *rand.Rand, _, k int) float32 { return []float32{0, -3, 3, 0.5, -0.5, 6}[k] }, (*Tensor).Gelu),
		// A graph that uses its input several times.
		un("reuse", nil, func(x *Tensor) *Tensor { return x.Mul(x).Add(x.Exp()).Mul(x.Tanh()) }),
		// Non-contiguous input.
		un("transposed", nil, func(x *Tensor) *Tensor { return x.T().Exp().Mul(x.T()) }),
	}
	// Broadcasting pairs; the gradient of each is summed back to its shape.
	pairs := [][2][]int{{{2, 3}, {2, 3}}, {{3, 1}, {4}}, {{2, 1, 3}, {4, 1}}, {{}, {2, 3}}, {{2, 3}, {1}}}
	bin := []struct {
		name string
		gen  agGen
		f    func(a, b *Tensor) *Tensor
	}{
		{"Add", nil, (*Tensor).Add},
		{"Sub", nil, (*Tensor).Sub},
		{"Mul", nil, (*Tensor).Mul},
		{"Div", func(r *rand.Rand, i, k int) float32 { // denominator in [0.5, 2], where f''' ~ 1/u^4 stays small
			if i == 1 {
				return agPos(r, i, k)
			}
			return agAway(r, i, k)
		}, (*Tensor).Div},
		{"Pow", func(r *rand.Rand, i, k int) float32 {
			if i == 0 {
				return agPos(r, i, k)
			}
			return agAway(r, i, k)
		}, (*Tensor).Pow},
		{"Maximum", agDistinct, (*Tensor).Maximum},
		{"Minimum", agDistinct, (*Tensor).Minimum},
	}
	for _, b := range bin {
		for _, p := range pairs {
			f := b.f
			cases = append(cases, agCase{name: fmt.Sprintf("%s%v%v", b.name, p[0], p[1]), shapes: [][]int{p[0], p[1]}, gen: b.gen,
				f: func(x []*Tensor) *Tensor { return f(x[0], x[1]) }})
		}
	}
	cond := CPU().FromSlice([]float32{1, 0, 0, 1, 1, 0}, 2, 3)
	cases = append(cases,
		agCase{name: "Where", shapes: [][]int{{2, 3}, {3}}, f: func(x []*Tensor) *Tensor { return Where(cond, x[0], x[1]) }},
		agCase{name: "WhereBroadcast", shapes: [][]int{{1}, {2, 1}}, f: func(x []*Tensor) *Tensor { return Where(cond, x[0], x[1]) }},
	)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(i), c) })
	}
}

// TestGradRoundingTrig checks Sin, Cos and Erf, and the zero gradient that
// Floor, Ceil, Round and Trunc record (apart from TestGradElementwise so
// that its cases keep their seeds).
func TestGradRoundingTrig(t *testing.T) {
	un := func(name string, gen agGen, f func(x *Tensor) *Tensor) agCase {
		return agCase{name: name, shapes: [][]int{{2, 3}}, gen: gen, f: func(x []*Tensor) *Tensor { return f(x[0]) }}
	}
	cases := []agCase{
		un("Sin", agWide, (*Tensor).Sin),
		un("Cos", agWide, (*Tensor).Cos),
		un("Erf", agWide, (*Tensor).Erf),
		// piecewise constant: zero gradient (as PyTorch), checked away from the steps
		un("Floor", agOffGrid, (*Tensor).Floor),
		un("Ceil", agOffGrid, (*Tensor).Ceil),
		un("Round", agOffGrid, (*Tensor).Round),
		un("Trunc", agOffGrid, (*Tensor).Trunc),
		un("RoundTimes", agOffGrid, func(x *Tensor) *Tensor { return x.Round().Mul(x) }),
		un("SinTransposed", agWide, func(x *Tensor) *Tensor { return x.T().Sin().Mul(x.T().Cos()) }),
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(100+i), c) })
	}
	// The rounding ops record a gradient of zeros (PyTorch's), so a loss
	// built from them alone still runs Backward.
	x := CPU().FromSlice([]float32{0.5, 1.7, -2.5}).SetRequiresGrad(true)
	if err := x.Round().Add(x.Floor()).Add(x.Ceil()).Add(x.Trunc()).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "rounding", x.Grad(), 0, 0, 0)
}

func TestGradViews(t *testing.T) {
	sq := func(y *Tensor) *Tensor { return y.Mul(y) } // nonlinear, so position errors show
	cases := []agCase{
		{name: "Reshape", shapes: [][]int{{2, 6}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Reshape(3, -1)) }},
		{name: "ReshapeCopy", shapes: [][]int{{3, 4}}, f: func(x []*Tensor) *Tensor { return sq(x[0].T().Reshape(2, 6)) }},
		{name: "Flatten", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Flatten()) }},
		{name: "Permute", shapes: [][]int{{2, 3, 4}}, f: func(x []*Tensor) *Tensor {
			return x[0].Permute(2, 0, -2).Mul(CPU().Arange(0, 24, 1).Reshape(4, 2, 3))
		}},
		{name: "Transpose", shapes: [][]int{{2, 3, 4}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Transpose(0, 2)) }},
		{name: "T", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return x[0].T().MatMul(x[0]) }},
		{name: "Slice", shapes: [][]int{{5, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Slice(0, 1, 5, 2)) }},
		{name: "SliceNeg", shapes: [][]int{{3, 7}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Slice(1, -5, -1, 3)) }},
		{name: "Narrow", shapes: [][]int{{3, 4}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Narrow(1, 1, 2)) }},
		{name: "Index", shapes: [][]int{{4, 4}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Index(1, -1)).Add(x[0].Index(0, 1)) }},
		{name: "BroadcastTo", shapes: [][]int{{3, 1}}, f: func(x []*Tensor) *Tensor { return sq(x[0].BroadcastTo(2, 3, 4)) }},
		{name: "Expand", shapes: [][]int{{1, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Expand(4, -1)) }},
		{name: "Squeeze", shapes: [][]int{{1, 3, 1}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Squeeze()) }},
		{name: "Unsqueeze", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor {
			return sq(x[0].Unsqueeze(1)).Mul(CPU().Arange(0, 3, 1).Reshape(1, 3, 1))
		}},
		{name: "Contiguous", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].T().Contiguous()) }},
		{name: "Clone", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Clone()) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(100+i), c) })
	}
}

func TestGradMatMul(t *testing.T) {
	mm := func(x []*Tensor) *Tensor { return x[0].MatMul(x[1]) }
	cases := []agCase{
		{name: "2x2", shapes: [][]int{{3, 4}, {4, 2}}, f: mm},
		{name: "vec-mat", shapes: [][]int{{4}, {4, 3}}, f: mm},
		{name: "mat-vec", shapes: [][]int{{3, 4}, {4}}, f: mm},
		{name: "dot", shapes: [][]int{{5}, {5}}, f: mm},
		{name: "batched", shapes: [][]int{{2, 3, 4}, {2, 4, 2}}, f: mm},
		{name: "broadcast-batch", shapes: [][]int{{2, 1, 3, 4}, {3, 4, 2}}, f: mm},
		{name: "batch-vec", shapes: [][]int{{4}, {2, 4, 3}}, f: mm},
		{name: "transposed", shapes: [][]int{{4, 3}, {2, 4}}, f: func(x []*Tensor) *Tensor { return x[0].T().MatMul(x[1].T()) }},
		{name: "squared", shapes: [][]int{{3, 3}}, f: func(x []*Tensor) *Tensor { return x[0].MatMul(x[0]) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(200+i), c) })
	}
}

func TestGradReduce(t *testing.T) {
	s := [][]int{{2, 3, 4}}
	cases := []agCase{
		{name: "Sum", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Sum().Square() }},
		{name: "Sum0", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Sum(0).Square() }},
		{name: "SumKeepDims", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].SumKeepDims(0, 2).Square() }},
		{name: "Mean", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Mean(-1).Square() }},
		{name: "MeanAll", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Mean().Square() }},
		{name: "MeanKeepDims", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].MeanKeepDims(1).Square() }},
		{name: "Max", shapes: s, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].Max(1).Square() }},
		{name: "MaxAll", shapes: s, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].Max().Square() }},
		{name: "MaxKeepDims", shapes: s, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].MaxKeepDims(0, 2).Square() }},
		{name: "Min", shapes: s, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].Min(2).Square() }},
		{name: "MinKeepDims", shapes: s, gen: agDistinct, f: func(x []*Tensor) *Tensor { return x[0].MinKeepDims(1).Square() }},
		{name: "Var", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Var(1) }},
		{name: "VarAll", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Var() }},
		{name: "VarKeepDims", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].VarKeepDims(0, 2) }},
		{name: "Softmax", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Softmax(-1) }},
		{name: "Softmax0", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].Softmax(0) }},
		{name: "SoftmaxT", shapes: [][]int{{3, 4}}, f: func(x []*Tensor) *Tensor { return x[0].T().Softmax(1) }},
		{name: "LogSoftmax", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].LogSoftmax(1) }},
		{name: "LogSoftmax-1", shapes: s, f: func(x []*Tensor) *Tensor { return x[0].LogSoftmax(-1) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(300+i), c) })
	}
}

func TestGradJoin(t *testing.T) {
	idx := CPU().FromSlice([]float32{2, 0, 2, 1, 1, 1, 0, 2}, 2, 4)
	sel := CPU().FromSlice([]float32{3, 0, 3, 1, 3})
	sq := func(y *Tensor) *Tensor { return y.Mul(y) }
	cases := []agCase{
		{name: "Concat", shapes: [][]int{{2, 1}, {2, 3}, {2, 2}}, f: func(x []*Tensor) *Tensor { return sq(Concat(1, x...)) }},
		{name: "ConcatSame", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return sq(Concat(0, x[0], x[0].Exp())) }},
		{name: "Stack", shapes: [][]int{{2, 3}, {2, 3}}, f: func(x []*Tensor) *Tensor { return sq(Stack(1, x...)) }},
		// Gather along axis 0 of a [3, 5]: repeated indices accumulate, and
		// only the first 4 columns are read.
		{name: "Gather", shapes: [][]int{{3, 5}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Gather(0, idx.Reshape(4, 2).T())) }},
		{name: "Gather1", shapes: [][]int{{2, 3}}, f: func(x []*Tensor) *Tensor { return sq(x[0].Gather(1, idx)) }},
		{name: "IndexSelect", shapes: [][]int{{2, 4}}, f: func(x []*Tensor) *Tensor { return sq(x[0].IndexSelect(1, sel)) }},
		{name: "IndexSelect0", shapes: [][]int{{4, 2}}, f: func(x []*Tensor) *Tensor { return sq(x[0].IndexSelect(0, sel)) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(400+i), c) })
	}
}

func agWant(t *testing.T, what string, x *Tensor, want ...float32) {
	t.Helper()
	if x == nil {
		t.Fatalf("%s: nil, want %v", what, want)
	}
	got := agData(t, x)
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
	}
}

// TestGradTies pins the conventions at ties: Max and Min split the
// gradient evenly between equal maxima (PyTorch's amax), Maximum and Minimum
// split it between the operands, Relu and Abs pass none at 0.
func TestGradTies(t *testing.T) {
	x := CPU().FromSlice([]float32{1, 3, 3, -2}).SetRequiresGrad(true)
	if err := x.Max().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "Max", x.Grad(), 0, 0.5, 0.5, 0)
	y := CPU().FromSlice([]float32{0, 2, -1}).SetRequiresGrad(true)
	z := CPU().FromSlice([]float32{0, 1, 5}).SetRequiresGrad(true)
	if err := y.Maximum(z).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "Maximum a", y.Grad(), 0.5, 1, 0)
	agWant(t, "Maximum b", z.Grad(), 0.5, 0, 1)
	w := CPU().FromSlice([]float32{0, 0}).SetRequiresGrad(true)
	if err := w.Relu().Add(w.Abs()).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "Relu+Abs", w.Grad(), 0, 0)
}

func TestBackwardAccumulates(t *testing.T) {
	x := CPU().FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	// Two graphs, two backward passes: gradients add up.
	for range 2 {
		if err := x.Mul(x).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
	}
	agWant(t, "after two passes", x.Grad(), 4, 8, 12)
	// The same graph twice adds again.
	loss := x.MulScalar(3).Sum()
	for range 2 {
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
	}
	agWant(t, "same graph twice", x.Grad(), 10, 14, 18)
	x.ZeroGrad()
	agWant(t, "ZeroGrad", x.Grad(), 0, 0, 0)
	// A diamond: x used by two branches that meet again.
	a := x.Exp()
	if err := a.Mul(x).Add(a).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 3)
	for i, v := range []float64{1, 2, 3} { // d/dx (x+1)eˣ = (x+2)eˣ
		want[i] = float32((v + 2) * math.Exp(v))
	}
	got := agData(t, x.Grad())
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*float64(want[i]) {
			t.Fatalf("diamond: %v, want %v", got, want)
		}
	}
	x.SetRequiresGrad(false)
	if x.Grad() != nil || x.RequiresGrad() {
		t.Fatal("SetRequiresGrad(false) kept the gradient")
	}
}

func TestNoGrad(t *testing.T) {
	x := CPU().FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	var y *Tensor
	CPU().NoGrad(func(s *Scope) {
		if s.GradEnabled() {
			t.Error("GradEnabled inside NoGrad")
		}
		// Another goroutine computing on tensors outside s keeps recording.
		var wg sync.WaitGroup
		wg.Go(func() {
			if !x.Exp().RequiresGrad() {
				t.Error("NoGrad leaked into another goroutine")
			}
		})
		wg.Wait()
		// Tensors outside any scope record gradients, even inside f.
		if !x.Exp().RequiresGrad() {
			t.Error("op on a tensor outside the scope did not record")
		}
		s.Step(func(inner *Scope) {
			if inner.GradEnabled() {
				t.Error("a scope nested in a NoGrad scope records gradients")
			}
		})
		xs := s.Use(x)
		y = xs.Mul(xs).Sum()
	})
	CPU().Step(func(s *Scope) {
		if !s.GradEnabled() {
			t.Error("GradEnabled false in a Step")
		}
		if !s.Use(x).Exp().RequiresGrad() {
			t.Error("op in a Step did not record")
		}
	})
	if y.RequiresGrad() {
		t.Error("result computed in a NoGrad scope requires a gradient")
	}
	if err := y.Backward(); err == nil {
		t.Error("Backward of a NoGrad result: no error")
	}
	if x.Grad() != nil {
		t.Error("gradient stored after a NoGrad forward")
	}
	// Leaves that do not require a gradient get none.
	c := CPU().FromSlice([]float32{3, 4})
	if err := x.Mul(c).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if c.Grad() != nil || c.RequiresGrad() {
		t.Error("constant got a gradient")
	}
	agWant(t, "x", x.Grad(), 3, 4)
	// Detach cuts the graph: d/dx x·stop(x) = stop(x).
	x.ZeroGrad()
	if err := x.Mul(x.Detach()).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	agWant(t, "Detach", x.Grad(), 1, 2)
	// Non-differentiable ops cut the graph.
	if x.Gt(c).RequiresGrad() || x.ArgMax().RequiresGrad() || x.Sign().RequiresGrad() {
		t.Error("comparison, ArgMax or Sign requires a gradient")
	}
}

func TestBackwardErrors(t *testing.T) {
	x := CPU().FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	if err := x.Exp().Backward(); err == nil {
		t.Error("Backward of a 2-element tensor: no error")
	}
	if err := CPU().Scalar(1).Backward(); err == nil {
		t.Error("Backward of a constant: no error")
	}
	if err := x.Exp().BackwardWith(CPU().FromSlice([]float32{1, -1})); err != nil {
		t.Fatal(err)
	}
	agWant(t, "BackwardWith", x.Grad(), float32(math.E), float32(-math.E*math.E))
	v := agCatch(func() { x.Exp().SetRequiresGrad(true) })
	var be *BackendError
	if err, ok := v.(error); !ok || !errors.As(err, &be) {
		t.Errorf("SetRequiresGrad on a computed tensor: panic %v, want *BackendError", v)
	}
	// A 1-element tensor of rank > 0 is a valid loss.
	if err := x.Sum().Reshape(1, 1).Backward(); err != nil {
		t.Error(err)
	}
}

func TestAssign(t *testing.T) {
	p := CPU().FromSlice([]float32{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	CPU().NoGrad(func(s *Scope) {
		if err := p.Assign(s.Use(p).MulScalar(2)); err != nil {
			t.Fatal(err)
		}
	})
	agWant(t, "Assign", p, 2, 4, 6, 8)
	if err := p.Assign(CPU().FromSlice([]float32{1, 0})); err != nil { // broadcasts
		t.Fatal(err)
	}
	agWant(t, "Assign broadcast", p, 1, 0, 1, 0)
	if err := p.Assign(p.T()); err != nil { // overlaps its own storage
		t.Fatal(err)
	}
	agWant(t, "Assign own transpose", p, 1, 1, 0, 0)
	if !p.RequiresGrad() || !p.leaf {
		t.Error("Assign changed the leaf")
	}
	if _, ok := agCatch(func() { p.Assign(CPU().Ones(3)) }).(*ShapeError); !ok {
		t.Error("Assign of a [3] to a [2 2]: no *ShapeError")
	}
}

func agCatch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}
