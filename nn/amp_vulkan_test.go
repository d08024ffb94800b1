package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/tensor"
)

// TestMixedPrecisionVulkan trains the same small MLP in bfloat16 and in
// float16 (with a GradScaler) on the CPU and on Vulkan: the losses and
// the parameters must agree within the dtype's precision, and the Vulkan
// model must learn.
func TestMixedPrecisionVulkan(t *testing.T) {
	vk := tensor.On(openVulkan(t))
	if err := vk.ZerosOf(tensor.BFloat16, 2).Err(); err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skipf("16-bit buffers on this Vulkan backend: %v", err)
	}
	for _, dt := range halfTypes {
		t.Run(dt.String(), func(t *testing.T) {
			run := func(d *tensor.Device) (losses []float32, params [][]float32) {
				rng := tensor.NewRNG(4)
				model := NewSequential(NewLinear(d, rng, 6, 16), ReLU{}, NewLinear(d, rng, 16, 3))
				if err := ToDType(model, dt); err != nil {
					t.Fatal(err)
				}
				opt := NewSGD(model.Parameters(), 0.2)
				opt.Momentum = 0.9
				var gs *GradScaler
				if dt == tensor.Float16 {
					gs = NewGradScaler()
				}
				x := d.Normal(rng, 0, 1, 24, 6).AsType(dt)
				y := d.Randint(rng, 0, 3, 24) // Int32 labels the MLP memorizes
				for range 30 {
					d.Step(func(s *tensor.Scope) {
						loss := CrossEntropyLoss(model.Forward(s.Use(x)), s.Use(y))
						if gs == nil {
							if err := loss.Backward(); err != nil {
								t.Fatal(err)
							}
							if err := opt.Step(); err != nil {
								t.Fatal(err)
							}
						} else {
							if err := gs.ScaleLoss(loss).Backward(); err != nil {
								t.Fatal(err)
							}
							if _, err := gs.Step(opt); err != nil {
								t.Fatal(err)
							}
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
					if p.DType() != dt {
						t.Fatalf("parameter is %s", p.DType())
					}
					params = append(params, data(t, p))
				}
				return losses, params
			}
			cl, cp := run(tensor.CPU())
			vl, vp := run(vk)
			tol := 0.05
			if dt == tensor.Float16 {
				tol = 0.01
			}
			for i := range cl {
				if d := math.Abs(float64(vl[i] - cl[i])); d > tol*(1+math.Abs(float64(cl[i]))) {
					t.Fatalf("step %d: Vulkan loss %v, CPU %v", i, vl[i], cl[i])
				}
			}
			for i := range cp {
				closeTo(t, "parameter", vp[i], cp[i], tol)
			}
			if !(vl[len(vl)-1] < 0.7*vl[0]) {
				t.Fatalf("Vulkan loss went from %v to %v: it did not learn", vl[0], vl[len(vl)-1])
			}
		})
	}
}
