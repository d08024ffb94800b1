package backend_test

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
)

// The index rule on an axis of 3 elements: -3 to 2 are positions, the
// rest errors.
func ExampleIndexProblem() {
	for _, v := range []float64{2, -3, 3, -4, 0.5, math.NaN()} {
		if p := backend.IndexProblem(v, 3); p != "" {
			fmt.Println(p)
		} else {
			fmt.Println(v, "is an index")
		}
	}
	fmt.Println(&backend.IndexError{Op: "Gather", Index: 7, Axis: 1, Size: 5})
	// Output:
	// 2 is an index
	// -3 is an index
	// 3 is out of range
	// -4 is out of range
	// 0.5 is not an integer
	// NaN is not an integer
	// Gather: index 7 is out of range for axis 1 of size 5
}
