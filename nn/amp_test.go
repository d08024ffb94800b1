package nn

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

var halfTypes = []tensor.DType{tensor.BFloat16, tensor.Float16}

// closeTo fails unless every element of got is within tol·max|want| of want.
func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*scale) {
			t.Fatalf("%s: element %d is %v, want %v (tolerance %g·%g)", what, i, got[i], want[i], tol, scale)
		}
	}
}

func TestToDType(t *testing.T) {
	for _, dt := range halfTypes {
		t.Run(dt.String(), func(t *testing.T) {
			rng := tensor.NewRNG(1)
			m := NewSequential(NewConv2d(nil, rng, 1, 2, 3, 1, 1), ReLU{}, Flatten{}, NewLinear(nil, rng, 8, 3))
			before := m.NamedParameters()
			if err := ToDType(m, dt); err != nil {
				t.Fatal(err)
			}
			after := m.NamedParameters()
			for i, p := range after {
				if p.Tensor.DType() != dt || !p.Tensor.RequiresGrad() || p.Name != before[i].Name {
					t.Fatalf("%s: %s, requires grad %v, after ToDType(%s)", p.Name, p.Tensor.DType(), p.Tensor.RequiresGrad(), dt)
				}
				want := data(t, before[i].Tensor.AsType(dt))
				if got := data(t, p.Tensor); !slices.Equal(got, want) {
					t.Fatalf("%s: %v, want the rounded %v", p.Name, got, want)
				}
			}
			// Converting again to the same dtype changes nothing.
			if err := ToDType(m, dt); err != nil || m.NamedParameters()[0].Tensor != after[0].Tensor {
				t.Fatalf("second ToDType: %v, parameter replaced: %v", err, m.NamedParameters()[0].Tensor != after[0].Tensor)
			}
		})
	}
	t.Run("gpt-groups", func(t *testing.T) {
		g := NewGPT(nil, tensor.NewRNG(2), GPTConfig{Vocab: 7, Ctx: 4, Layers: 1, Width: 8, Heads: 2})
		if err := ToDType(g, tensor.BFloat16); err != nil {
			t.Fatal(err)
		}
		decay, noDecay := g.DecayGroups()
		for _, p := range append(decay, noDecay...) {
			if p.Tensor.DType() != tensor.BFloat16 {
				t.Fatalf("%s is %s", p.Name, p.Tensor.DType())
			}
		}
		if n := len(g.NamedParameters()); len(decay)+len(noDecay) != n || len(decay) == 0 {
			t.Fatalf("groups of %d and %d parameters, of %d", len(decay), len(noDecay), n)
		}
	})
	t.Run("in place", func(t *testing.T) {
		// The parameter itself changes dtype, wherever the model keeps it
		// (an unexported field here).
		w := param([]float32{1, 2}, 2)
		if err := ToDType(hidden{w: w}, tensor.Float16); err != nil || w.DType() != tensor.Float16 || !w.RequiresGrad() {
			t.Fatalf("ToDType: %v; parameter %v, requires gradient %v", err, w.DType(), w.RequiresGrad())
		}
	})
	t.Run("int32", func(t *testing.T) {
		var de *tensor.DTypeError
		if v := catchPanic(func() { _ = ToDType(NewLinear(nil, tensor.NewRNG(1), 2, 2), tensor.Int32) }); !errors.As(asError(v), &de) {
			t.Fatalf("panic %v, want a *tensor.DTypeError", v)
		}
	})
}

// hidden keeps its parameter in an unexported field.
type hidden struct{ w *tensor.Tensor }

func (h hidden) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Mul(h.w) }
func (h hidden) Parameters() []*tensor.Tensor            { return []*tensor.Tensor{h.w} }
func (h hidden) NamedParameters() []Param                { return []Param{{"w", h.w}} }
func (h hidden) Train(bool)                              {}

func asError(v any) error {
	err, _ := v.(error)
	return err
}

// TestMasterWeights steps 16-bit parameters and Float32 copies of them
// from the same gradients: the master copy must follow the Float32 run
// exactly and the parameter must be the master rounded, on the fused and
// the composed paths. The learning rates are so small that a
// 16-bit parameter updated in place would hardly move.
func TestMasterWeights(t *testing.T) {
	type optCase struct {
		name string
		make func([]*tensor.Tensor) ScaledOptimizer
	}
	cases := []optCase{
		{"sgd", func(ps []*tensor.Tensor) ScaledOptimizer { return NewSGD(ps, 1e-3) }},
		{"sgd-momentum-wd", func(ps []*tensor.Tensor) ScaledOptimizer {
			o := NewSGD(ps, 1e-3)
			o.Momentum, o.WeightDecay = 0.9, 0.01
			return o
		}},
		{"adam", func(ps []*tensor.Tensor) ScaledOptimizer { return NewAdam(ps, 1e-3) }},
		{"adamw", func(ps []*tensor.Tensor) ScaledOptimizer { return NewAdamW(ps, 1e-3) }},
	}
	p0 := []float32{1, -2, 0.5, 4}
	grads := [][]float32{{1, -0.5, 0.25, 2}, {0.5, 1, -1, 0.125}, {1, 1, 1, -4}}
	for _, b := range []backend.Backend{cpu.New(), composedOnly{cpu.New()}} {
		for _, dt := range halfTypes {
			for _, oc := range cases {
				name := oc.name + "/" + dt.String()
				if _, ok := b.(composedOnly); ok {
					name += "/composed"
				}
				t.Run(name, func(t *testing.T) {
					d := tensor.On(b)
					ref := d.FromSlice(slices.Clone(p0), 4).SetRequiresGrad(true)
					p := d.FromSlice(slices.Clone(p0), 4).AsType(dt).SetRequiresGrad(true)
					ro, po := oc.make([]*tensor.Tensor{ref}), oc.make([]*tensor.Tensor{p})
					for step := range 10 {
						g := d.FromSlice(grads[step%len(grads)])
						for _, w := range []*tensor.Tensor{ref, p} {
							if err := w.AsType(tensor.Float32).Mul(g).Sum().Backward(); err != nil {
								t.Fatal(err)
							}
						}
						if p.Grad().DType() != dt {
							t.Fatalf("gradient is %s", p.Grad().DType())
						}
						if err := ro.Step(); err != nil {
							t.Fatal(err)
						}
						if err := po.Step(); err != nil {
							t.Fatal(err)
						}
						ro.ZeroGrad()
						po.ZeroGrad()
					}
					var m *tensor.Tensor
					switch o := po.(type) {
					case *SGD:
						m = o.masters[0]
					case *Adam:
						m = o.masters[0]
					}
					if m == nil || m.DType() != tensor.Float32 {
						t.Fatalf("no Float32 master copy: %v", m)
					}
					want := data(t, ref)
					if got := data(t, m); !slices.Equal(got, want) {
						t.Fatalf("master %v, want the Float32 run's %v", got, want)
					}
					rounded := data(t, ref.AsType(dt))
					got := data(t, p)
					if !slices.Equal(got, rounded) {
						t.Fatalf("parameter %v, want the rounded master %v", got, rounded)
					}
					if slices.Equal(got, p0) {
						t.Fatalf("parameter did not move from %v: the small updates were lost", p0)
					}
				})
			}
		}
	}
}

// TestStepScaledUnscales checks that StepScaled(u) is Step on gradients
// multiplied by u, for Float32 parameters too.
func TestStepScaledUnscales(t *testing.T) {
	a := param([]float32{1, 2}, 2)
	b := param([]float32{1, 2}, 2)
	oa, ob := NewSGD([]*tensor.Tensor{a}, 0.1), NewSGD([]*tensor.Tensor{b}, 0.1)
	if err := a.Mul(tensor.FromSlice([]float32{3, -1})).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if err := b.Mul(tensor.FromSlice([]float32{12, -4})).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if err := oa.Step(); err != nil {
		t.Fatal(err)
	}
	if err := ob.StepScaled(0.25); err != nil {
		t.Fatal(err)
	}
	if ga, gb := data(t, a), data(t, b); !slices.Equal(ga, gb) || !slices.Equal(ga, []float32{0.7, 2.1}) {
		t.Fatalf("Step gave %v, StepScaled(0.25) of 4× the gradient %v, want [0.7 2.1]", ga, gb)
	}
}

// scaledStep runs one GradScaler step of opt on p (a float16 parameter)
// with the loss Σ c·p, and returns whether it stepped.
func scaledStep(t *testing.T, gs *GradScaler, opt ScaledOptimizer, p *tensor.Tensor, c []float32) bool {
	t.Helper()
	loss := p.AsType(tensor.Float32).Mul(tensor.FromSlice(c)).Sum()
	if err := gs.ScaleLoss(loss).Backward(); err != nil {
		t.Fatal(err)
	}
	stepped, err := gs.Step(opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.ZeroGrad()
	return stepped
}

func TestGradScalerSkipsOverflow(t *testing.T) {
	p := tensor.FromSlice([]float32{1, 2}).AsType(tensor.Float16).SetRequiresGrad(true)
	opt := NewSGD([]*tensor.Tensor{p}, 0.25)
	gs := NewGradScaler()
	if gs.Scale != 65536 || gs.GrowthFactor != 2 || gs.BackoffFactor != 0.5 || gs.GrowthInterval != 2000 {
		t.Fatalf("defaults %+v, want PyTorch's", *gs)
	}
	// 65536·1 is beyond float16's range: the gradient is Inf.
	if scaledStep(t, gs, opt, p, []float32{1, 0.5}) {
		t.Fatal("stepped on an Inf gradient")
	}
	if got := data(t, p); !slices.Equal(got, []float32{1, 2}) || gs.Scale != 32768 {
		t.Fatalf("after the overflow: parameter %v (want [1 2] unchanged), scale %v (want 32768)", got, gs.Scale)
	}
	// At 32768 it fits: the step is taken with the gradient unscaled.
	if !scaledStep(t, gs, opt, p, []float32{1, 0.5}) {
		t.Fatal("skipped a finite step")
	}
	if got := data(t, p); !slices.Equal(got, []float32{0.75, 1.875}) || gs.Scale != 32768 {
		t.Fatalf("after the finite step: parameter %v (want [0.75 1.875]), scale %v (want 32768)", got, gs.Scale)
	}
	// A NaN gradient is skipped too.
	if scaledStep(t, gs, opt, p, []float32{float32(math.NaN()), 0}) || gs.Scale != 16384 {
		t.Fatalf("NaN gradient: scale %v, want a skipped step and 16384", gs.Scale)
	}
	// Finite gradients whose plain sum overflows float16 are not mistaken
	// for an overflow.
	big := tensor.Zeros(4096).AsType(tensor.Float16).SetRequiresGrad(true)
	bo := NewSGD([]*tensor.Tensor{big}, 0)
	c := make([]float32, 4096)
	for i := range c {
		c[i] = 60000.0 / 16384
	}
	if !scaledStep(t, gs, bo, big, c) {
		t.Fatal("skipped a step of large finite gradients")
	}
}

func TestGradScalerGrowth(t *testing.T) {
	p := tensor.FromSlice([]float32{1, 2}).AsType(tensor.Float16).SetRequiresGrad(true)
	opt := NewSGD([]*tensor.Tensor{p}, 0)
	gs := NewGradScaler()
	gs.Scale, gs.GrowthInterval = 1024, 3
	ok, inf := []float32{1, 1}, []float32{float32(math.Inf(1)), 1}
	for i, tc := range []struct {
		c     []float32
		scale float32
	}{
		{ok, 1024}, {ok, 1024}, {ok, 2048}, // grows after 3 good steps
		{ok, 2048}, {inf, 1024}, // an overflow backs off and restarts the count
		{ok, 1024}, {ok, 1024}, {ok, 2048},
	} {
		scaledStep(t, gs, opt, p, tc.c)
		if gs.Scale != tc.scale {
			t.Fatalf("step %d: scale %v, want %v", i, gs.Scale, tc.scale)
		}
	}
}

// TestGradScalerKeepsSmallGradients: a float16 gradient of 1e-8 flushes to
// zero unscaled; scaled, it survives and the master copy moves by it.
func TestGradScalerKeepsSmallGradients(t *testing.T) {
	p := tensor.Zeros(2).AsType(tensor.Float16).SetRequiresGrad(true)
	opt := NewSGD([]*tensor.Tensor{p}, 1)
	if err := p.AsType(tensor.Float32).MulScalar(1e-8).Sum().Backward(); err != nil {
		t.Fatal(err)
	}
	if g := data(t, p.Grad()); g[0] != 0 {
		t.Fatalf("unscaled float16 gradient %v, expected it to flush to 0", g)
	}
	opt.ZeroGrad()
	gs := NewGradScaler()
	if !scaledStep(t, gs, opt, p, []float32{1e-8, 2e-8}) {
		t.Fatal("step skipped")
	}
	// 1e-8·65536 in float16 has 11 significant bits.
	closeTo(t, "master", data(t, opt.masters[0]), []float32{-1e-8, -2e-8}, 1e-3)
}

// TestLayers16 runs each layer with 16-bit parameters on a 16-bit input:
// the output and the parameters' gradients must keep the dtype and match
// the Float32 layer within the dtype's precision.
func TestLayers16(t *testing.T) {
	gptCfg := GPTConfig{Vocab: 11, Ctx: 6, Layers: 2, Width: 8, Heads: 2}
	cases := []struct {
		name  string
		make  func(rng *tensor.RNG) Module
		input func(rng *tensor.RNG) *tensor.Tensor
		ids   bool // the input holds indices: not converted
	}{
		{"linear", func(r *tensor.RNG) Module { return NewLinear(nil, r, 5, 3) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 0, 1, 4, 5) }, false},
		{"mlp", func(r *tensor.RNG) Module {
			return NewSequential(NewLinear(nil, r, 5, 7), ReLU{}, NewLinear(nil, r, 7, 3), NewDropout(0, r))
		}, func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 0, 1, 4, 5) }, false},
		{"cnn", func(r *tensor.RNG) Module {
			return NewSequential(NewConv2d(nil, r, 2, 3, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2}, Flatten{}, NewLinear(nil, r, 3*2*2, 4))
		}, func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 0, 1, 2, 2, 5, 4) }, false},
		{"layernorm", func(r *tensor.RNG) Module { return NewLayerNorm(nil, 6) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 1, 2, 3, 6) }, false},
		{"embedding", func(r *tensor.RNG) Module { return NewEmbedding(nil, r, 9, 4) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.FromInt32s([]int32{0, 3, 8, 3, 1}, 5) }, true},
		{"attention", func(r *tensor.RNG) Module { return NewCausalSelfAttention(nil, r, 8, 2) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 0, 1, 2, 5, 8) }, false},
		{"block", func(r *tensor.RNG) Module { return NewTransformerBlock(nil, r, 8, 2) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.Default().Normal(r, 0, 1, 2, 5, 8) }, false},
		{"gpt", func(r *tensor.RNG) Module { return NewGPT(nil, r, gptCfg) },
			func(r *tensor.RNG) *tensor.Tensor { return tensor.FromInt32s([]int32{1, 5, 10, 0, 2, 2, 7, 3}, 2, 4) }, true},
	}
	for _, dt := range halfTypes {
		tol := 0.04 // bfloat16: 8 significant bits, a few roundings deep
		if dt == tensor.Float16 {
			tol = 0.01
		}
		for _, tc := range cases {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				run := func(dt tensor.DType) (out []float32, grads [][]float32) {
					m := tc.make(tensor.NewRNG(5))
					x := tc.input(tensor.NewRNG(6))
					if dt != tensor.Float32 {
						if err := ToDType(m, dt); err != nil {
							t.Fatal(err)
						}
						if !tc.ids {
							x = x.AsType(dt)
						}
					}
					y := m.Forward(x)
					if y.DType() != dt {
						t.Fatalf("output is %s, want %s", y.DType(), dt)
					}
					// A fixed random weighting of the output, so that every
					// output element gets a different gradient.
					w := tensor.Default().Normal(tensor.NewRNG(7), 0, 1, y.Shape()...)
					if err := y.AsType(tensor.Float32).Mul(w).Sum().Backward(); err != nil {
						t.Fatal(err)
					}
					for _, p := range m.NamedParameters() {
						if p.Tensor.Grad() == nil || p.Tensor.Grad().DType() != dt {
							t.Fatalf("%s: gradient %v", p.Name, p.Tensor.Grad())
						}
						grads = append(grads, data(t, p.Tensor.Grad()))
					}
					return data(t, y), grads
				}
				want, wantG := run(tensor.Float32)
				got, gotG := run(dt)
				closeTo(t, "output", got, want, tol)
				for i := range gotG {
					closeTo(t, "gradient "+tc.make(tensor.NewRNG(5)).NamedParameters()[i].Name, gotG[i], wantG[i], 2*tol)
				}
			})
		}
	}
}

func TestDropoutKeepsDType(t *testing.T) {
	x := tensor.Ones(64).AsType(tensor.BFloat16)
	y := NewDropout(0.5, tensor.NewRNG(1)).Forward(x)
	if y.DType() != tensor.BFloat16 {
		t.Fatalf("dropout of bfloat16 gives %s", y.DType())
	}
	zeros := 0
	for _, v := range data(t, y) {
		switch v {
		case 0:
			zeros++
		case 2:
		default:
			t.Fatalf("element %v, want 0 or 2", v)
		}
	}
	if zeros == 0 || zeros == 64 {
		t.Fatalf("%d of 64 dropped", zeros)
	}
}

// TestGradScalerGPT trains a small GPT in float16 with AdamW groups under
// a GradScaler: every step is taken, the loss falls, and every parameter
// has a Float32 master copy and stays float16.
func TestGradScalerGPT(t *testing.T) {
	g := NewGPT(nil, tensor.NewRNG(3), GPTConfig{Vocab: 13, Ctx: 8, Layers: 1, Width: 16, Heads: 2})
	if err := ToDType(g, tensor.Float16); err != nil {
		t.Fatal(err)
	}
	decay, noDecay := g.DecayGroups()
	opt := NewAdamWGroups(decay, noDecay, 1e-2, 0.1)
	var _ ScaledOptimizer = opt
	if n := len(opt.Parameters()); n != len(g.Parameters()) {
		t.Fatalf("groups hold %d parameters, the model %d", n, len(g.Parameters()))
	}
	gs := NewGradScaler()
	ids := tensor.FromInt32s([]int32{1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 6, 8, 10, 12, 1, 3}, 2, 8)
	targets := tensor.FromInt32s([]int32{2, 3, 4, 5, 6, 7, 8, 9, 4, 6, 8, 10, 12, 1, 3, 5})
	var losses []float32
	for range 8 {
		tensor.Default().Step(func(s *tensor.Scope) {
			logits := g.Forward(s.Use(ids))
			loss := CrossEntropyLoss(logits.Reshape(16, 13), s.Use(targets))
			if err := gs.ScaleLoss(loss).Backward(); err != nil {
				t.Fatal(err)
			}
			stepped, err := gs.Step(opt)
			if err != nil || !stepped {
				t.Fatalf("step: %v, stepped %v", err, stepped)
			}
			opt.ZeroGrad()
			losses = append(losses, data(t, loss)[0])
		})
	}
	if !(losses[len(losses)-1] < 0.8*losses[0]) {
		t.Fatalf("losses %v: training did not progress", losses)
	}
	for _, grp := range opt.Groups {
		for i, p := range grp.params {
			if p.DType() != tensor.Float16 || grp.masters[i] == nil || grp.masters[i].DType() != tensor.Float32 {
				t.Fatalf("parameter %v is %s with master %v", p.Shape(), p.DType(), grp.masters[i])
			}
		}
	}
}
