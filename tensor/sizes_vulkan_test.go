package tensor_test

import (
	"errors"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor"
)

// On Vulkan too, shapes that overflow are *ShapeError panics (before the
// backend sees them), and a buffer beyond the device's limits is an error on
// the tensor that leaves the backend usable.
func TestSizesVulkan(t *testing.T) {
	dev := tensor.On(vktest.Shared(t))
	for _, c := range []struct {
		what string
		f    func()
	}{
		{"Zeros(1<<32, 1<<32)", func() { dev.Zeros(1<<32, 1<<32) }},
		{"Zeros(3, 1<<62)", func() { dev.Zeros(3, 1<<62) }},
		{"Reshape(1<<62+3, 4)", func() { dev.Arange(0, 12, 1).Reshape(1<<62+3, 4) }},
		{"BroadcastTo(1<<62, 4)", func() { dev.Scalar(1).BroadcastTo(1<<62, 4) }},
	} {
		v := func() (v any) {
			defer func() { v = recover() }()
			c.f()
			return nil
		}()
		var se *tensor.ShapeError
		if err, ok := v.(error); !ok || !errors.As(err, &se) {
			t.Errorf("%s on Vulkan: panic %T %v, want *tensor.ShapeError", c.what, v, v)
		}
	}
	if err := dev.Zeros(1 << 40).Err(); err == nil {
		t.Errorf("Zeros(1<<40) on Vulkan: no error")
	}
	got, err := dev.Scalar(7).BroadcastTo(1<<60).Index(0, 1<<59).Item()
	if err != nil || got != 7 {
		t.Errorf("Index of a 2^60-element broadcast view on Vulkan: %v, %v", got, err)
	}
	for _, e := range []*tensor.Tensor{dev.Zeros(0, 1).BroadcastTo(0, 1<<60), dev.Zeros(1, 0).BroadcastTo(1<<60, 0).T().Contiguous()} {
		if got, err := e.Data(); err != nil || len(got) != 0 {
			t.Errorf("%v on Vulkan: %d elements, %v", e.Shape(), len(got), err)
		}
	}
	if s, err := dev.Ones(3, 5).Sum().Item(); err != nil || s != 15 {
		t.Errorf("the backend after the failures: Sum = %v, %v", s, err)
	}
}
