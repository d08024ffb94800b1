package tensor_test

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// LayerNorm centres each row and scales it to unit variance, then applies
// the gain and the shift: both rows of x normalize to the same values,
// since the second is the first doubled.
func ExampleLayerNorm() {
	x := tensor.FromSlice([]float32{1, 2, 3, 2, 4, 6}, 2, 3)
	gamma := tensor.FromSlice([]float32{1, 1, 2})
	beta := tensor.FromSlice([]float32{0, 10, 0})
	y, _ := tensor.LayerNorm(x, gamma, beta, 0).Data()
	fmt.Printf("%.4f\n", y)
	// Output: [-1.2247 10.0000 2.4495 -1.2247 10.0000 2.4495]
}
