package tensor_test

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// Round takes halves to the even neighbour, as torch.round and NumPy do;
// Floor, Ceil and Trunc differ on negative values.
func ExampleTensor_Round() {
	x := tensor.FromSlice([]float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.7})
	fmt.Println(x.Round())
	fmt.Println(x.Floor())
	fmt.Println(x.Ceil())
	fmt.Println(x.Trunc())
	// Output:
	// [-2 -2 -0 0 2 3]
	// [-3 -2 -1 0 1 2]
	// [-2 -1 -0 1 2 3]
	// [-2 -1 -0 0 1 2]
}

// Sin reduces large arguments exactly: 1e6 radians is no harder than 1.
func ExampleTensor_Sin() {
	x := tensor.FromSlice([]float32{0, 1, 1e6})
	s, _ := x.Sin().Data()
	c, _ := x.Cos().Data()
	fmt.Printf("%.6f\n%.6f\n", s, c)
	// Output:
	// [0.000000 0.841471 -0.349993]
	// [1.000000 0.540302 0.936752]
}
