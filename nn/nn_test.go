package nn

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

func data(t *testing.T, x *tensor.Tensor) []float32 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// near fails unless got matches want within atol + rtol·|want|.
func near(t *testing.T, what string, got []float32, want []float64, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= atol+rtol*math.Abs(want[i])) {
			t.Fatalf("%s: element %d is %v, want %v (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func param(v []float32, shape ...int) *tensor.Tensor {
	return tensor.FromSlice(v, shape...).SetRequiresGrad(true)
}

func TestLinear(t *testing.T) {
	l := &Linear{
		Weight: param([]float32{1, 2, 3, 4, 5, 6}, 3, 2),
		Bias:   param([]float32{0.5, -1, 0}, 3),
	}
	x := tensor.FromSlice([]float32{1, -1, 2, 0.5}, 2, 2)
	y := l.Forward(x)
	if !slices.Equal(y.Shape(), []int{2, 3}) {
		t.Fatalf("shape %v", y.Shape())
	}
	near(t, "Linear", data(t, y), []float64{-0.5, -2, -1, 3.5, 7, 13}, 0, 0)
	// dL/dW = Σ_batch xᵀ per output, dL/db = batch size, for L = Σ y.
	if err := y.Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	near(t, "dW", data(t, l.Weight.Grad()), []float64{3, -0.5, 3, -0.5, 3, -0.5}, 0, 0)
	near(t, "db", data(t, l.Bias.Grad()), []float64{2, 2, 2}, 0, 0)
	// A batch of [2, 2, 2] inputs and no bias.
	l.Bias = nil
	y = l.Forward(x.Reshape(1, 2, 2).Expand(2, -1, -1))
	if !slices.Equal(y.Shape(), []int{2, 2, 3}) {
		t.Fatalf("batched shape %v", y.Shape())
	}
	if len(l.Parameters()) != 1 {
		t.Errorf("no-bias Linear has %d parameters", len(l.Parameters()))
	}
}

func TestInit(t *testing.T) {
	l := NewLinear(nil, tensor.NewRNG(1), 16, 8)
	c := NewConv2d(nil, tensor.NewRNG(2), 4, 3, 3, 1, 0) // fanIn 36
	for _, tc := range []struct {
		name  string
		x     *tensor.Tensor
		bound float64
		shape []int
	}{
		{"Linear.Weight", l.Weight, 0.25, []int{8, 16}},
		{"Linear.Bias", l.Bias, 0.25, []int{8}},
		{"Conv2d.Weight", c.Weight, 1.0 / 6, []int{3, 4, 3, 3}},
		{"Conv2d.Bias", c.Bias, 1.0 / 6, []int{3}},
	} {
		if !slices.Equal(tc.x.Shape(), tc.shape) || !tc.x.RequiresGrad() {
			t.Errorf("%s: shape %v, requires grad %v", tc.name, tc.x.Shape(), tc.x.RequiresGrad())
		}
		v := data(t, tc.x)
		lo, hi := slices.Min(v), slices.Max(v)
		if float64(lo) < -tc.bound || float64(hi) >= tc.bound || hi-lo < float32(tc.bound)/4 {
			t.Errorf("%s: values in [%v, %v], want spread over [−%v, %v)", tc.name, lo, hi, tc.bound, tc.bound)
		}
	}
	// Seeded: the same seed gives the same weights.
	if !slices.Equal(data(t, NewLinear(nil, tensor.NewRNG(1), 16, 8).Weight), data(t, l.Weight)) {
		t.Error("same seed, different weights")
	}
}

func TestLayers(t *testing.T) {
	x := tensor.FromSlice([]float32{-1, 2, 0, -3, 4, 5}, 2, 3)
	near(t, "ReLU", data(t, ReLU{}.Forward(x)), []float64{0, 2, 0, 0, 4, 5}, 0, 0)
	f := Flatten{}.Forward(tensor.Zeros(2, 3, 4, 5))
	if !slices.Equal(f.Shape(), []int{2, 60}) {
		t.Errorf("Flatten shape %v", f.Shape())
	}
	rng := tensor.NewRNG(3)
	s := NewSequential(NewLinear(nil, rng, 3, 4), ReLU{}, NewDropout(0.5, rng), NewLinear(nil, rng, 4, 2))
	var names []string
	for _, p := range s.NamedParameters() {
		names = append(names, p.Name)
	}
	if want := []string{"0.weight", "0.bias", "3.weight", "3.bias"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if len(s.Parameters()) != 4 {
		t.Errorf("%d parameters", len(s.Parameters()))
	}
	// Sequential is the composition.
	s.Train(false)
	l0, l3 := s.Layers[0].(*Linear), s.Layers[3].(*Linear)
	near(t, "Sequential", data(t, s.Forward(x)), f64(data(t, l3.Forward(l0.Forward(x).Relu()))), 0, 0)
}

func TestDropout(t *testing.T) {
	const n, p = 10000, 0.3
	x := tensor.Ones(n)
	d := NewDropout(p, tensor.NewRNG(4))
	y := data(t, d.Forward(x))
	zeros := 0
	for _, v := range y {
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/(1-p)) > 1e-6:
			t.Fatalf("kept element scaled to %v, want %v", v, 1/(1-p))
		}
	}
	if frac := float64(zeros) / n; math.Abs(frac-p) > 0.02 {
		t.Errorf("dropped %v of the elements, want %v", frac, p)
	}
	// The same seed gives the same mask; the next call a new one.
	d2 := NewDropout(p, tensor.NewRNG(4))
	if !slices.Equal(data(t, d2.Forward(x)), y) {
		t.Error("same seed, different mask")
	}
	if slices.Equal(data(t, d2.Forward(x)), y) {
		t.Error("second call repeated the mask")
	}
	d.Train(false)
	if got := d.Forward(x); got != x {
		t.Error("evaluation mode changed the input")
	}
}

// conv2dRef is the direct float64 convolution (cross-correlation).
func conv2dRef(x []float32, n, c, h, w int, wt []float32, o, k int, bias []float32, s, p int) ([]float64, int, int) {
	ho, wo := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	out := make([]float64, n*o*ho*wo)
	for b := range n {
		for oc := range o {
			for y := range ho {
				for xx := range wo {
					sum := float64(bias[oc])
					for ic := range c {
						for i := range k {
							for j := range k {
								r, q := y*s+i-p, xx*s+j-p
								if r < 0 || r >= h || q < 0 || q >= w {
									continue
								}
								sum += float64(x[((b*c+ic)*h+r)*w+q]) * float64(wt[((oc*c+ic)*k+i)*k+j])
							}
						}
					}
					out[((b*o+oc)*ho+y)*wo+xx] = sum
				}
			}
		}
	}
	return out, ho, wo
}

func TestConv2d(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct{ n, c, h, w, o, k, s, p int }{
		{2, 3, 7, 6, 4, 3, 1, 0},
		{2, 3, 7, 6, 4, 3, 2, 1},
		{1, 2, 5, 5, 3, 2, 2, 0},
		{3, 1, 4, 5, 2, 1, 1, 2},
	} {
		xv := randSlice(r, tc.n*tc.c*tc.h*tc.w)
		conv := &Conv2d{
			Weight: param(randSlice(r, tc.o*tc.c*tc.k*tc.k), tc.o, tc.c, tc.k, tc.k),
			Bias:   param(randSlice(r, tc.o), tc.o),
			Stride: tc.s, Padding: tc.p,
		}
		x := tensor.FromSlice(xv, tc.n, tc.c, tc.h, tc.w).SetRequiresGrad(true)
		y := conv.Forward(x)
		want, ho, wo := conv2dRef(xv, tc.n, tc.c, tc.h, tc.w, data(t, conv.Weight), tc.o, tc.k, data(t, conv.Bias), tc.s, tc.p)
		if !slices.Equal(y.Shape(), []int{tc.n, tc.o, ho, wo}) {
			t.Fatalf("%+v: shape %v, want %v", tc, y.Shape(), []int{tc.n, tc.o, ho, wo})
		}
		near(t, "Conv2d", data(t, y), want, 1e-5, 1e-5)

		// Gradients of L = Σ R·y against the float64 adjoint loops.
		rv := randSlice(r, len(want))
		if err := y.Mul(tensor.FromSlice(rv, y.Shape()...)).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
		wv := data(t, conv.Weight)
		gx := make([]float64, len(xv))
		gw := make([]float64, len(wv))
		gb := make([]float64, tc.o)
		for b := range tc.n {
			for oc := range tc.o {
				for yy := range ho {
					for xx := range wo {
						g := float64(rv[((b*tc.o+oc)*ho+yy)*wo+xx])
						gb[oc] += g
						for ic := range tc.c {
							for i := range tc.k {
								for j := range tc.k {
									rr, q := yy*tc.s+i-tc.p, xx*tc.s+j-tc.p
									if rr < 0 || rr >= tc.h || q < 0 || q >= tc.w {
										continue
									}
									xi := ((b*tc.c+ic)*tc.h+rr)*tc.w + q
									wi := ((oc*tc.c+ic)*tc.k+i)*tc.k + j
									gw[wi] += g * float64(xv[xi])
									gx[xi] += g * float64(wv[wi])
								}
							}
						}
					}
				}
			}
		}
		near(t, "dWeight", data(t, conv.Weight.Grad()), gw, 1e-4, 1e-5)
		near(t, "dBias", data(t, conv.Bias.Grad()), gb, 1e-4, 1e-5)
		near(t, "dInput", data(t, x.Grad()), gx, 1e-4, 1e-5)
	}
}

func TestMaxPool2d(t *testing.T) {
	x := tensor.FromSlice([]float32{
		1, 5, 2, 0, 9,
		3, 4, 8, 1, 9,
		0, 2, 6, 7, 9,
		1, 9, 3, 2, 9,
		9, 9, 9, 9, 9,
	}, 1, 1, 5, 5).SetRequiresGrad(true)
	y := MaxPool2d{Kernel: 2}.Forward(x) // the last row and column are dropped
	if !slices.Equal(y.Shape(), []int{1, 1, 2, 2}) {
		t.Fatalf("shape %v", y.Shape())
	}
	near(t, "MaxPool2d", data(t, y), []float64{5, 8, 9, 7}, 0, 0)
	if err := y.Mul(tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2)).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	near(t, "MaxPool2d grad", data(t, x.Grad()), []float64{
		0, 1, 0, 0, 0,
		0, 0, 2, 0, 0,
		0, 0, 0, 4, 0,
		0, 3, 0, 0, 0,
		0, 0, 0, 0, 0,
	}, 0, 0)
}

func TestCrossEntropyLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	const n, c = 5, 4
	lv := randSlice(r, n*c)
	lv[3] = 40 // large logits stay finite: the loss is computed stably
	targets := []float32{0, 3, 1, 1, 2}
	logits := tensor.FromSlice(lv, n, c).SetRequiresGrad(true)
	loss := CrossEntropyLoss(logits, tensor.FromSlice(targets))
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	// loss = mean_i (logsumexp(x_i) − x_i[t_i]); grad = (softmax − onehot)/n.
	want, grad := 0.0, make([]float64, n*c)
	for i := range n {
		row := f64(lv[i*c : (i+1)*c])
		m := slices.Max(row)
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		lse := m + math.Log(s)
		want += (lse - row[int(targets[i])]) / n
		for j, v := range row {
			grad[i*c+j] = math.Exp(v-lse) / n
		}
		grad[i*c+int(targets[i])] -= 1.0 / n
	}
	near(t, "CrossEntropyLoss", data(t, loss), []float64{want}, 0, 1e-6)
	near(t, "CrossEntropyLoss grad", data(t, logits.Grad()), grad, 1e-7, 1e-5)
}

// TestSGD checks SGD against torch.optim.SGD's rule applied in float64.
func TestSGD(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mom, damp, wd float64
		nesterov      bool
		lr            float64
		steps         int
	}{
		{name: "plain", lr: 0.1, steps: 2},
		{name: "momentum", lr: 0.1, mom: 0.9, steps: 3},
		{name: "dampening+wd", lr: 0.05, mom: 0.8, damp: 0.3, wd: 0.01, steps: 3},
		{name: "nesterov", lr: 0.1, mom: 0.9, wd: 0.1, nesterov: true, steps: 3},
	} {
		p0 := []float32{1, -2, 0.5}
		grads := [][]float32{{0.3, -0.1, 2}, {-0.5, 0.25, 1}, {0.1, 0.2, -0.3}}
		p := param(slices.Clone(p0), 3)
		o := NewSGD([]*tensor.Tensor{p}, float32(tc.lr))
		o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov = float32(tc.mom), float32(tc.damp), float32(tc.wd), tc.nesterov
		want := f64(p0)
		buf := make([]float64, 3)
		for s := range tc.steps {
			// Gradient of Σ g·p is g.
			if err := p.Mul(tensor.FromSlice(grads[s])).Sum().Backward(); err != nil {
				t.Fatal(err)
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			o.ZeroGrad()
			for i := range want {
				g := float64(grads[s][i]) + tc.wd*want[i]
				if tc.mom != 0 {
					if s == 0 {
						buf[i] = g
					} else {
						buf[i] = tc.mom*buf[i] + (1-tc.damp)*g
					}
					if tc.nesterov {
						g += tc.mom * buf[i]
					} else {
						g = buf[i]
					}
				}
				want[i] -= tc.lr * g
			}
			near(t, tc.name, data(t, p), want, 1e-6, 1e-6)
		}
	}
}

// TestAdam checks Adam, Adam with L2 decay and AdamW against
// torch.optim's rules applied in float64.
func TestAdam(t *testing.T) {
	for _, tc := range []struct {
		name   string
		adamW  bool
		wd, lr float64
	}{
		{"Adam", false, 0, 0.01},
		{"Adam+L2", false, 0.1, 0.01},
		{"AdamW", true, 0.01, 0.1},
	} {
		p0 := []float32{1, -2, 0.5, 0}
		grads := [][]float32{{0.3, -0.1, 2, 1e-3}, {-0.5, 0.25, 1, 0}, {0.1, 0.2, -0.3, -1e-3}}
		p := param(slices.Clone(p0), 4)
		var o *Adam
		if tc.adamW {
			o = NewAdamW([]*tensor.Tensor{p}, float32(tc.lr))
		} else {
			o = NewAdam([]*tensor.Tensor{p}, float32(tc.lr))
		}
		o.WeightDecay = float32(tc.wd)
		const b1, b2, eps = 0.9, 0.999, 1e-8
		want := f64(p0)
		m, v := make([]float64, 4), make([]float64, 4)
		for s := range grads {
			if err := p.Mul(tensor.FromSlice(grads[s])).Sum().Backward(); err != nil {
				t.Fatal(err)
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			o.ZeroGrad()
			step := float64(s + 1)
			for i := range want {
				g := float64(grads[s][i])
				if tc.adamW {
					want[i] *= 1 - tc.lr*tc.wd
				} else {
					g += tc.wd * want[i]
				}
				m[i] = b1*m[i] + (1-b1)*g
				v[i] = b2*v[i] + (1-b2)*g*g
				mhat := m[i] / (1 - math.Pow(b1, step))
				vhat := v[i] / (1 - math.Pow(b2, step))
				want[i] -= tc.lr * mhat / (math.Sqrt(vhat) + eps)
			}
			near(t, tc.name, data(t, p), want, 1e-6, 1e-5)
		}
	}
}

// TestTrainXOR trains a small MLP on XOR with Adam, each iteration in a
// Device.Step: the loss must fall by far, every point must be classified
// right, and the live buffers must not grow.
func TestTrainXOR(t *testing.T) {
	rng := tensor.NewRNG(7)
	model := NewSequential(NewLinear(nil, rng, 2, 16), ReLU{}, NewLinear(nil, rng, 16, 2))
	opt := NewAdam(model.Parameters(), 0.05)
	x := tensor.FromSlice([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y := tensor.FromSlice([]float32{0, 1, 1, 0})
	first, last := train(t, model, opt, x, y, 300)
	t.Logf("XOR loss %v → %v", first, last)
	if !(last < first/50) {
		t.Errorf("loss went from %v to %v", first, last)
	}
	model.Train(false)
	var pred []float32
	x.Device().NoGrad(func(s *tensor.Scope) { pred = data(t, model.Forward(s.Use(x)).ArgMax(1)) })
	if !slices.Equal(pred, []float32{0, 1, 1, 0}) {
		t.Errorf("predictions %v, want [0 1 1 0] (loss %v → %v)", pred, first, last)
	}
}

// TestTrainConv checks that a tiny CNN (Conv2d, MaxPool2d, Flatten,
// Linear) learns to tell horizontal from vertical bars.
func TestTrainConv(t *testing.T) {
	const n = 16
	var xs, ys []float32
	r := rand.New(rand.NewPCG(8, 8))
	for i := range n {
		img := make([]float32, 36)
		at := r.IntN(6)
		for j := range 6 {
			if i%2 == 0 {
				img[at*6+j] = 1 // horizontal bar
			} else {
				img[j*6+at] = 1 // vertical bar
			}
		}
		xs = append(xs, img...)
		ys = append(ys, float32(i%2))
	}
	x, y := tensor.FromSlice(xs, n, 1, 6, 6), tensor.FromSlice(ys)
	rng := tensor.NewRNG(9)
	model := NewSequential(NewConv2d(nil, rng, 1, 4, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2}, Flatten{}, NewLinear(nil, rng, 36, 2))
	opt := NewSGD(model.Parameters(), 0.1)
	opt.Momentum = 0.9
	first, last := train(t, model, opt, x, y, 60)
	var pred []float32
	x.Device().NoGrad(func(s *tensor.Scope) { pred = data(t, model.Forward(s.Use(x)).ArgMax(1)) })
	if !slices.Equal(pred, ys) || !(last < first/10) {
		t.Errorf("loss %v → %v, predictions %v, want %v", first, last, pred, ys)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	newModel := func(seed uint64) *Sequential {
		rng := tensor.NewRNG(seed)
		return NewSequential(NewConv2d(nil, rng, 1, 2, 3, 1, 0), Flatten{}, NewLinear(nil, rng, 8, 3))
	}
	a := newModel(1)
	if err := Save(path, a); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Tensors["0.weight"]; w.DType != safetensors.F32 || !slices.Equal(w.Shape, []int{2, 1, 3, 3}) {
		t.Errorf("0.weight saved as %v %v", w.DType, w.Shape)
	}
	b := newModel(2)
	w := b.Layers[0].(*Conv2d).Weight
	if err := Load(path, b); err != nil {
		t.Fatal(err)
	}
	if b.Layers[0].(*Conv2d).Weight != w {
		t.Error("Load replaced the parameter instead of filling it")
	}
	x := tensor.Uniform(tensor.NewRNG(3), 0, 1, 2, 1, 4, 4)
	if !slices.Equal(data(t, a.Forward(x)), data(t, b.Forward(x))) {
		t.Error("loaded model computes differently")
	}
	// Strict: missing, extra and misshaped tensors fail.
	for _, tc := range []struct {
		name string
		m    Module
		want string
	}{
		{"extra", NewSequential(NewConv2d(nil, tensor.NewRNG(1), 1, 2, 3, 1, 0)), "does not have"},
		{"missing", NewSequential(NewConv2d(nil, tensor.NewRNG(1), 1, 2, 3, 1, 0), Flatten{}, NewLinear(nil, tensor.NewRNG(1), 8, 3), NewLinear(nil, tensor.NewRNG(1), 3, 3)), "no tensor"},
		{"shape", NewSequential(NewConv2d(nil, tensor.NewRNG(1), 1, 2, 3, 1, 0), Flatten{}, NewLinear(nil, tensor.NewRNG(1), 8, 4)), "shape"},
	} {
		if err := Load(path, tc.m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if err := Load(filepath.Join(dir, "none"), a); err == nil {
		t.Error("Load of a missing file: no error")
	}
}

// train runs steps training steps of model on (x, y) with opt, each in a
// Device.Step, and returns the first and last loss. It also checks that
// the number of live buffers does not grow after the first few steps.
func train(t *testing.T, model Module, opt Optimizer, x, y *tensor.Tensor, steps int) (first, last float32) {
	t.Helper()
	var live int64
	for i := range steps {
		x.Device().Step(func(s *tensor.Scope) {
			loss := CrossEntropyLoss(model.Forward(s.Use(x)), s.Use(y))
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			if err := opt.Step(); err != nil {
				t.Fatal(err)
			}
			opt.ZeroGrad()
			v, err := loss.Item()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = v
			}
			last = v
		})
		if i == 3 {
			live = tensor.ReadMemStats().LiveBuffers
		}
	}
	if got := tensor.ReadMemStats().LiveBuffers; steps > 3 && got > live {
		t.Errorf("live buffers grew from %d to %d", live, got)
	}
	return first, last
}

// otherCPU is the CPU backend under another identity: a second device.
type otherCPU struct{ backend.Backend }

// TestToMovesModelAndOptimizer trains two steps on one device, moves the
// model to another with To, trains two more, and compares with four steps
// on the first device: the optimizer's momentum must have followed.
func TestToMovesModelAndOptimizer(t *testing.T) {
	testMove(t, tensor.CPU(), tensor.On(otherCPU{cpu.New()}), 1e-6)
}

// testMove is TestToMovesModelAndOptimizer from device a to device b, the
// parameters compared within tol.
func testMove(t *testing.T, a, b *tensor.Device, tol float64) {
	t.Helper()
	xs := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	ys := []float32{0, 1, 1, 0}
	run := func(moveAt int) [][]float32 {
		rng := tensor.NewRNG(5)
		model := NewSequential(NewLinear(a, rng, 2, 8), ReLU{}, NewLinear(a, rng, 8, 2))
		opt := NewSGD(model.Parameters(), 0.1)
		opt.Momentum = 0.9
		for i := range 4 {
			if i == moveAt {
				if err := To(model, b); err != nil {
					t.Fatal(err)
				}
			}
			dev := model.Parameters()[0].Device()
			dev.Step(func(s *tensor.Scope) {
				loss := CrossEntropyLoss(model.Forward(s.FromSlice(xs, 4, 2)), s.FromSlice(ys))
				if err := loss.Backward(); err != nil {
					t.Fatal(err)
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
				opt.ZeroGrad()
			})
		}
		var ps [][]float32
		for _, p := range model.Parameters() {
			if moveAt < 4 && p.Device() != b {
				t.Fatalf("parameter on %v after To", p.Device())
			}
			ps = append(ps, data(t, p))
		}
		return ps
	}
	want, got := run(4), run(2)
	for i := range want {
		for k := range want[i] {
			if d := math.Abs(float64(got[i][k] - want[i][k])); d > tol {
				t.Fatalf("parameter %d element %d: %v after moving, %v without", i, k, got[i][k], want[i][k])
			}
		}
	}
}
