package nn_test

import (
	"fmt"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// A small GPT learns to continue a repeating sequence of 3 tokens. The
// training step is cmd/chargpt's: AdamW over weight-decay groups, gradient
// clipping and a warmup-cosine schedule.
func ExampleGPT() {
	dev := tensor.CPU()
	model := nn.NewGPT(dev, tensor.NewRNG(1), nn.GPTConfig{Vocab: 3, Ctx: 6, Layers: 1, Width: 16, Heads: 2})
	decay, noDecay := model.DecayGroups()
	opt := nn.NewAdamWGroups(decay, noDecay, 0.01, 0.1)
	sched := nn.WarmupCosine{Max: 0.02, Min: 0.002, Warmup: 5, Total: 60}
	xs := []float32{0, 1, 2, 0, 1, 2, 1, 2, 0, 1, 2, 0}
	ys := []float32{1, 2, 0, 1, 2, 0, 2, 0, 1, 2, 0, 1}
	for step := range 60 {
		opt.SetLR(sched.At(step))
		dev.Step(func(s *tensor.Scope) {
			logits := model.Forward(s.FromSlice(xs, 2, 6)).Reshape(12, 3)
			if err := nn.CrossEntropyLoss(logits, s.FromSlice(ys)).Backward(); err != nil {
				panic(err)
			}
			nn.ClipGradNorm(model.Parameters(), 1)
			if err := opt.Step(); err != nil {
				panic(err)
			}
			opt.ZeroGrad()
		})
	}
	dev.NoGrad(func(s *tensor.Scope) {
		fmt.Println(model.Forward(s.FromSlice([]float32{2, 0, 1, 2}, 1, 4)).ArgMax(-1))
	})
	// Output: [[0 1 2 0]]
}
