package tensor

import (
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
)

// TestDTypesVulkan runs the dtype tests with the Vulkan backend as the
// default device (lavapipe on machines without a GPU), validation on.
func TestDTypesVulkan(t *testing.T) {
	dtVK := vktest.Shared(t)
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
}
