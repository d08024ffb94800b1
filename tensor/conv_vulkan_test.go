package tensor

import (
	"math"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/tensor/backend"
)

// TestConv2dVulkan runs TestConv2d with the Vulkan backend as the default
// device: the direct (implicit-GEMM) kernels, forward and both gradients,
// against the float64 definitions.
func TestConv2dVulkan(t *testing.T) {
	vk := vktest.Shared(t)
	if _, ok := any(vk).(backend.Convolver); !ok {
		t.Fatal("the Vulkan backend has no direct convolutions")
	}
	prev := Default()
	SetDefault(On(vk))
	defer SetDefault(prev)
	t.Run("Conv2d", TestConv2d)
	t.Run("Memory", testConv2dMemory)
}

// testConv2dMemory checks that a direct convolution holds no patch matrix:
// after a forward pass that records its graph, the device holds the
// output and little else — the general path would keep the
// [C·k², N·Ho·Wo] patches for the weight gradient, 9× the output here.
func testConv2dMemory(t *testing.T) {
	d := Default()
	x := d.Zeros(4, 8, 24, 24).SetRequiresGrad(true)
	w := d.Zeros(8, 8, 3, 3).SetRequiresGrad(true)
	before := ReadMemStats().LiveBytes
	y := x.Conv2d(w, nil, 1, 1)
	if err := y.Err(); err != nil {
		t.Fatal(err)
	}
	grew, outBytes := ReadMemStats().LiveBytes-before, int64(y.Size()*4)
	if grew > 2*outBytes {
		t.Errorf("a forward pass holds %d bytes for an output of %d: patches kept?", grew, outBytes)
	}
	if err := y.Sum().Backward(); err != nil {
		t.Fatal(err)
	}
}

// TestConv2dVulkanLargePatches: a few-channel input gradient whose patch
// gradients would not fit lavapipe's largest buffer (735·224² floats, 147
// MB against 128 MiB) runs direct instead, and agrees with the CPU.
func TestConv2dVulkanLargePatches(t *testing.T) {
	vk := On(vktest.Shared(t))
	if testing.Short() {
		t.Skip("a 224×224 image")
	}
	rng := NewRNG(3)
	x := CPU().Normal(rng, 0, 1, 1, 15, 224, 224)
	w := CPU().Normal(rng, 0, 0.1, 2, 15, 7, 7)
	grads := func(d *Device) []float32 {
		xd, err := x.To(d)
		if err != nil {
			t.Fatal(err)
		}
		wd, err := w.To(d)
		if err != nil {
			t.Fatal(err)
		}
		xd.SetRequiresGrad(true)
		y := xd.Conv2d(wd, nil, 1, 3)
		if err := y.Square().Sum().Backward(); err != nil {
			t.Fatal(err)
		}
		g, err := xd.Grad().Data()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	want, got := grads(CPU()), grads(vk)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("element %d: Vulkan %v, CPU %v", i, got[i], want[i])
		}
	}
}
