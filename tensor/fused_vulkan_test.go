package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// TestFusedVulkan runs a two-layer network through the fused ops on the
// Vulkan backend (unwrapped, so that its backend.Fused kernels are used)
// and compares the loss and the gradients, after two backward passes (the
// second accumulates into existing gradients), with the CPU backend's.
func TestFusedVulkan(t *testing.T) {
	vb := vktest.Shared(t)
	vk := tensor.On(vb)
	nv := len(vb.Device().ValidationMessages())
	if _, ok := vk.Backend().(backend.Fused); !ok {
		t.Fatal("the Vulkan backend does not implement backend.Fused")
	}
	r := rand.New(rand.NewPCG(21, 22))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	const n, in, hid, out = 9, 13, 17, 5
	xv, w1, b1, w2, b2 := vals(n*in), vals(hid*in), vals(hid), vals(out*hid), vals(out)
	tv := make([]float32, n)
	for i := range tv {
		tv[i] = float32(r.IntN(out))
	}
	type res struct {
		loss  float32
		grads [][]float32
	}
	run := func(d *tensor.Device) res {
		ps := []*tensor.Tensor{
			d.FromSlice(w1, hid, in), d.FromSlice(b1, hid),
			d.FromSlice(w2, out, hid), d.FromSlice(b2, out),
		}
		for _, p := range ps {
			p.SetRequiresGrad(true)
		}
		x := d.FromSlice(xv, n, in)
		h := tensor.LinearReLU(x, ps[0], ps[1])
		loss := tensor.CrossEntropy(tensor.Linear(h, ps[2], ps[3]), d.FromSlice(tv, n))
		for range 2 {
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
		}
		l, err := loss.Item()
		if err != nil {
			t.Fatal(err)
		}
		rs := res{loss: l}
		for _, p := range ps {
			g, err := p.Grad().Data()
			if err != nil {
				t.Fatal(err)
			}
			rs.grads = append(rs.grads, g)
		}
		return rs
	}
	want, got := run(tensor.CPU()), run(vk)
	if math.Abs(float64(got.loss-want.loss)) > 1e-5*(1+math.Abs(float64(want.loss))) {
		t.Errorf("loss: vulkan %v, cpu %v", got.loss, want.loss)
	}
	for i := range want.grads {
		for j := range want.grads[i] {
			if d := math.Abs(float64(got.grads[i][j] - want.grads[i][j])); d > 1e-5*(1+math.Abs(float64(want.grads[i][j]))) {
				t.Errorf("parameter %d element %d: vulkan %v, cpu %v", i, j, got.grads[i][j], want.grads[i][j])
				break
			}
		}
	}
	if msgs := vb.Device().ValidationMessages(); len(msgs) > nv {
		t.Errorf("validation: %s", msgs[nv])
	}
}
