package tensor_test

import (
	"fmt"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// BenchmarkConv2d times Conv2d direct (the Vulkan backend's implicit GEMM)
// and through the general path (Im2Col and one MatMul: the backend with
// its Convolver hidden), forward alone and forward with both gradients,
// on the two layers of the MNIST CNN (batch 128, 5×5 kernels, "same"
// padding: 1→32 channels at 28×28, 32→64 at 14×14; the first layer's
// images need no gradient) and a 3×3 layer of a ResNet stage (64→64 at
// 56×56, batch 8). On lavapipe the larger layers take minutes: -bench
// Conv2d/mnist1 is the one to try there. Each iteration ends with a Sync.
func BenchmarkConv2d(b *testing.B) {
	type layer struct {
		name                  string
		n, c, h, o, k, stride int
	}
	layers := []layer{
		{"mnist1", 128, 1, 28, 32, 5, 1},
		{"mnist2", 128, 32, 14, 64, 5, 1},
		{"resnet3x3", 8, 64, 56, 64, 3, 1},
	}
	vb, err := benchVulkan()
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	for _, l := range layers {
		for _, direct := range []bool{true, false} {
			var be backend.Backend = vb
			kind := "direct"
			if !direct {
				be, kind = noLayerNorm{vb}, "im2col"
			}
			dev := tensor.On(be)
			rng := tensor.NewRNG(1)
			x := dev.Normal(rng, 0, 1, l.n, l.c, l.h, l.h).SetRequiresGrad(l.c > 1)
			w := dev.Normal(rng, 0, 0.1, l.o, l.c, l.k, l.k).SetRequiresGrad(true)
			bias := dev.Zeros(l.o).SetRequiresGrad(true)
			ho := (l.h+l.k/2*2-l.k)/l.stride + 1
			flops := 2 * float64(l.n*l.o*ho*ho) * float64(l.c*l.k*l.k)
			for _, bwd := range []bool{false, true} {
				pass := "forward"
				if bwd {
					pass = "forward+backward"
				}
				b.Run(fmt.Sprintf("%s/%s/%s", l.name, kind, pass), func(b *testing.B) {
					step := func() {
						dev.Step(func(s *tensor.Scope) {
							y := s.Use(x).Conv2d(w, bias, l.stride, l.k/2)
							if bwd {
								if err := y.Sum().Backward(); err != nil {
									b.Fatal(err)
								}
							}
						})
						if err := be.Sync(); err != nil {
							b.Fatal(err)
						}
					}
					step()
					n := 0
					for b.Loop() {
						step()
						n++
					}
					f := flops
					if bwd && l.c > 1 {
						f *= 3
					} else if bwd {
						f *= 2
					}
					b.ReportMetric(f*float64(n)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
