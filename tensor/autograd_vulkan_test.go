package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
)

// TestAutogradVulkan runs graphs that use every differentiable op on the
// Vulkan backend and checks that Backward reads nothing back to the host
// and gives the CPU backend's gradients (within float32 rounding: the
// backends order their sums differently).
func TestAutogradVulkan(t *testing.T) {
	w := &tensor.CountingBackend{Backend: vktest.Shared(t)}
	vk := tensor.On(w)
	graphs := []struct {
		name   string
		shapes [][]int
		f      func(d *tensor.Device, x []*tensor.Tensor) *tensor.Tensor
	}{
		{"elementwise", [][]int{{3, 4}, {4}}, func(d *tensor.Device, x []*tensor.Tensor) *tensor.Tensor {
			a, b := x[0], x[1].Abs().AddScalar(0.5)
			y := a.Exp().Mul(b).Add(a.Tanh()).Div(b.AddScalar(3)).Sigmoid().Sub(a.Relu())
			y = y.Mul(a.Gelu()).Maximum(b.Sqrt().Neg()).Minimum(b.Log().AddScalar(2)).Add(b.Rsqrt())
			y = y.Add(a.Square().MulScalar(0.5)).Add(b.Pow(a.MulScalar(0.3))).Add(a.PowScalar(2).RDivScalar(1).RSubScalar(1).MulScalar(0.01))
			y = y.Add(tensor.Where(a.GtScalar(0), a.MaximumScalar(0.2), b.MinimumScalar(1).DivScalar(3)))
			return y.Add(a.Abs().SubScalar(1))
		}},
		{"matmul-reduce", [][]int{{2, 3, 4}, {4, 5}, {5}}, func(d *tensor.Device, x []*tensor.Tensor) *tensor.Tensor {
			h := x[0].MatMul(x[1]).Relu().Add(x[2])
			s := h.Softmax(-1).Mul(h).Sum(1)
			s = s.Add(h.LogSoftmax(0).Mean(1)).Add(h.Var(2).Sum(1).Unsqueeze(1)).Add(h.Max(1).Mul(h.Min(1))) // [2 5]
			return s.Add(x[2].MatMul(x[1].T()).MatMul(x[1]))
		}},
		{"views-join", [][]int{{4, 3}, {3}}, func(d *tensor.Device, x []*tensor.Tensor) *tensor.Tensor {
			z := tensor.Concat(0, x[0].Slice(0, 0, 4, 2), x[0].Index(0, 1).Unsqueeze(0), x[1].Reshape(1, 3)) // [4 3]
			s := tensor.Stack(0, z, z.MulScalar(2)).Permute(1, 0, 2)                                         // [4 2 3]
			idx := d.FromSlice([]float32{2, 0, 1, 1, 0, 2, 2, 2}, 4, 2, 1)
			g := s.Gather(2, idx).Squeeze(2)                     // [4 2]
			sel := d.FromSlice([]float32{1, 1, 3, 0})            // rows, repeated
			r := g.IndexSelect(0, sel).Mul(x[1].Narrow(0, 1, 2)) // [4 2]
			r = r.Add(x[1].Reshape(3, 1).Expand(3, 2).Clone().Sum(0))
			return r.Add(z.T().Contiguous().Square().Sum())
		}},
		{"rounding-trig", [][]int{{3, 5}}, func(d *tensor.Device, x []*tensor.Tensor) *tensor.Tensor {
			a := x[0].MulScalar(3)
			y := a.Sin().Mul(a.Cos()).Add(a.Erf())
			return y.Add(a.Round().Mul(a)).Add(a.Floor()).Add(a.Ceil().Mul(a.Trunc()))
		}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, gcase := range graphs {
		t.Run(gcase.name, func(t *testing.T) {
			vals := make([][]float32, len(gcase.shapes))
			for i, s := range gcase.shapes {
				n := 1
				for _, d := range s {
					n *= d
				}
				vals[i] = make([]float32, n)
				for k := range vals[i] {
					vals[i][k] = 2*r.Float32() - 1
				}
			}
			grads := func(d *tensor.Device) [][]float32 {
				xs := make([]*tensor.Tensor, len(vals))
				for i := range vals {
					xs[i] = d.FromSlice(vals[i], gcase.shapes[i]...).SetRequiresGrad(true)
				}
				out := gcase.f(d, xs)
				wv := make([]float32, out.Size())
				for j := range wv {
					wv[j] = float32(math.Sin(float64(j)))
				}
				loss := out.Mul(d.FromSlice(wv, out.Shape()...)).Sum()
				before := w.Reads()
				if err := loss.Backward(); err != nil {
					t.Fatal(err)
				}
				if n := w.Reads() - before; n != 0 {
					t.Errorf("Backward read from the device %d times", n)
				}
				out2 := make([][]float32, len(xs))
				for i, x := range xs {
					g, err := x.Grad().Data()
					if err != nil {
						t.Fatal(err)
					}
					out2[i] = g
				}
				return out2
			}
			want, got := grads(tensor.CPU()), grads(vk)
			for i := range want {
				for k := range want[i] {
					if d := math.Abs(float64(got[i][k] - want[i][k])); !(d <= 1e-4*(1+math.Abs(float64(want[i][k])))) {
						t.Errorf("input %d element %d: Vulkan gradient %v, CPU %v", i, k, got[i][k], want[i][k])
					}
				}
			}
		})
	}
}

// TestStepVulkan checks that a training loop on the Vulkan backend keeps
// the number of device buffers flat.
func TestStepVulkan(t *testing.T) {
	w := &tensor.CountingBackend{Backend: vktest.Shared(t)}
	d := tensor.On(w)
	r := tensor.NewRNG(1)
	var x, y *tensor.Tensor
	d.Step(func(s *tensor.Scope) {
		x = tensor.Keep(s.Normal(r, 0, 1, 64, 8))
		y = tensor.Keep(x.MatMul(s.Normal(r, 0, 1, 8, 1)).Tanh())
	})
	wt := d.Zeros(8, 1).SetRequiresGrad(true)
	var liveAt3 int64
	var first, last float32
	for i := range 100 {
		d.Step(func(s *tensor.Scope) {
			loss := s.Use(x).MatMul(wt).Tanh().Sub(y).Square().Mean()
			if err := loss.Backward(); err != nil {
				t.Fatal(err)
			}
			s.NoGrad(func(s *tensor.Scope) {
				if err := wt.Assign(s.Use(wt).Sub(s.Use(wt.Grad()).MulScalar(0.5))); err != nil {
					t.Fatal(err)
				}
			})
			wt.ZeroGrad()
			v, err := loss.Item()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = v
			}
			last = v
		})
		if i == 2 {
			liveAt3 = w.Live()
		}
	}
	if got := w.Live(); got != liveAt3 {
		t.Errorf("device buffers after 100 steps: %d, after 3: %d", got, liveAt3)
	}
	if !(last < first/10) {
		t.Errorf("loss went from %v to %v", first, last)
	}
}
