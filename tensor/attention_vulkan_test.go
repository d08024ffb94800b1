package tensor_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

// attQKV runs causal attention over the head views of one [b, t, 3·h·d]
// projection x (as nn.CausalSelfAttention makes them) on d, fused or
// composed, and returns the output, joined back to [b, t, h·d], and the
// gradient of Σ w∘out with respect to x.
func attQKV(t *testing.T, dev *tensor.Device, b, tt, h, d int, dt tensor.DType, xv, wv []float32, composed bool) (out, dx []float32) {
	c := h * d
	leaf := dev.FromSlice(xv, b, tt, 3*c).SetRequiresGrad(true)
	dev.Step(func(s *tensor.Scope) {
		x := leaf.AsType(dt)
		parts := x.Split(2, c, c, c)
		heads := func(u *tensor.Tensor) *tensor.Tensor { return u.Reshape(b, tt, h, d).Permute(0, 2, 1, 3) }
		var y *tensor.Tensor
		if composed {
			y = tensor.AttentionComposed(heads(parts[0]), heads(parts[1]), heads(parts[2]), true, 0.3)
		} else {
			y = tensor.ScaledDotProductAttention(heads(parts[0]), heads(parts[1]), heads(parts[2]), true, 0.3)
		}
		y = y.Permute(0, 2, 1, 3).Reshape(b, tt, c).AsType(tensor.Float32)
		if err := y.Mul(s.FromSlice(wv, b, tt, c)).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
		out = vkData(t, y)
	})
	dx = vkData(t, leaf.Grad())
	return out, dx
}

// TestAttentionVulkan compares ScaledDotProductAttention on the Vulkan
// backend with the CPU backend's through the tensor API: the head views
// of a qkv projection (strided, read in place), forward and backward,
// float32 and 16-bit, and a head size beyond the kernels' 128, which
// takes the composed path on Vulkan.
func TestAttentionVulkan(t *testing.T) {
	vk := tensor.On(vktest.Shared(t))
	if _, ok := vk.Backend().(backend.Attentioner); !ok {
		t.Fatal("the Vulkan backend does not implement backend.Attentioner")
	}
	r := rand.New(rand.NewPCG(14, 1))
	for _, c := range []struct {
		b, t, h, d int
		dt         tensor.DType
		tol        float64
	}{
		{2, 9, 2, 4, tensor.Float32, 1e-5},
		{1, 70, 3, 16, tensor.Float32, 1e-5},
		{2, 5, 1, 130, tensor.Float32, 1e-5},
		{1, 33, 2, 8, tensor.BFloat16, 1e-2},
		{1, 17, 2, 8, tensor.Float16, 2e-3},
	} {
		name := fmt.Sprintf("B%d T%d H%d D%d %v", c.b, c.t, c.h, c.d, c.dt)
		xv := make([]float32, c.b*c.t*3*c.h*c.d)
		for i := range xv {
			xv[i] = float32(r.NormFloat64())
		}
		wv := make([]float32, c.b*c.t*c.h*c.d)
		for i := range wv {
			wv[i] = float32(r.NormFloat64())
		}
		wantY, wantDx := attQKV(t, tensor.CPU(), c.b, c.t, c.h, c.d, c.dt, xv, wv, false)
		gotY, gotDx := attQKV(t, vk, c.b, c.t, c.h, c.d, c.dt, xv, wv, false)
		lnClose(t, name+": out", gotY, wantY, c.tol)
		lnClose(t, name+": dx", gotDx, wantDx, 10*c.tol)
	}
}

// BenchmarkAttentionVulkan times causal attention forward and backward
// on the first Vulkan device (lavapipe where there is no GPU), fused and
// composed, at the tiny chargpt preset's shape and a longer one.
func BenchmarkAttentionVulkan(b *testing.B) {
	be, err := vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true}))
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	vk := tensor.On(be)
	for _, sh := range [][4]int{{16, 4, 64, 16}, {4, 6, 256, 64}} {
		bb, h, tt, d := sh[0], sh[1], sh[2], sh[3]
		c := h * d
		x := vk.Normal(tensor.NewRNG(1), 0, 1, bb, tt, 3*c).SetRequiresGrad(true)
		for _, composed := range []bool{false, true} {
			b.Run(fmt.Sprintf("B%d_H%d_T%d_D%d/composed=%v", bb, h, tt, d, composed), func(b *testing.B) {
				for b.Loop() {
					vk.Step(func(s *tensor.Scope) {
						parts := x.Split(2, c, c, c)
						heads := func(u *tensor.Tensor) *tensor.Tensor { return u.Reshape(bb, tt, h, d).Permute(0, 2, 1, 3) }
						f := tensor.ScaledDotProductAttention
						if composed {
							f = tensor.AttentionComposed
						}
						if err := f(heads(parts[0]), heads(parts[1]), heads(parts[2]), true, 0.25).Sum().Backward(); err != nil {
							b.Fatal(err)
						}
						if err := be.Sync(); err != nil {
							b.Fatal(err)
						}
					})
				}
			})
		}
	}
}
