package tensor

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

var (
	dtVKOnce sync.Once
	dtVK     *vulkan.Backend
	dtVKErr  error
)

// vulkanDefault opens the Vulkan backend the package's tests share
// (lavapipe on machines without a GPU, validation on unless
// VKT_VALIDATE=0), skipping the test where there is no Vulkan.
func vulkanDefault(t *testing.T) *vulkan.Backend {
	t.Helper()
	dtVKOnce.Do(func() {
		dtVK, dtVKErr = vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true, Validate: os.Getenv("VKT_VALIDATE") != "0"}))
	})
	if errors.Is(dtVKErr, gpu.ErrNoLoader) || errors.Is(dtVKErr, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", dtVKErr)
	}
	if dtVKErr != nil {
		t.Fatal(dtVKErr)
	}
	return dtVK
}

// TestDTypesVulkan runs the dtype tests with the Vulkan backend as the
// default device (lavapipe on machines without a GPU), validation on.
func TestDTypesVulkan(t *testing.T) {
	dtVK := vulkanDefault(t)
	n0 := len(dtVK.Device().ValidationMessages())
	prev := Default()
	SetDefault(On(dtVK))
	defer SetDefault(prev)
	for _, c := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"Promote", TestPromote}, {"AsType", TestAsType}, {"UnaryBinary", TestDTypeUnaryBinary},
		{"ReduceSoftmaxMatMul", TestDTypeReduceSoftmaxMatMul}, {"Int32", TestInt32Ops},
		{"IndexOperands", TestDTypeIndexOperands}, {"Autograd", TestDTypeAutograd},
		{"String", TestDTypeString}, {"Chunks", TestDTypeChunks}, {"ScatterAdd", TestScatterAdd}, {"Composed", TestDTypeComposed},
	} {
		t.Run(c.name, c.f)
	}
	if msgs := dtVK.Device().ValidationMessages(); len(msgs) > n0 {
		t.Errorf("%d validation messages, first: %s", len(msgs)-n0, msgs[n0])
	}
}
