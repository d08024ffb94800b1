package nn_test

import (
	"fmt"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// A model is built on a device, each training step runs in that device's
// Step scope (which frees the step's tensors when it returns), and
// evaluation runs in its NoGrad scope. On a GPU only the first line
// changes: dev := tensor.On(vulkanBackend).
func Example() {
	dev := tensor.CPU()
	rng := tensor.NewRNG(7)
	model := nn.NewSequential(nn.NewLinear(dev, rng, 2, 16), nn.ReLU{}, nn.NewLinear(dev, rng, 16, 2))
	opt := nn.NewAdam(model.Parameters(), 0.05)
	xs := []float32{0, 0, 0, 1, 1, 0, 1, 1} // XOR
	ys := []float32{0, 1, 1, 0}
	for range 300 {
		dev.Step(func(s *tensor.Scope) {
			loss := nn.CrossEntropyLoss(model.Forward(s.FromSlice(xs, 4, 2)), s.FromSlice(ys))
			if err := loss.Backward(); err != nil {
				panic(err)
			}
			if err := opt.Step(); err != nil {
				panic(err)
			}
			opt.ZeroGrad()
		})
	}
	dev.NoGrad(func(s *tensor.Scope) {
		fmt.Println(model.Forward(s.FromSlice(xs, 4, 2)).ArgMax(1))
	})
	// Output: [0 1 1 0]
}
