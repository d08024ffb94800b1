package nn_test

import (
	"fmt"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// A model computes in bfloat16 once its parameters and its input are
// converted; the loss comes out Float32 and SGD updates Float32 master
// copies of the parameters.
func ExampleToDType() {
	rng := tensor.NewRNG(1)
	model := nn.NewSequential(nn.NewLinear(nil, rng, 4, 8), nn.ReLU{}, nn.NewLinear(nil, rng, 8, 3))
	if err := nn.ToDType(model, tensor.BFloat16); err != nil {
		panic(err)
	}
	opt := nn.NewSGD(model.Parameters(), 0.1) // after ToDType
	x := tensor.Default().Normal(rng, 0, 1, 5, 4).AsType(tensor.BFloat16)
	y := tensor.FromInt32s([]int32{0, 1, 2, 1, 0})
	logits := model.Forward(x)
	loss := nn.CrossEntropyLoss(logits, y)
	if err := loss.Backward(); err != nil {
		panic(err)
	}
	if err := opt.Step(); err != nil {
		panic(err)
	}
	w := model.Parameters()[0]
	fmt.Println("logits:", logits.DType(), "loss:", loss.DType())
	fmt.Println("weight:", w.DType(), "gradient:", w.Grad().DType())
	// Output:
	// logits: bfloat16 loss: float32
	// weight: bfloat16 gradient: bfloat16
}

// With float16 the gradients of a loss scaled by 65536 can overflow: the
// scaler skips that step and halves the scale, then steps with the
// gradients unscaled.
func ExampleGradScaler() {
	w := tensor.FromSlice([]float32{1, 2}).AsType(tensor.Float16).SetRequiresGrad(true)
	opt := nn.NewSGD([]*tensor.Tensor{w}, 0.25)
	scaler := nn.NewGradScaler()
	for step := range 2 {
		loss := w.AsType(tensor.Float32).Sum() // gradient 1, scaled 65536: beyond float16
		if err := scaler.ScaleLoss(loss).Backward(); err != nil {
			panic(err)
		}
		stepped, err := scaler.Step(opt)
		if err != nil {
			panic(err)
		}
		opt.ZeroGrad()
		v, _ := w.Data()
		fmt.Printf("step %d: stepped %v, scale %v, w %v\n", step, stepped, scaler.Scale, v)
	}
	// Output:
	// step 0: stepped false, scale 32768, w [1 2]
	// step 1: stepped true, scale 32768, w [0.75 1.75]
}
