package tensor_test

import (
	"sync"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

// benchVulkan opens a Vulkan backend without the validation layer (which
// would dominate the timings), once.
var benchVulkan = sync.OnceValues(func() (*vulkan.Backend, error) {
	return vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true}))
})

// noLayerNorm hides a backend's fused LayerNorm (and its other optional
// interfaces), so that tensor.LayerNorm runs composed.
type noLayerNorm struct{ backend.Backend }

// BenchmarkLayerNorm times tensor.LayerNorm fused and composed, forward
// alone and forward with backward, on a [rows, C] activation of a small
// transformer (C = 384), on the CPU and on the Vulkan backend (lavapipe
// where there is no GPU). Each iteration ends with a Sync, so the Vulkan
// figures include the work, not just its recording.
func BenchmarkLayerNorm(b *testing.B) {
	const rows, c = 512, 384
	devs := []struct {
		name string
		be   backend.Backend
	}{{"cpu", tensor.CPU().Backend()}}
	if vb, err := benchVulkan(); err == nil {
		devs = append(devs, struct {
			name string
			be   backend.Backend
		}{"vulkan", vb})
	}
	for _, d := range devs {
		for _, fused := range []bool{true, false} {
			be := d.be
			kind := "fused"
			if !fused {
				be, kind = noLayerNorm{d.be}, "composed"
			}
			dev := tensor.On(be)
			rng := tensor.NewRNG(1)
			x := dev.Normal(rng, 0, 1, rows, c).SetRequiresGrad(true)
			w := dev.Normal(rng, 0, 1, rows, c)
			gamma := dev.Ones(c).SetRequiresGrad(true)
			beta := dev.Zeros(c).SetRequiresGrad(true)
			for _, bwd := range []bool{false, true} {
				pass := "forward"
				if bwd {
					pass = "forward+backward"
				}
				b.Run(d.name+"/"+kind+"/"+pass, func(b *testing.B) {
					step := func() {
						dev.Step(func(s *tensor.Scope) {
							y := tensor.LayerNorm(s.Use(x), gamma, beta, 1e-5)
							if bwd {
								if err := y.Mul(w).Sum().Backward(); err != nil {
									b.Fatal(err)
								}
							}
						})
						if err := be.Sync(); err != nil {
							b.Fatal(err)
						}
					}
					step() // builds the pipelines outside the timing
					b.SetBytes(int64(4 * rows * c))
					for b.Loop() {
						step()
					}
				})
			}
		}
	}
}
