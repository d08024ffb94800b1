package tensor

import (
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// TestConv2dVulkan runs TestConv2d with the Vulkan backend as the default
// device: the direct (implicit-GEMM) kernels, forward and both gradients,
// against the float64 definitions.
func TestConv2dVulkan(t *testing.T) {
	vk := vulkanDefault(t)
	if _, ok := any(vk).(backend.Convolver); !ok {
		t.Fatal("the Vulkan backend has no direct convolutions")
	}
	n0 := len(vk.Device().ValidationMessages())
	prev := Default()
	SetDefault(On(vk))
	defer SetDefault(prev)
	t.Run("Conv2d", TestConv2d)
	t.Run("Memory", testConv2dMemory)
	if msgs := vk.Device().ValidationMessages(); len(msgs) > n0 {
		t.Errorf("%d validation messages, first: %s", len(msgs)-n0, msgs[n0])
	}
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
