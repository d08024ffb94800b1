package tensor_test

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

func ExampleTensor_AsType() {
	x := tensor.FromSlice([]float32{0.1, 2.5, -3}).AsType(tensor.BFloat16)
	i := x.ArgMax()                                 // Int32: exact past 2^24
	y := x.Mul(tensor.FromInt32s([]int32{1, 2, 3})) // bfloat16 · int32 → bfloat16
	fmt.Println(x, i, y, y.DType())
	// Output: [0.1 2.5 -3] 1 [0.1 5 -9] bfloat16
}
