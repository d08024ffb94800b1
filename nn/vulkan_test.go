package nn

import (
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

// TestTrainVulkan builds the same small CNN on the CPU and on the Vulkan
// backend (lavapipe where there is no GPU), checks that the first step's
// gradients agree, then trains the Vulkan one: it must learn, keep its
// buffers flat, and save weights the CPU model loads to the same outputs.
func TestTrainVulkan(t *testing.T) {
	vk := openVulkan(t)
	t.Logf("device: %s", vk.Name())
	build := func(d *tensor.Device) *Sequential {
		rng := tensor.NewRNG(11)
		return NewSequential(NewConv2d(d, rng, 1, 4, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2}, Flatten{}, NewLinear(d, rng, 36, 8), ReLU{}, NewLinear(d, rng, 8, 2))
	}
	cpuModel, vkModel := build(tensor.CPU()), build(tensor.On(vk))

	// Horizontal (class 0) and vertical (class 1) bars on a 6×6 image.
	var xs, ys []float32
	for i := range 12 {
		img := make([]float32, 36)
		for j := range 6 {
			if i%2 == 0 {
				img[(i/2)*6+j] = 1
			} else {
				img[j*6+i/2] = 1
			}
		}
		xs, ys = append(xs, img...), append(ys, float32(i%2))
	}
	on := func(d *tensor.Device) (*tensor.Tensor, *tensor.Tensor) {
		return d.FromSlice(xs, 12, 1, 6, 6), d.FromSlice(ys)
	}
	for _, m := range []*Sequential{cpuModel, vkModel} {
		x, y := on(m.Parameters()[0].Device())
		if err := CrossEntropyLoss(m.Forward(x), y).Backward(); err != nil {
			t.Fatal(err)
		}
	}
	cp, vp := cpuModel.NamedParameters(), vkModel.NamedParameters()
	for i := range cp {
		want, got := data(t, cp[i].Tensor.Grad()), data(t, vp[i].Tensor.Grad())
		for k := range want {
			if d := math.Abs(float64(got[k] - want[k])); !(d <= 1e-4*(1+math.Abs(float64(want[k])))) {
				t.Fatalf("%s element %d: Vulkan gradient %v, CPU %v", cp[i].Name, k, got[k], want[k])
			}
		}
	}

	opt := NewAdam(vkModel.Parameters(), 0.02)
	opt.ZeroGrad()
	x, y := on(tensor.On(vk))
	first, last := train(t, vkModel, opt, x, y, 80)
	var pred []float32
	x.Device().NoGrad(func(s *tensor.Scope) { pred = data(t, vkModel.Forward(s.Use(x)).ArgMax(1)) })
	if !slices.Equal(pred, ys) || !(last < first/10) {
		t.Errorf("loss %v → %v, predictions %v, want %v", first, last, pred, ys)
	}

	path := t.TempDir() + "/cnn.safetensors"
	if err := Save(path, vkModel); err != nil {
		t.Fatal(err)
	}
	if err := Load(path, cpuModel); err != nil {
		t.Fatal(err)
	}
	xc, _ := on(tensor.CPU())
	want := data(t, vkModel.Forward(x))
	got := data(t, cpuModel.Forward(xc))
	for k := range want {
		if math.Abs(float64(got[k]-want[k])) > 1e-4*(1+math.Abs(float64(want[k]))) {
			t.Fatalf("CPU model with the Vulkan model's weights: output %v, want %v", got, want)
		}
	}
}

// TestToVulkan moves a model and its SGD momentum from the CPU to Vulkan
// halfway through training (see TestToMovesModelAndOptimizer).
func TestToVulkan(t *testing.T) {
	testMove(t, tensor.CPU(), tensor.On(openVulkan(t)), 1e-4)
}

// openVulkan opens a Vulkan backend (lavapipe where there is no GPU) with
// the validation layer on unless VKT_VALIDATE=0 (machines without the
// layer), skipping the test when there is no device. At the end of the
// test any validation message fails it, and the backend is closed.
func openVulkan(t *testing.T) *vulkan.Backend {
	t.Helper()
	vk, err := vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true, Validate: os.Getenv("VKT_VALIDATE") != "0"}))
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
			t.Errorf("%d validation messages, first: %s", len(msgs), msgs[0])
		}
		vk.Close()
	})
	return vk
}
