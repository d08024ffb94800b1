package nn

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor"
)

// Tests of the transformer layers, losses and training utilities: forward
// passes against float64 references written here from the definitions,
// gradients against central finite differences.

// fdCheck compares the gradients Backward gives for L = Σ w·f() with
// central differences of L in float64, for up to 24 elements of each of
// inputs (leaves requiring a gradient that f reads). As in package
// tensor's harness (autograd_test.go), the step is 1e-2 and the tolerance
// 2e-3·(1+|g|): float32 rounding of L is ~1e-6, so the quotient's error
// is ~5e-5, far below what a wrong gradient gives.
func fdCheck(t *testing.T, name string, seed uint64, inputs []*tensor.Tensor, f func() *tensor.Tensor) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	for _, in := range inputs {
		in.ZeroGrad()
	}
	out := f()
	w := make([]float32, out.Size())
	for i := range w {
		w[i] = 2*r.Float32() - 1
	}
	ws := tensor.CPU().FromSlice(w, out.Shape()...)
	if d := out.Device(); d != tensor.CPU() {
		var err error
		if ws, err = ws.To(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Mul(ws).Sum().Backward(); err != nil {
		t.Fatalf("%s: Backward: %v", name, err)
	}
	loss := func() float64 {
		var y []float32
		out.Device().NoGrad(func(s *tensor.Scope) { y = data(t, f()) })
		s := 0.0
		for i, v := range y {
			s += float64(w[i]) * float64(v)
		}
		return s
	}
	const h, tol = 1e-2, 2e-3
	for n, in := range inputs {
		if in.Grad() == nil {
			t.Errorf("%s: input %d has no gradient", name, n)
			continue
		}
		g := data(t, in.Grad())
		vals := data(t, in)
		set := func() {
			src := in.Device().FromSlice(vals, len(vals)).Reshape(in.Shape()...)
			if err := in.Assign(src); err != nil {
				t.Fatal(err)
			}
		}
		picks := r.Perm(len(vals))[:min(len(vals), 24)]
		for _, k := range picks {
			x0 := vals[k]
			xp, xm := x0+h, x0-h
			vals[k] = xp
			set()
			lp := loss()
			vals[k] = xm
			set()
			lm := loss()
			vals[k] = x0
			set()
			fd := (lp - lm) / (float64(xp) - float64(xm))
			if d := math.Abs(float64(g[k]) - fd); !(d <= tol*(1+math.Abs(fd))) {
				t.Errorf("%s: input %d %v element %d: gradient %.6g, finite difference %.6g", name, n, in.Shape(), k, g[k], fd)
			}
		}
	}
}

// leaf is a CPU parameter of shape with values from r on [−scale, scale].
func leaf(r *rand.Rand, scale float32, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * (2*r.Float32() - 1)
	}
	return tensor.CPU().FromSlice(v, shape...).SetRequiresGrad(true)
}

// refLayerNorm normalizes rows of length c in float64.
func refLayerNorm(x []float64, c int, w, b []float64, eps float64) []float64 {
	out := make([]float64, len(x))
	for r := 0; r < len(x)/c; r++ {
		row := x[r*c : (r+1)*c]
		m := 0.0
		for _, v := range row {
			m += v
		}
		m /= float64(c)
		v2 := 0.0
		for _, v := range row {
			v2 += (v - m) * (v - m)
		}
		inv := 1 / math.Sqrt(v2/float64(c)+eps)
		for i, v := range row {
			out[r*c+i] = (v-m)*inv*w[i] + b[i]
		}
	}
	return out
}

// refLinear maps rows of x (length in) by w [out, in] and b.
func refLinear(x []float64, in int, w, b []float64) []float64 {
	out := len(w) / in
	rows := len(x) / in
	y := make([]float64, rows*out)
	for r := range rows {
		for o := range out {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for i := range in {
				s += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// refAttention is causal multi-head self-attention on x [B, T, C].
func refAttention(x []float64, bsz, t, c, h int, a *CausalSelfAttention, tt *testing.T) []float64 {
	qkv := refLinear(x, c, f64(data(tt, a.QKV.Weight)), f64(data(tt, a.QKV.Bias)))
	d := c / h
	y := make([]float64, bsz*t*c)
	for b := range bsz {
		for hd := range h {
			for i := range t {
				at := func(pos, part, k int) float64 { return qkv[(b*t+pos)*3*c+part*c+hd*d+k] }
				scores := make([]float64, i+1)
				mx := math.Inf(-1)
				for j := 0; j <= i; j++ {
					s := 0.0
					for k := range d {
						s += at(i, 0, k) * at(j, 1, k)
					}
					scores[j] = s / math.Sqrt(float64(d))
					mx = math.Max(mx, scores[j])
				}
				z := 0.0
				for j := range scores {
					scores[j] = math.Exp(scores[j] - mx)
					z += scores[j]
				}
				for k := range d {
					s := 0.0
					for j := range scores {
						s += scores[j] / z * at(j, 2, k)
					}
					y[(b*t+i)*c+hd*d+k] = s
				}
			}
		}
	}
	return refLinear(y, c, f64(data(tt, a.Proj.Weight)), f64(data(tt, a.Proj.Bias)))
}

func gelu64(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, shape := range [][]int{{3, 5}, {2, 3, 7}, {1, 1}, {4, 64}} {
		c := shape[len(shape)-1]
		ln := NewLayerNorm(tensor.CPU(), c)
		ln.Weight, ln.Bias = leaf(r, 1.5, c), leaf(r, 1, c)
		x := leaf(r, 2, shape...)
		want := refLayerNorm(f64(data(t, x)), c, f64(data(t, ln.Weight)), f64(data(t, ln.Bias)), 1e-5)
		near(t, "LayerNorm", data(t, ln.Forward(x)), want, 1e-5, 1e-5)
	}
	ln := NewLayerNorm(tensor.CPU(), 4)
	if got := data(t, ln.Weight); !slices.Equal(got, []float32{1, 1, 1, 1}) {
		t.Errorf("LayerNorm weight starts at %v, want ones", got)
	}
	ln.Weight, ln.Bias = leaf(r, 1.5, 4), leaf(r, 1, 4)
	x := leaf(r, 2, 3, 4)
	fdCheck(t, "LayerNorm", 2, []*tensor.Tensor{x, ln.Weight, ln.Bias}, func() *tensor.Tensor { return ln.Forward(x) })
	if v := catchPanic(func() { ln.Forward(tensor.CPU().Zeros(3, 5)) }); v == nil {
		t.Error("LayerNorm of a [3 5] input with 4 features did not panic")
	}
}

func catchPanic(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestEmbedding(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 1))
	e := NewEmbedding(tensor.CPU(), tensor.NewRNG(3), 5, 3)
	w := data(t, e.Weight)
	ids := tensor.CPU().FromSlice([]float32{4, 0, 4, 2, 1, 4}, 2, 3)
	got := e.Forward(ids)
	if !slices.Equal(got.Shape(), []int{2, 3, 3}) {
		t.Fatalf("Embedding shape %v, want [2 3 3]", got.Shape())
	}
	var want []float64
	for _, id := range []int{4, 0, 4, 2, 1, 4} {
		want = append(want, f64(w[id*3:id*3+3])...)
	}
	near(t, "Embedding", data(t, got), want, 0, 0)
	// Repeated ids add their gradients.
	e.Weight = leaf(r, 1, 5, 3)
	fdCheck(t, "Embedding", 4, []*tensor.Tensor{e.Weight}, func() *tensor.Tensor { return e.Forward(ids).Square() })
}

func TestActivations(t *testing.T) {
	x := tensor.CPU().FromSlice([]float32{-3, -0.5, 0, 0.7, 2.5})
	xs := f64(data(t, x))
	for _, c := range []struct {
		m Module
		f func(float64) float64
	}{
		{GELU{}, gelu64},
		{Tanh{}, math.Tanh},
		{Sigmoid{}, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{SiLU{}, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
	} {
		want := make([]float64, len(xs))
		for i, v := range xs {
			want[i] = c.f(v)
		}
		near(t, "activation", data(t, c.m.Forward(x)), want, 1e-6, 1e-6)
		if c.m.Parameters() != nil || c.m.NamedParameters() != nil {
			t.Errorf("%T has parameters", c.m)
		}
	}
}

func TestCausalSelfAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	const b, seq, c, h = 2, 5, 8, 2
	a := NewCausalSelfAttention(tensor.CPU(), tensor.NewRNG(6), c, h)
	a.QKV.Bias, a.Proj.Bias = leaf(r, 0.5, 3*c), leaf(r, 0.5, c)
	x := leaf(r, 1, b, seq, c)
	want := refAttention(f64(data(t, x)), b, seq, c, h, a, t)
	near(t, "CausalSelfAttention", data(t, a.Forward(x)), want, 1e-5, 1e-5)

	// Causality: changing the last position changes no earlier output.
	xv := data(t, x)
	y0 := data(t, a.Forward(x))
	for k := range c {
		xv[(seq-1)*c+k] += 1
	}
	y1 := data(t, a.Forward(tensor.CPU().FromSlice(xv, b, seq, c)))
	if !slices.Equal(y0[:(seq-1)*c], y1[:(seq-1)*c]) {
		t.Error("the output at positions 0…T−2 depends on position T−1")
	}

	a.QKV.Weight, a.Proj.Weight = leaf(r, 0.4, 3*c, c), leaf(r, 0.4, c, c)
	xs := leaf(r, 1, 1, 4, c)
	fdCheck(t, "CausalSelfAttention", 7, []*tensor.Tensor{xs, a.QKV.Weight, a.QKV.Bias, a.Proj.Weight, a.Proj.Bias},
		func() *tensor.Tensor { return a.Forward(xs) })
	if v := catchPanic(func() { NewCausalSelfAttention(nil, tensor.NewRNG(1), 10, 3) }); v == nil {
		t.Error("3 heads over width 10 did not panic")
	}
	if v := catchPanic(func() { a.Forward(tensor.CPU().Zeros(2, c)) }); v == nil {
		t.Error("attention over a [2 8] input did not panic")
	}
}

func TestTransformerBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	const b, seq, c, h = 2, 4, 8, 4
	blk := NewTransformerBlock(tensor.CPU(), tensor.NewRNG(9), c, h)
	blk.LN1.Weight, blk.LN1.Bias = leaf(r, 1.5, c), leaf(r, 0.5, c)
	blk.LN2.Weight, blk.LN2.Bias = leaf(r, 1.5, c), leaf(r, 0.5, c)
	x := leaf(r, 1, b, seq, c)

	// Reference: x + attn(ln1(x)), then + mlp(ln2(·)).
	xv := f64(data(t, x))
	ln := func(l *LayerNorm, v []float64) []float64 {
		return refLayerNorm(v, c, f64(data(t, l.Weight)), f64(data(t, l.Bias)), 1e-5)
	}
	att := refAttention(ln(blk.LN1, xv), b, seq, c, h, blk.Attn, t)
	x1 := make([]float64, len(xv))
	for i := range xv {
		x1[i] = xv[i] + att[i]
	}
	hid := refLinear(ln(blk.LN2, x1), c, f64(data(t, blk.MLP.FC.Weight)), f64(data(t, blk.MLP.FC.Bias)))
	for i := range hid {
		hid[i] = gelu64(hid[i])
	}
	mlp := refLinear(hid, 4*c, f64(data(t, blk.MLP.Proj.Weight)), f64(data(t, blk.MLP.Proj.Bias)))
	want := make([]float64, len(x1))
	for i := range x1 {
		want[i] = x1[i] + mlp[i]
	}
	near(t, "TransformerBlock", data(t, blk.Forward(x)), want, 1e-5, 1e-5)

	names := []string{}
	for _, p := range blk.NamedParameters() {
		names = append(names, p.Name)
	}
	wantNames := []string{"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
		"ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("parameter names %v, want %v", names, wantNames)
	}
	xs := leaf(r, 1, 1, 3, c)
	fdCheck(t, "TransformerBlock", 10, []*tensor.Tensor{xs, blk.LN1.Weight, blk.LN2.Bias, blk.MLP.FC.Weight, blk.Attn.QKV.Weight},
		func() *tensor.Tensor { return blk.Forward(xs) })
}

func TestLosses(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 1))
	p, y := leaf(r, 2, 3, 4), leaf(r, 2, 3, 4)
	pv, yv := f64(data(t, p)), f64(data(t, y))
	mean := func(f func(a, b float64) float64) []float64 {
		s := 0.0
		for i := range pv {
			s += f(pv[i], yv[i])
		}
		return []float64{s / float64(len(pv))}
	}
	near(t, "MSELoss", data(t, MSELoss(p, y)), mean(func(a, b float64) float64 { return (a - b) * (a - b) }), 1e-6, 1e-6)
	near(t, "L1Loss", data(t, L1Loss(p, y)), mean(func(a, b float64) float64 { return math.Abs(a - b) }), 1e-6, 1e-6)

	// BCE with probabilities as targets; large logits stay finite.
	lg := tensor.CPU().FromSlice([]float32{-100, -3, -0.2, 0, 0.5, 4, 100, 30}, 2, 4).SetRequiresGrad(true)
	tg := tensor.CPU().FromSlice([]float32{0, 1, 0.3, 1, 0, 0.8, 1, 0}, 2, 4)
	lv, tv := f64(data(t, lg)), f64(data(t, tg))
	s := 0.0
	for i := range lv {
		s += math.Max(lv[i], 0) - lv[i]*tv[i] + math.Log1p(math.Exp(-math.Abs(lv[i])))
	}
	near(t, "BCEWithLogitsLoss", data(t, BCEWithLogitsLoss(lg, tg)), []float64{s / 8}, 1e-6, 1e-6)

	// NLL of log-softmax equals cross-entropy.
	logits := leaf(r, 2, 5, 3)
	targets := tensor.CPU().FromSlice([]float32{2, 0, 1, 1, 2})
	near(t, "NLLLoss", data(t, NLLLoss(logits.LogSoftmax(1), targets)), f64(data(t, CrossEntropyLoss(logits, targets))), 1e-6, 1e-6)

	fdCheck(t, "MSELoss", 12, []*tensor.Tensor{p, y}, func() *tensor.Tensor { return MSELoss(p, y) })
	fdCheck(t, "L1Loss", 13, []*tensor.Tensor{p}, func() *tensor.Tensor { return L1Loss(p, y) })
	bl := leaf(r, 3, 2, 4)
	fdCheck(t, "BCEWithLogitsLoss", 14, []*tensor.Tensor{bl}, func() *tensor.Tensor { return BCEWithLogitsLoss(bl, tg) })
	fdCheck(t, "NLLLoss", 15, []*tensor.Tensor{logits}, func() *tensor.Tensor { return NLLLoss(logits.LogSoftmax(1), targets) })
	for name, f := range map[string]func(){
		"MSELoss": func() { MSELoss(p, tensor.CPU().Zeros(4, 3)) },
		"L1Loss":  func() { L1Loss(p, tensor.CPU().Zeros(12)) },
		"BCE":     func() { BCEWithLogitsLoss(p, tensor.CPU().Zeros(3)) },
		"NLLLoss": func() { NLLLoss(p, tensor.CPU().Zeros(4)) },
	} {
		if _, ok := catchPanic(f).(*tensor.ShapeError); !ok {
			t.Errorf("%s with mismatched shapes did not panic with a *tensor.ShapeError", name)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	a := tensor.CPU().FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	b := tensor.CPU().FromSlice([]float32{3}).SetRequiresGrad(true)
	c := tensor.CPU().FromSlice([]float32{5}).SetRequiresGrad(true) // no gradient
	set := func() {
		a.ZeroGrad()
		b.ZeroGrad()
		// Gradients (3, 4) and (12): global norm 13.
		if err := a.Mul(tensor.CPU().FromSlice([]float32{3, 4})).Sum().Add(b.MulScalar(12).Sum()).Backward(); err != nil {
			t.Fatal(err)
		}
	}
	set()
	norm := ClipGradNorm([]*tensor.Tensor{a, b, c}, 6.5)
	n, _ := norm.Item()
	if math.Abs(float64(n)-13) > 1e-5 {
		t.Errorf("norm %v, want 13", n)
	}
	near(t, "clipped a", data(t, a.Grad()), []float64{1.5, 2}, 1e-5, 1e-5)
	near(t, "clipped b", data(t, b.Grad()), []float64{6}, 1e-5, 1e-5)
	set()
	ClipGradNorm([]*tensor.Tensor{a, b}, 100) // below the limit: unchanged
	near(t, "unclipped", data(t, a.Grad()), []float64{3, 4}, 0, 1e-6)
	if ClipGradNorm([]*tensor.Tensor{c}, 1) != nil {
		t.Error("ClipGradNorm without gradients returned a norm")
	}
}

func TestWarmupCosine(t *testing.T) {
	s := WarmupCosine{Max: 1, Min: 0.1, Warmup: 10, Total: 110}
	for _, c := range []struct {
		step int
		want float64
	}{{0, 0.1}, {4, 0.5}, {9, 1}, {10, 1}, {60, 0.55}, {110, 0.1}, {500, 0.1}, {35, 0.1 + 0.45*(1+math.Cos(math.Pi/4))}} {
		if got := s.At(c.step); math.Abs(float64(got)-c.want) > 1e-6 {
			t.Errorf("At(%d) = %v, want %v", c.step, got, c.want)
		}
	}
}

func TestWeightDecayGroups(t *testing.T) {
	emb := NewEmbedding(nil, tensor.NewRNG(1), 4, 3)
	lin := NewLinear(nil, tensor.NewRNG(1), 3, 2)
	ln := NewLayerNorm(nil, 3)
	ps := prefixed(nil, "emb.", emb, "lin.", lin, "ln.", ln)
	decay, no := WeightDecayGroups(ps, emb.Weight)
	names := func(ps []Param) (out []string) {
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if !slices.Equal(names(decay), []string{"lin.weight"}) || !slices.Equal(names(no), []string{"emb.weight", "lin.bias", "ln.weight", "ln.bias"}) {
		t.Errorf("decay %v, no decay %v", names(decay), names(no))
	}
	// With zero gradients Adam moves nothing; AdamW's decoupled decay
	// shrinks the decayed group only.
	opt := NewAdamWGroups(decay, no, 0.1, 0.5)
	w0, b0 := data(t, lin.Weight), data(t, lin.Bias)
	lin.Weight.Mul(tensor.Zeros(2, 3)).Sum().Add(lin.Bias.MulScalar(0).Sum()).Backward()
	if err := opt.Step(); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(w0))
	for i, v := range w0 {
		want[i] = float64(v) * (1 - 0.1*0.5)
	}
	near(t, "decayed weight", data(t, lin.Weight), want, 1e-7, 1e-6)
	near(t, "bias (no decay)", data(t, lin.Bias), f64(b0), 0, 0)
}

func TestCheckpointRoundTrip(t *testing.T) {
	build := func() (*TransformerBlock, *AdamGroups) {
		blk := NewTransformerBlock(nil, tensor.NewRNG(21), 8, 2)
		d, n := WeightDecayGroups(blk.NamedParameters())
		return blk, NewAdamWGroups(d, n, 0.01, 0.1)
	}
	x := tensor.Normal(tensor.NewRNG(22), 0, 1, 2, 3, 8)
	step := func(m *TransformerBlock, o *AdamGroups) {
		tensor.CPU().Step(func(s *tensor.Scope) {
			if err := m.Forward(s.Use(x)).Square().Mean().Backward(); err != nil {
				t.Fatal(err)
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			o.ZeroGrad()
		})
	}
	a, oa := build()
	step(a, oa)
	step(a, oa)
	type hp struct {
		Width int    `json:"width"`
		Note  string `json:"note"`
	}
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := SaveCheckpoint(path, a, oa, hp{8, "x"}); err != nil {
		t.Fatal(err)
	}
	var got hp
	if err := ReadHParams(path, &got); err != nil || got != (hp{8, "x"}) {
		t.Fatalf("ReadHParams: %+v, %v", got, err)
	}
	b, ob := build()
	b.LN1.Weight.Assign(tensor.Zeros(8)) // differs before loading
	if err := LoadCheckpoint(path, b, ob); err != nil {
		t.Fatal(err)
	}
	// One more identical step on each: the same parameters, since the
	// moments and step counts came along.
	step(a, oa)
	step(b, ob)
	pa, pb := a.NamedParameters(), b.NamedParameters()
	for i := range pa {
		if !slices.Equal(data(t, pa[i].Tensor), data(t, pb[i].Tensor)) {
			t.Errorf("%s differs after load and a step", pa[i].Name)
		}
	}
	// Weights alone load into a model without an optimizer; a model of
	// another shape is refused; a plain weights file is no checkpoint.
	c, _ := build()
	if err := LoadCheckpoint(path, c, nil); err != nil {
		t.Errorf("loading without optimizer: %v", err)
	}
	other := NewTransformerBlock(nil, tensor.NewRNG(1), 4, 2)
	if err := LoadCheckpoint(path, other, nil); err == nil {
		t.Error("a width-4 block loaded a width-8 checkpoint")
	}
	plain := filepath.Join(t.TempDir(), "plain.safetensors")
	if err := Save(plain, a); err != nil {
		t.Fatal(err)
	}
	if err := LoadCheckpoint(plain, c, nil); err == nil {
		t.Error("LoadCheckpoint accepted a plain weights file")
	}
	if err := Load(path, c); err == nil {
		t.Error("nn.Load accepted a checkpoint with optimizer tensors")
	}
}

func TestGPT(t *testing.T) {
	cfg := GPTConfig{Vocab: 7, Ctx: 5, Layers: 2, Width: 8, Heads: 2}
	g := NewGPT(nil, tensor.NewRNG(41), cfg)
	var names []string
	for _, p := range g.NamedParameters() {
		names = append(names, p.Name)
	}
	if len(names) != 2+2*12+2+1 || names[0] != "transformer.wte.weight" || names[2] != "transformer.h.0.ln_1.weight" ||
		names[len(names)-1] != "lm_head.weight" {
		t.Errorf("parameter names %v", names)
	}
	decay, no := g.DecayGroups()
	if len(decay) != 2*4+1 || len(no) != len(names)-len(decay) {
		t.Errorf("%d decayed, %d not", len(decay), len(no))
	}
	// The residual projections start narrower than the other weights.
	std := func(v []float32) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s / float64(len(v)))
	}
	if a, b := std(data(t, g.Blocks[0].MLP.Proj.Weight)), std(data(t, g.Blocks[0].MLP.FC.Weight)); !(a < 0.8*b && b > 0.01 && b < 0.03) {
		t.Errorf("init std: c_proj %v, c_fc %v (want 0.02/√4 and 0.02)", a, b)
	}
	ids := tensor.CPU().FromSlice([]float32{1, 6, 0, 3, 2, 5, 5, 0}, 2, 4)
	logits := g.Forward(ids)
	if !slices.Equal(logits.Shape(), []int{2, 4, 7}) {
		t.Fatalf("logits shape %v", logits.Shape())
	}
	// The same as composing the parts by hand.
	x := g.Tok.Forward(ids).Add(g.Pos.Weight.Narrow(0, 0, 4))
	for _, b := range g.Blocks {
		x = b.Forward(x)
	}
	near(t, "GPT", data(t, logits), f64(data(t, tensor.Linear(g.LNF.Forward(x), g.Head.Weight, nil))), 0, 0)
	if _, ok := catchPanic(func() { g.Forward(tensor.CPU().Zeros(1, 6)) }).(*tensor.ShapeError); !ok {
		t.Error("6 positions with context 5 did not panic with a *tensor.ShapeError")
	}
	fdCheck(t, "GPT", 42, []*tensor.Tensor{g.Tok.Weight, g.Blocks[1].Attn.QKV.Weight}, func() *tensor.Tensor {
		return CrossEntropyLoss(g.Forward(ids).Reshape(8, 7), tensor.CPU().FromSlice([]float32{6, 0, 3, 2, 5, 5, 0, 1}))
	})
}
