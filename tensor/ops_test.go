package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Tests of the composed ops (ops_math.go, ops_shape.go, ops_random.go)
// against float64 references on random shapes and layouts, and their
// gradients by finite differences.

// refScan is the running sum or product along axis.
func refScan(a *nd, axis int, prod bool) *nd {
	out := ndZeros(a.shape...)
	forEachIndex(a.shape, func(idx []int) {
		j := slices.Clone(idx)
		acc := 0.0
		if prod {
			acc = 1
		}
		for k := 0; k <= idx[axis]; k++ {
			j[axis] = k
			if prod {
				acc *= a.at(j)
			} else {
				acc += a.at(j)
			}
		}
		out.set(idx, acc)
	})
	return out
}

// relTol is a tolerance of rel·(|w|+1) with w from want.
func relTol(want *nd, rel float64) func(int) float64 {
	return func(i int) float64 { return rel * (math.Abs(want.data[i]) + 1) }
}

func TestOpsElementwise(t *testing.T) {
	r := newRand(41)
	for it := range iters(40) {
		shape := randShape(r, 0, 3)
		x, a, lay := randTensor(r, shape, vSpecial)
		what := caseName("#%d %v %s", it, shape, lay)
		checkULP(t, "Clamp "+what, x.Clamp(-1.5, 2), refUnary(a, func(v float64) float64 {
			if math.IsNaN(v) {
				return v
			}
			return math.Max(-1.5, math.Min(2, v))
		}), 0)
		checkTol(t, "SiLU "+what, x.SiLU(), refUnary(a, func(v float64) float64 {
			if math.IsInf(v, -1) {
				return math.NaN() // −Inf·sigmoid(−Inf) = −Inf·0, see TestSiLUInf
			}
			return v / (1 + math.Exp(-v))
		}), func(i int) float64 { return 1e-6 * (math.Abs(a.data[i]) + 1) })
	}
}

// siluInf: SiLU(−Inf) = −Inf·sigmoid(−Inf) = −Inf·0, NaN as in PyTorch.
func TestSiLUInf(t *testing.T) {
	got := readData(t, CPU().FromSlice([]float32{float32(math.Inf(-1)), float32(math.Inf(1)), 0}).SiLU())
	if !math.IsNaN(float64(got[0])) || !math.IsInf(float64(got[1]), 1) || got[2] != 0 {
		t.Errorf("SiLU(−Inf, +Inf, 0) = %v, want NaN, +Inf, 0 (as torch.nn.functional.silu)", got)
	}
}

func TestLog1pExpm1(t *testing.T) {
	r := newRand(42)
	// Values across the branches: tiny, near the switch points, large.
	var vals []float32
	for _, mag := range []float64{1e-30, 1e-12, 1e-8, 6e-8, 1e-6, 1e-3, 0.05, 0.0999, 0.1, 0.1001, 0.3, 0.4999, 0.5, 0.5001, 0.9, 2, 10, 80, 1e10, 3e38} {
		vals = append(vals, float32(mag), float32(-mag))
	}
	for range 500 {
		vals = append(vals, float32(r.NormFloat64()*math.Pow(10, float64(r.IntN(8)-6))))
	}
	x := CPU().FromSlice(vals)
	a := ndFrom32([]int{len(vals)}, vals)
	// Log1p: a few float32 ulps of the float64 result on the CPU backend
	// (NaN below −1, as math.Log1p).
	checkULP(t, "Log1p", x.Log1p(), refUnary(a, math.Log1p), 4)
	checkULP(t, "Expm1", x.Expm1(), refUnary(a, math.Expm1), 4)
	// Special values.
	sp := CPU().FromSlice([]float32{-1, -2, float32(math.Inf(1)), float32(math.NaN()), 0, float32(math.Copysign(0, -1))})
	spA := toND(sp)
	checkULP(t, "Log1p special", sp.Log1p(), refUnary(spA, math.Log1p), 0)
	checkULP(t, "Expm1 special", CPU().FromSlice([]float32{float32(math.Inf(-1)), float32(math.Inf(1)), 100, float32(math.NaN())}).Expm1(),
		refUnary(ndFrom32([]int{4}, []float32{float32(math.Inf(-1)), float32(math.Inf(1)), 100, float32(math.NaN())}), math.Expm1), 0)
	// The plain compositions are what these ops improve on.
	if v := readData(t, CPU().FromSlice([]float32{1e-8}).AddScalar(1).Log())[0]; v != 0 {
		t.Logf("note: log(1+1e-8) composed is %v", v)
	}
}

func TestOpsReductions(t *testing.T) {
	r := newRand(43)
	for it := range iters(40) {
		shape := randShape(r, 1, 3)
		x, a, lay := randTensor(r, shape, vNormal)
		ax := r.IntN(len(shape))
		what := caseName("#%d %v %s axis %d", it, shape, lay, ax)

		if refProd(shape) == 0 {
			continue // Max and Var of nothing are errors; Prod of nothing is below
		}
		// LogSumExp along ax and over everything.
		lse := func(a *nd, axes []int, keep bool) *nd {
			m, _ := refReduce(a, axes, true, "max")
			out, _ := refReduce(a, axes, keep, "sum")
			e := ndZeros(a.shape...)
			forEachIndex(a.shape, func(idx []int) {
				e.set(idx, math.Exp(a.at(idx)-bcastAt(m, idx)))
			})
			s, _ := refReduce(e, axes, true, "sum")
			for i := range s.data {
				if math.IsInf(m.data[i], 0) {
					s.data[i] = math.Log(s.data[i])
				} else {
					s.data[i] = math.Log(s.data[i]) + m.data[i]
				}
			}
			out.data = s.data
			return out
		}
		checkTol(t, "LogSumExp "+what, x.LogSumExp(ax), lse(a, []int{ax}, false), relTol(lse(a, []int{ax}, false), 1e-6))
		checkTol(t, "LogSumExpKeepDims "+what, x.LogSumExpKeepDims(ax), lse(a, []int{ax}, true), relTol(lse(a, []int{ax}, true), 1e-6))
		checkTol(t, "LogSumExpAll "+what, x.LogSumExp(), lse(a, nil, false), relTol(lse(a, nil, false), 1e-5))

		// Std: √ of the float64 population variance.
		v, _ := refReduce(a, []int{ax}, false, "var")
		checkTol(t, "Std "+what, x.Std(ax), refUnary(v, math.Sqrt), relTol(refUnary(v, math.Sqrt), 1e-5))
		vk, _ := refReduce(a, []int{ax}, true, "var")
		checkTol(t, "StdKeepDims "+what, x.StdKeepDims(ax), refUnary(vk, math.Sqrt), relTol(refUnary(vk, math.Sqrt), 1e-5))

		// Prod and Cumprod on signed powers of two and zeros, whose
		// products are exact in float32 in any order.
		pw := ndZeros(shape...)
		for i := range pw.data {
			pw.data[i] = []float64{1, -1, 2, -2, 0.5, -0.5, 1, -1, 0}[r.IntN(9)]
		}
		xp, ap := makeTensor(r, pw, layout(r.IntN(int(numLayouts))))
		checkULP(t, "Prod "+what, xp.Prod(ax), refProdAxes(ap, []int{ax}), 0)
		checkULP(t, "ProdAll "+what, xp.Prod(), refProdAxes(ap, nil), 0)
		if len(shape) >= 2 {
			checkULP(t, "Prod two axes "+what, xp.Prod(0, -1), refProdAxes(ap, []int{0, len(shape) - 1}), 0)
		}

		// Cumsum and Cumprod.
		checkTol(t, "Cumsum "+what, x.Cumsum(ax), refScan(a, ax, false), func(i int) float64 { return 1e-5 * float64(shape[ax]+1) * 4 })
		checkULP(t, "Cumprod "+what, xp.Cumprod(ax), refScan(ap, ax, true), 0)
	}
	// Infinite and empty edge cases of LogSumExp.
	inf := float32(math.Inf(1))
	got := readData(t, CPU().FromSlice([]float32{-inf, -inf, 1, inf, 0, 0}, 3, 2).LogSumExp(1))
	if !math.IsInf(float64(got[0]), -1) || !math.IsInf(float64(got[1]), 1) || math.Abs(float64(got[2])-math.Ln2) > 1e-6 {
		t.Errorf("LogSumExp of rows [−Inf −Inf], [1 Inf], [0 0] = %v, want −Inf, +Inf, ln 2", got)
	}
	if got := readData(t, CPU().Zeros(2, 0).Prod(1)); !slices.Equal(got, []float32{1, 1}) {
		t.Errorf("empty Prod = %v, want [1 1]", got)
	}
}

// refProdAxes is the product over axes (all when nil), axes removed.
func refProdAxes(a *nd, axes []int) *nd {
	red := refReduceAxes(len(a.shape), axes)
	out := ndZeros(outShapeNoKeep(a.shape, red)...)
	for i := range out.data {
		out.data[i] = 1
	}
	forEachIndex(a.shape, func(idx []int) {
		var o []int
		for d, v := range idx {
			if !red[d] {
				o = append(o, v)
			}
		}
		out.data[lin(out.shape, o)] *= a.at(idx)
	})
	return out
}

func TestOpsShape(t *testing.T) {
	r := newRand(44)
	for it := range iters(40) {
		shape := randShape(r, 1, 3)
		x, a, lay := randTensor(r, shape, vNormal)
		ax := r.IntN(len(shape))
		what := caseName("#%d %v %s axis %d", it, shape, lay, ax)

		// Pad.
		widths := make([][2]int, len(shape))
		for i := range widths {
			widths[i] = [2]int{r.IntN(3), r.IntN(3)}
		}
		padShape := slices.Clone(shape)
		for i, w := range widths {
			padShape[i] += w[0] + w[1]
		}
		wantPad := ndZeros(padShape...)
		for i := range wantPad.data {
			wantPad.data[i] = -2.5
		}
		forEachIndex(shape, func(idx []int) {
			j := slices.Clone(idx)
			for i := range j {
				j[i] += widths[i][0]
			}
			wantPad.set(j, a.at(idx))
		})
		checkULP(t, caseName("Pad %v %s", widths, what), x.Pad(-2.5, widths...), wantPad, 0)

		// Tile with reps shorter, equal and longer than the rank.
		reps := make([]int, r.IntN(len(shape)+2))
		for i := range reps {
			reps[i] = r.IntN(3) + []int{0, 1}[r.IntN(2)]
		}
		checkULP(t, caseName("Tile %v %s", reps, what), x.Tile(reps...), refTile(a, reps), 0)

		// Split into random sizes, Chunk into n.
		n := shape[ax]
		var sizes []int
		for left := n; left > 0; {
			s := 1 + r.IntN(left)
			sizes, left = append(sizes, s), left-s
		}
		at := 0
		for i, p := range x.Split(ax, sizes...) {
			checkULP(t, caseName("Split %v part %d %s", sizes, i, what), p, refSlice(a, ax, at, at+sizes[i], 1), 0)
			at += sizes[i]
		}
		k := 1 + r.IntN(4)
		chunks := x.Chunk(ax, k)
		at = 0
		for i, c := range chunks {
			m := c.Dim(ax)
			checkULP(t, caseName("Chunk %d part %d %s", k, i, what), c, refSlice(a, ax, at, at+m, 1), 0)
			at += m
		}
		if at != n || len(chunks) > k {
			t.Errorf("Chunk(%d, %d) of %v: %d chunks covering %d", ax, k, shape, len(chunks), at)
		}

		// Flip, Roll.
		flip := ndZeros(shape...)
		forEachIndex(shape, func(idx []int) {
			j := slices.Clone(idx)
			j[ax] = shape[ax] - 1 - j[ax]
			flip.set(idx, a.at(j))
		})
		checkULP(t, "Flip "+what, x.Flip(ax), flip, 0)
		shift := r.IntN(11) - 5
		roll := ndZeros(shape...)
		forEachIndex(shape, func(idx []int) {
			j := slices.Clone(idx)
			j[ax] = (((j[ax] + shift) % n) + n) % n
			roll.set(j, a.at(idx))
		})
		checkULP(t, caseName("Roll %d %s", shift, what), x.Roll(shift, ax), roll, 0)

		// Tril, Triu, MaskedFill on rank ≥ 2.
		if len(shape) >= 2 {
			diag := r.IntN(5) - 2
			tri := func(lower bool) *nd {
				out := ndZeros(shape...)
				forEachIndex(shape, func(idx []int) {
					i, j := idx[len(idx)-2], idx[len(idx)-1]
					if (lower && j-i <= diag) || (!lower && j-i >= diag) {
						out.set(idx, a.at(idx))
					}
				})
				return out
			}
			checkULP(t, caseName("Tril %d %s", diag, what), x.Tril(diag), tri(true), 0)
			checkULP(t, caseName("Triu %d %s", diag, what), x.Triu(diag), tri(false), 0)
		}
		mshape := deriveShape(r, shape)
		mask, m, _ := randTensor(r, mshape, vInts)
		mask = mask.GtScalar(0)
		filled := ndZeros(shape...)
		forEachIndex(shape, func(idx []int) {
			if bcastAt(m, idx) > 0 {
				filled.set(idx, 9)
			} else {
				filled.set(idx, a.at(idx))
			}
		})
		checkULP(t, caseName("MaskedFill mask %v %s", mshape, what), x.MaskedFill(mask, 9), filled, 0)

		// *Like.
		for _, c := range []struct {
			name string
			got  *Tensor
			v    float64
		}{{"ZerosLike", ZerosLike(x), 0}, {"OnesLike", OnesLike(x), 1}, {"FullLike", FullLike(x, 3.5), 3.5}} {
			want := ndZeros(shape...)
			for i := range want.data {
				want.data[i] = c.v
			}
			checkULP(t, c.name+" "+what, c.got, want, 0)
		}
	}
}

// refTile is NumPy's tile.
func refTile(a *nd, reps []int) *nd {
	shape := slices.Clone(a.shape)
	for len(shape) < len(reps) {
		shape = append([]int{1}, shape...)
	}
	full := append(slices.Repeat([]int{1}, len(shape)-len(reps)), reps...)
	src := refReshape(a, shape...)
	out := make([]int, len(shape))
	for i := range shape {
		out[i] = shape[i] * full[i]
	}
	res := ndZeros(out...)
	forEachIndex(out, func(idx []int) {
		j := make([]int, len(idx))
		for i := range idx {
			j[i] = idx[i] % shape[i]
		}
		res.set(idx, src.at(j))
	})
	return res
}

func TestLinspace(t *testing.T) {
	for _, c := range []struct {
		start, stop float64
		n           int
	}{{0, 1, 5}, {-3, 7, 11}, {2, 2, 3}, {1, -1, 4}, {0, 1, 1}, {0, 1, 0}, {0.1, 0.7, 7}} {
		want := ndZeros(c.n)
		for i := range want.data {
			want.data[i] = c.start + float64(i)*(c.stop-c.start)/float64(max(c.n-1, 1))
		}
		if c.n > 1 {
			want.data[c.n-1] = c.stop
		}
		checkULP(t, caseName("Linspace(%v, %v, %d)", c.start, c.stop, c.n), Linspace(c.start, c.stop, c.n), want, 0)
	}
	expectShapeError(t, "Linspace negative", func() { Linspace(0, 1, -1) }, "Linspace", "negative")
}

func TestOpsErrors(t *testing.T) {
	x := CPU().Zeros(2, 3)
	expectShapeError(t, "Clamp", func() { x.Clamp(1, 0) }, "Clamp", "above")
	expectShapeError(t, "Pad count", func() { x.Pad(0, [2]int{1, 1}) }, "Pad", "1 width pairs for rank 2")
	expectShapeError(t, "Pad negative", func() { x.Pad(0, [2]int{0, 0}, [2]int{-1, 0}) }, "Pad", "negative")
	expectShapeError(t, "Tile", func() { x.Tile(1, -1) }, "Tile", "negative")
	expectShapeError(t, "Split", func() { x.Split(1, 1, 1) }, "Split", "add up to 2")
	expectShapeError(t, "Chunk", func() { x.Chunk(1, 0) }, "Chunk", "not positive")
	expectShapeError(t, "Tril", func() { CPU().Zeros(3).Tril(0) }, "Tril", "rank 2")
	expectShapeError(t, "MaskedFill", func() { CPU().Zeros(3).MaskedFill(x, 1) }, "MaskedFill", "does not broadcast")
	expectShapeError(t, "Roll axis", func() { x.Roll(1, 2) }, "Roll", "no axis 2")
	expectShapeError(t, "Randint", func() { CPU().Randint(NewRNG(1), 3, 3, 2) }, "Randint", "empty")
	expectShapeError(t, "Multinomial", func() { Multinomial(NewRNG(1), CPU().Zeros(2, 0), 1) }, "Multinomial", "no categories")
}

func TestGradOps(t *testing.T) {
	s := [][]int{{2, 3, 4}}
	un := func(name string, gen agGen, shape []int, f func(x *Tensor) *Tensor) agCase {
		return agCase{name: name, shapes: [][]int{shape}, gen: gen, f: func(x []*Tensor) *Tensor { return f(x[0]) }}
	}
	// Inputs on ±[0.1, 1] away from the clamp bounds ±0.55 by more than h.
	clampGen := func(r *rand.Rand, _, k int) float32 {
		return []float32{-0.9, -0.3, 0.2, 0.4, 0.8, -0.7}[k%6] + 0.001*float32(k)
	}
	cases := []agCase{
		un("Clamp", clampGen, []int{2, 3}, func(x *Tensor) *Tensor { return x.Clamp(-0.55, 0.55) }),
		un("SiLU", nil, []int{2, 3}, (*Tensor).SiLU),
		un("Log1p", agPos, []int{2, 3}, (*Tensor).Log1p),
		un("Log1pSmall", func(r *rand.Rand, _, _ int) float32 { return 0.05 * (2*r.Float32() - 1) }, []int{2, 3}, (*Tensor).Log1p),
		un("Expm1", nil, []int{2, 3}, (*Tensor).Expm1),
		un("Expm1Large", agPos, []int{2, 3}, func(x *Tensor) *Tensor { return x.AddScalar(0.6).Expm1() }),
		un("LogSumExp", nil, s[0], func(x *Tensor) *Tensor { return x.LogSumExp(1) }),
		un("LogSumExpAll", nil, s[0], func(x *Tensor) *Tensor { return x.LogSumExp() }),
		un("Std", nil, s[0], func(x *Tensor) *Tensor { return x.Std(2) }),
		un("Prod", nil, s[0], func(x *Tensor) *Tensor { return x.Prod(1) }),
		un("ProdAll", nil, []int{2, 3}, func(x *Tensor) *Tensor { return x.Prod() }),
		un("ProdZero", func(r *rand.Rand, _, k int) float32 { return []float32{0, 0.5, -0.7, 0.9, 0, 0}[k] }, []int{2, 3}, func(x *Tensor) *Tensor { return x.Prod(1) }),
		un("Cumsum", nil, s[0], func(x *Tensor) *Tensor { return x.Cumsum(2) }),
		un("Cumprod", nil, s[0], func(x *Tensor) *Tensor { return x.Cumprod(1) }),
		un("Pad", nil, []int{2, 3}, func(x *Tensor) *Tensor { return x.Pad(1, [2]int{1, 0}, [2]int{2, 1}) }),
		un("Tile", nil, []int{2, 3}, func(x *Tensor) *Tensor { return x.Tile(2, 1, 2) }),
		un("Split", nil, s[0], func(x *Tensor) *Tensor { p := x.Split(2, 1, 3); return p[1].Mul(p[0]) }),
		un("Chunk", nil, s[0], func(x *Tensor) *Tensor { p := x.Chunk(1, 2); return p[0].Square() }),
		un("Flip", nil, s[0], func(x *Tensor) *Tensor { return x.Flip(0, 2).Mul(x) }),
		un("Roll", nil, s[0], func(x *Tensor) *Tensor { return x.Roll(-3, 2).Mul(x) }),
		un("Tril", nil, []int{2, 3, 3}, func(x *Tensor) *Tensor { return x.Tril(0).Exp() }),
		un("Triu", nil, []int{3, 4}, func(x *Tensor) *Tensor { return x.Triu(1).Exp() }),
		un("MaskedFill", nil, []int{2, 3}, func(x *Tensor) *Tensor {
			return x.MaskedFill(CPU().FromSlice([]float32{1, 0, 1}), 5).Exp()
		}),
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { agCheck(t, uint64(900+i), c) })
	}
}

func TestRandomOps(t *testing.T) {
	d := CPU()
	// Randint: in range, every value seen, roughly uniform, deterministic.
	const n = 20000
	v := readData(t, d.Randint(NewRNG(5), -3, 4, n))
	counts := map[float32]int{}
	for _, x := range v {
		if x != float32(int(x)) || x < -3 || x >= 4 {
			t.Fatalf("Randint value %v outside the integers of [-3, 4)", x)
		}
		counts[x]++
	}
	for k := -3; k < 4; k++ {
		if c := counts[float32(k)]; math.Abs(float64(c)-n/7.0) > 5*math.Sqrt(n/7.0) {
			t.Errorf("Randint: %d drawn %d times of %d, want about %d", k, c, n, n/7)
		}
	}
	if w := readData(t, Randint(NewRNG(5), -3, 4, n)); !slices.Equal(v, w) {
		t.Error("Randint with the same seed differs")
	}

	// Permutation: always a permutation, different for different seeds.
	for seed := range uint64(5) {
		p := readData(t, d.Permutation(NewRNG(seed), 50))
		seen := make([]bool, 50)
		for _, x := range p {
			if x != float32(int(x)) || x < 0 || x >= 50 || seen[int(x)] {
				t.Fatalf("Permutation(50) seed %d: %v is not a permutation", seed, p)
			}
			seen[int(x)] = true
		}
	}
	if slices.Equal(readData(t, d.Permutation(NewRNG(1), 50)), readData(t, Permutation(NewRNG(2), 50))) {
		t.Error("Permutation: seeds 1 and 2 give the same order")
	}

	// The Scope forms put their results in the scope.
	d.Step(func(s *Scope) {
		for _, x := range []*Tensor{s.Randint(NewRNG(1), 0, 3, 4), s.Permutation(NewRNG(1), 4), s.Linspace(0, 1, 3)} {
			if x.Scope() != s {
				t.Errorf("a tensor made through a Scope does not belong to it")
			}
		}
	})

	// Bernoulli: frequencies match p.
	probs := []float32{0, 0.1, 0.5, 0.9, 1}
	p := d.FromSlice(probs, 5, 1).BroadcastTo(5, 4000)
	b := readData(t, Bernoulli(NewRNG(3), p).Sum(1))
	for i, q := range probs {
		want := 4000 * float64(q)
		if math.Abs(float64(b[i])-want) > 5*math.Sqrt(want*(1-float64(q)))+1e-9 {
			t.Errorf("Bernoulli(%v): %v ones of 4000", q, b[i])
		}
	}

	// Multinomial: frequencies match the weights, zero weights never drawn.
	w := d.FromSlice([]float32{1, 0, 3, 6, 0, 0, 2, 0}, 2, 4)
	m := readData(t, Multinomial(NewRNG(9), w, 10000))
	want := [][]float64{{0.1, 0, 0.3, 0.6}, {0, 0, 1, 0}}
	for row := range 2 {
		cnt := make([]float64, 4)
		for _, x := range m[row*10000 : (row+1)*10000] {
			cnt[int(x)]++
		}
		for k := range 4 {
			pk := want[row][k]
			if math.Abs(cnt[k]-10000*pk) > 5*math.Sqrt(10000*pk*(1-pk))+1e-9 {
				t.Errorf("Multinomial row %d category %d: %v of 10000, want %v", row, k, cnt[k], 10000*pk)
			}
		}
	}
}
