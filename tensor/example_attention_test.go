package tensor_test

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// Causal attention over three positions of one head (D = 2, scale
// 1/√2): the first query sees only the first key, so its output is the
// first value row; the last one weighs all three values by the softmax
// of its scores.
func ExampleScaledDotProductAttention() {
	q := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	v := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	y, _ := tensor.ScaledDotProductAttention(q, q, v, true, 0).Data()
	fmt.Printf("%.4f\n", y)
	// Output: [1.0000 2.0000 2.3395 3.3395 3.5105 4.5105]
}
