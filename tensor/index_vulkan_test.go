package tensor_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// panicOf runs f and returns what it panicked with, or nil.
func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestIndexRuleBackends runs every index op of the package with one index
// of each kind (in range, negative, out of range either way, not an
// integer, NaN, ±Inf) on the CPU and on Vulkan (lavapipe, validation on):
// valid indices give the same numbers on both; a bad one is a *ShapeError
// panic on the CPU naming the op, the index and the axis size, and on
// Vulkan the result's error, a *backend.IndexError with the same facts,
// with the backend still giving right numbers for other work.
func TestIndexRuleBackends(t *testing.T) {
	vkd := tensor.On(vktest.Shared(t))
	cpu := tensor.CPU()
	logits := []float32{0.5, -1, 2, 0, 1, 3, -2, 0.25, 1, -0.5, 2, 1, 0, 0, -3} // [3 5]
	ops := []struct {
		name, gpuOp string
		n           int // size of the indexed axis
		// run builds the op with v as one of its indices
		run func(d *tensor.Device, v float32) *tensor.Tensor
	}{
		{"Gather", "Gather", 5, func(d *tensor.Device, v float32) *tensor.Tensor {
			return d.FromSlice(logits, 3, 5).Gather(1, d.FromSlice([]float32{0, 4, v, 1, -1, 2}, 3, 2))
		}},
		{"IndexSelect", "Gather", 3, func(d *tensor.Device, v float32) *tensor.Tensor {
			return d.FromSlice(logits, 3, 5).IndexSelect(0, d.FromSlice([]float32{2, v, 0, -1}, 4))
		}},
		{"OneHot", "ScatterAdd", 5, func(d *tensor.Device, v float32) *tensor.Tensor {
			return d.FromSlice([]float32{1, v, 4, -5}, 2, 2).OneHot(5)
		}},
		{"CrossEntropy", "CrossEntropy", 5, func(d *tensor.Device, v float32) *tensor.Tensor {
			return tensor.CrossEntropy(d.FromSlice(logits, 3, 5), d.FromSlice([]float32{4, v, 0}, 3))
		}},
		{"CrossEntropy", "CrossEntropyGrad", 5, func(d *tensor.Device, v float32) *tensor.Tensor {
			x := d.FromSlice(logits, 3, 5).SetRequiresGrad(true)
			loss := tensor.CrossEntropy(x, d.FromSlice([]float32{4, v, 0}, 3))
			if err := loss.Backward(); err != nil {
				return loss
			}
			return x.Grad()
		}},
		{"Gather", "ScatterAdd", 5, func(d *tensor.Device, v float32) *tensor.Tensor { // the gradient of Gather
			x := d.FromSlice(logits, 3, 5).SetRequiresGrad(true)
			// the forward's error must not be what the test sees: the check
			// of the backward's ScatterAdd is, through a fresh upstream
			// gradient that carries nothing
			idx := d.FromSlice([]float32{0, 4, v, 1, -1, 2}, 3, 2)
			g := x.Gather(1, idx)
			if err := g.BackwardWith(d.Ones(3, 2)); err != nil {
				return g
			}
			return x.Grad()
		}},
	}
	for _, o := range ops {
		inf := float32(math.Inf(1))
		values := []float32{2, -2, float32(o.n), float32(-o.n - 1), 1.5, float32(math.NaN()), inf, -inf}
		for k, v := range values {
			valid := k < 2
			t.Run(fmt.Sprintf("%s-%s/%v", o.name, o.gpuOp, v), func(t *testing.T) {
				var want []float32
				p := panicOf(func() {
					var err error
					want, err = o.run(cpu, v).Data()
					if err != nil {
						t.Fatal(err)
					}
				})
				got, gerr := o.run(vkd, v).Data()
				if valid {
					if p != nil || gerr != nil {
						t.Fatalf("valid index %v: cpu panic %v, vulkan error %v", v, p, gerr)
					}
					for i := range want {
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-6 {
							t.Errorf("element %d: vulkan %v, cpu %v", i, got[i], want[i])
						}
					}
					return
				}
				var se *tensor.ShapeError
				if e, ok := p.(error); !ok || !errors.As(e, &se) {
					t.Fatalf("cpu: panic %v, want a *ShapeError", p)
				}
				for _, part := range []string{o.name + ": index " + fmt.Sprint(v), fmt.Sprintf("of size %d", o.n)} {
					if !strings.Contains(se.Error(), part) {
						t.Errorf("cpu: %q does not contain %q", se.Error(), part)
					}
				}
				var ie *backend.IndexError
				if !errors.As(gerr, &ie) || ie.Op != o.gpuOp || ie.Size != o.n || fmt.Sprint(ie.Index) != fmt.Sprint(v) {
					t.Fatalf("vulkan: error %v, want an *IndexError of %s for index %v on an axis of %d", gerr, o.gpuOp, v, o.n)
				}
				// the backend stays usable
				s, err := vkd.FromSlice([]float32{1, 2, 3}, 3).Sum().Item()
				if err != nil || s != 6 {
					t.Fatalf("independent Sum after the failure: %v, %v", s, err)
				}
			})
		}
	}
}

// TestTensorErrAfterDeviceCheck checks Tensor.Err on Vulkan for a failure
// the device finds: the result of the bad op and a tensor computed from it
// report it once a Data call has waited for the work, and unrelated tensors
// stay fine.
func TestTensorErrAfterDeviceCheck(t *testing.T) {
	d := tensor.On(vktest.Shared(t))
	x := d.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	bad := x.Gather(1, d.FromSlice([]float32{0, 2, 1, -1}, 2, 2)) // 2 is out of range
	y := bad.Exp().Sum()
	ok := x.Add(x)
	if _, err := y.Data(); err == nil {
		t.Fatal("Data of a tensor computed from a bad Gather: no error")
	}
	var ie *backend.IndexError
	for name, u := range map[string]*tensor.Tensor{"bad": bad, "descendant": y} {
		if err := u.Err(); !errors.As(err, &ie) || ie.Index != 2 {
			t.Errorf("%s: Err() = %v, want the *IndexError of index 2", name, err)
		}
	}
	if err := ok.Err(); err != nil {
		t.Errorf("unrelated tensor: Err() = %v", err)
	}
	if v, err := ok.Data(); err != nil || v[3] != 8 {
		t.Errorf("unrelated tensor: %v, %v", v, err)
	}
}
