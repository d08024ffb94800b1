package tensor_test

import (
	"fmt"

	"github.com/vktensor/vktensor/tensor"
)

// The linear map f(x, y) = (x + 3y, −2x + y) is the matrix whose columns
// are f(1, 0) = (1, −2) and f(0, 1) = (3, 1). Applying f is a product.
func Example_linearMap() {
	f := tensor.FromSlice([]float32{
		1, 3,
		-2, 1,
	}, 2, 2)
	v := tensor.FromSlice([]float32{7, 8})
	fmt.Println(f.MatMul(v))
	// Output: [31 -6]
}

// h(x, y) = (−3y, 4x + y) is the matrix [[0 −3] [4 1]]. The product F·H is
// the matrix of f∘h: applying it equals applying h, then f.
func Example_composition() {
	f := tensor.FromSlice([]float32{1, 3, -2, 1}, 2, 2)
	h := tensor.FromSlice([]float32{0, -3, 4, 1}, 2, 2)
	fh := f.MatMul(h)
	fmt.Println(fh)

	v := tensor.FromSlice([]float32{7, 8})
	fmt.Println(fh.MatMul(v), f.MatMul(h.MatMul(v)))
	// Output:
	// [[12 0]
	//  [4 7]]
	// [84 84] [84 84]
}

// Broadcasting adds a bias row to every row of a batch without copying it.
func Example_broadcasting() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	b := tensor.FromSlice([]float32{10, 20, 30})
	fmt.Println(x.Add(b))

	col := tensor.FromSlice([]float32{1, 2}, 2, 1)
	fmt.Println(col.Mul(b)) // [2 1] · [3] → [2 3], an outer product
	// Output:
	// [[10 21 32]
	//  [13 24 35]]
	// [[10 20 30]
	//  [20 40 60]]
}

// A shape mistake panics with a *ShapeError that says what went wrong.
func ExampleShapeError() {
	defer func() { fmt.Println(recover()) }()
	tensor.Zeros(2, 3).Add(tensor.Zeros(4))
	// Output: Add: shapes [2 3] and [4] do not broadcast: axis -1 is 3 vs 4
}

// A transpose is a view: the same storage read with swapped strides.
func ExampleTensor_T() {
	m := tensor.Arange(1, 7, 1).Reshape(2, 3)
	t := m.T()
	fmt.Println(m.Strides(), t.Strides(), t.Shape())
	fmt.Println(t)
	// Output:
	// [3 1] [1 3] [3 2]
	// [[1 4]
	//  [2 5]
	//  [3 6]]
}

// Reductions take any set of axes; KeepDims variants keep them as size 1
// so the result broadcasts back, as in this row normalization.
func ExampleTensor_Sum() {
	x := tensor.FromSlice([]float32{1, 3, 2, 2}, 2, 2)
	fmt.Println(x.Sum(), x.Sum(0), x.Sum(1))
	fmt.Println(x.Div(x.SumKeepDims(1)))
	// Output:
	// 8 [3 5] [4 4]
	// [[0.25 0.75]
	//  [0.5 0.5]]
}

// Softmax turns scores into probabilities along an axis.
func ExampleTensor_Softmax() {
	s := tensor.FromSlice([]float32{0, 0, 1000, 1000}, 2, 2)
	fmt.Println(s.Softmax(-1))
	// Output:
	// [[0.5 0.5]
	//  [0.5 0.5]]
}

// MatMul multiplies stacks of matrices, broadcasting the stack axes.
func ExampleTensor_MatMul() {
	a := tensor.Ones(4, 2, 3) // four 2×3 matrices
	b := tensor.Ones(3, 5)    // one 3×5 matrix, used for all four
	fmt.Println(a.MatMul(b).Shape())
	// Output: [4 2 5]
}

// OneHot turns class indices into indicator rows.
func ExampleTensor_OneHot() {
	labels := tensor.FromSlice([]float32{2, 0, 1})
	fmt.Println(labels.OneHot(3))
	// Output:
	// [[0 0 1]
	//  [1 0 0]
	//  [0 1 0]]
}

// A 2×2 kernel of ones sums each 2×2 window of the image; with padding 1
// and stride 2 the windows overhang the edges and see zeros there. The
// kernel's gradient is, for each tap, the sum of the pixels it read: tap
// (1, 1) read the four corners, 1+3+7+9.
func ExampleTensor_Conv2d() {
	img := tensor.FromSlice([]float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}, 1, 1, 3, 3) // [N, C, H, W]
	w := tensor.Ones(1, 1, 2, 2).SetRequiresGrad(true) // [O, C, k, k]
	fmt.Println(img.Conv2d(w, nil, 1, 0).Reshape(2, 2))
	y := img.Conv2d(w, nil, 2, 1)
	fmt.Println(y.Shape(), y.Reshape(2, 2))
	_ = y.Sum().Backward()
	fmt.Println(w.Grad().Reshape(2, 2))
	// Output:
	// [[12 16]
	//  [24 28]]
	// [1 1 2 2] [[1 5]
	//  [11 28]]
	// [[5 10]
	//  [10 20]]
}
