package tensor_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
)

// TestOpsVulkan runs the composed ops (ops_math.go, ops_shape.go,
// ops_random.go) on the Vulkan backend and compares them, and the
// gradients of the differentiable ones, with the CPU backend. The sampling
// ops must agree exactly: the uniform draws are the same on every backend
// and the comparisons are exact.
func TestOpsVulkan(t *testing.T) {
	vk := tensor.On(vktest.Shared(t))
	cpu := tensor.CPU()
	r := rand.New(rand.NewPCG(77, 1))
	vals := make([]float32, 3*5*4)
	for i := range vals {
		vals[i] = float32(r.NormFloat64())
	}
	vals[3] = 1e-7 // Log1p/Expm1 series branch
	vals[7] = 0
	ops := []struct {
		name string
		tol  float64
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"Clamp", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-0.5, 0.7) }},
		{"SiLU", 1e-6, (*tensor.Tensor).SiLU},
		{"Log1p", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.Abs().Log1p() }},
		{"Expm1", 1e-5, (*tensor.Tensor).Expm1},
		{"LogSumExp", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp(1) }},
		{"Std", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.Std(0, 2) }},
		{"Prod", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.Prod(1) }},
		{"Cumsum", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.Cumsum(1) }},
		{"Cumprod", 1e-5, func(x *tensor.Tensor) *tensor.Tensor { return x.Transpose(0, 2).Cumprod(2) }},
		{"Pad", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Pad(2, [2]int{1, 0}, [2]int{0, 2}, [2]int{1, 1}) }},
		{"Tile", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Tile(2, 1, 1, 2) }},
		{"Split", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Split(1, 2, 3)[1].Contiguous() }},
		{"Chunk", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Chunk(2, 3)[1].Contiguous() }},
		{"Flip", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Flip(0, 2) }},
		{"Roll", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Roll(-2, 1) }},
		{"Tril", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Tril(-1) }},
		{"Triu", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Triu(1) }},
		{"Sort", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.Sort(1, false) }},
		{"TopK", 0, func(x *tensor.Tensor) *tensor.Tensor { v, _ := x.TopK(2, 2); return v }},
		{"MaskedFill", 0, func(x *tensor.Tensor) *tensor.Tensor { return x.MaskedFill(x.GtScalar(0.3), -1) }},
	}
	for _, op := range ops {
		var want, got, gw, gg []float32
		for _, d := range []*tensor.Device{cpu, vk} {
			x := d.FromSlice(vals, 3, 5, 4).SetRequiresGrad(true)
			y := op.f(x)
			w := d.FromSlice(seq(y.Size()), y.Shape()...)
			if err := y.Mul(w).Sum().Backward(); err != nil {
				t.Fatalf("%s on %s: %v", op.name, d, err)
			}
			out, grad := readAll(t, y), readAll(t, x.Grad())
			if d == cpu {
				want, gw = out, grad
			} else {
				got, gg = out, grad
			}
		}
		compare(t, op.name, got, want, op.tol)
		compare(t, op.name+" gradient", gg, gw, math.Max(op.tol, 1e-5))
	}
	for _, c := range []struct {
		name string
		f    func(d *tensor.Device) *tensor.Tensor
	}{
		{"Randint", func(d *tensor.Device) *tensor.Tensor { return d.Randint(tensor.NewRNG(4), -2, 9, 300) }},
		{"Permutation", func(d *tensor.Device) *tensor.Tensor { return d.Permutation(tensor.NewRNG(5), 37) }},
		{"Bernoulli", func(d *tensor.Device) *tensor.Tensor {
			return tensor.Bernoulli(tensor.NewRNG(6), d.FromSlice([]float32{0.1, 0.5, 0.9}, 3, 1).BroadcastTo(3, 50))
		}},
		{"Multinomial", func(d *tensor.Device) *tensor.Tensor {
			return tensor.Multinomial(tensor.NewRNG(7), d.FromSlice([]float32{1, 0, 2, 5, 0.5, 0.5, 3, 0}, 2, 4), 100)
		}},
		{"ArgSort", func(d *tensor.Device) *tensor.Tensor {
			return d.FromSlice([]float32{3, 1, 3, 0, 2, 2, 1, 3}, 2, 4).ArgSort(1, true)
		}},
		{"Linspace", func(d *tensor.Device) *tensor.Tensor { return d.Linspace(-1, 2, 9) }},
	} {
		if a, b := readAll(t, c.f(cpu)), readAll(t, c.f(vk)); !slices.Equal(a, b) {
			t.Errorf("%s: Vulkan %v, CPU %v", c.name, b, a)
		}
	}
}

func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%7) - 3
	}
	return v
}

func readAll(t *testing.T, x *tensor.Tensor) []float32 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func compare(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range want {
		w, g := float64(want[i]), float64(got[i])
		if !(math.Abs(w-g) <= tol*(1+math.Abs(w))) {
			t.Errorf("%s: element %d is %v on Vulkan, %v on the CPU", what, i, g, w)
			return
		}
	}
}
