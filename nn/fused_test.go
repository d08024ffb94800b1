package nn

import (
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// composedOnly hides the CPU backend's fused kernels, so that the
// optimizers and layers take their composed paths.
type composedOnly struct{ backend.Backend }

// TestFusedMatchesComposed trains the same small MLP a few steps with each
// optimizer setting on the CPU backend with fused kernels and without:
// the losses and parameters must agree to float32 rounding.
func TestFusedMatchesComposed(t *testing.T) {
	type optCase struct {
		name string
		make func([]*tensor.Tensor) Optimizer
	}
	cases := []optCase{
		{"sgd", func(ps []*tensor.Tensor) Optimizer { return NewSGD(ps, 0.1) }},
		{"sgd-momentum", func(ps []*tensor.Tensor) Optimizer {
			o := NewSGD(ps, 0.1)
			o.Momentum, o.Dampening, o.WeightDecay = 0.9, 0.1, 0.01
			return o
		}},
		{"sgd-nesterov", func(ps []*tensor.Tensor) Optimizer {
			o := NewSGD(ps, 0.05)
			o.Momentum, o.Nesterov = 0.8, true
			return o
		}},
		{"adam", func(ps []*tensor.Tensor) Optimizer { o := NewAdam(ps, 1e-2); o.WeightDecay = 0.01; return o }},
		{"adamw", func(ps []*tensor.Tensor) Optimizer { return NewAdamW(ps, 1e-2) }},
	}
	run := func(b backend.Backend, oc optCase) (losses []float32, params [][]float32) {
		d := tensor.On(b)
		rng := tensor.NewRNG(3)
		mk := func(in, out int) *Linear {
			return &Linear{
				Weight: d.Uniform(rng, -0.5, 0.5, out, in).SetRequiresGrad(true),
				Bias:   d.Uniform(rng, -0.5, 0.5, out).SetRequiresGrad(true),
			}
		}
		model := NewSequential(mk(6, 8), ReLU{}, mk(8, 8), &ReLU{}, mk(8, 4))
		opt := oc.make(model.Parameters())
		x := d.Normal(rng, 0, 1, 16, 6)
		y := d.FromSlice([]float32{0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3}, 16)
		for range 5 {
			d.Step(func(s *tensor.Scope) {
				loss := CrossEntropyLoss(model.Forward(s.Use(x)), s.Use(y))
				if err := loss.Backward(); err != nil {
					t.Fatal(err)
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
				opt.ZeroGrad()
				l, err := loss.Item()
				if err != nil {
					t.Fatal(err)
				}
				losses = append(losses, l)
			})
		}
		for _, p := range model.Parameters() {
			params = append(params, data(t, p))
		}
		return losses, params
	}
	for _, oc := range cases {
		t.Run(oc.name, func(t *testing.T) {
			fl, fp := run(cpu.New(), oc)
			cl, cp := run(composedOnly{cpu.New()}, oc)
			near(t, "losses", fl, f64(cl), 0, 1e-6)
			for i := range fp {
				for j := range fp[i] {
					if d := math.Abs(float64(fp[i][j] - cp[i][j])); d > 1e-6*(1+math.Abs(float64(cp[i][j]))) {
						t.Fatalf("parameter %d element %d: fused %v, composed %v", i, j, fp[i][j], cp[i][j])
					}
				}
			}
		})
	}
}
