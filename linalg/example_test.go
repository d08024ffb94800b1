package linalg_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
)

// Solve finds x with A·x = b: here 2x + y = 5 and x + 3y = 10.
func ExampleSolve() {
	a := tensor.FromSlice([]float32{2, 1, 1, 3}, 2, 2)
	b := tensor.FromSlice([]float32{5, 10})
	fmt.Println(linalg.Solve(a, b))
	// Output: [1 3]
}

// A singular matrix is not an answer of NaNs: the result carries an
// *Error naming the op and the matrix of the batch.
func ExampleSolve_singular() {
	a := tensor.FromSlice([]float32{
		1, 0, 0, 1, // the identity
		1, 2, 2, 4, // rank 1
	}, 2, 2, 2)
	x := linalg.Solve(a, tensor.Ones(2, 2))
	_, err := x.Data()
	var le *linalg.Error
	fmt.Println(errors.As(err, &le), le.Batch, errors.Is(err, linalg.ErrSingular))
	fmt.Println(err)
	// Output:
	// true 1 true
	// linalg.Solve: matrix 1 (index [1]) of the batch: singular matrix (U[1,1] = 0)
}

// The eigenvalues of a symmetric matrix come in ascending order, with the
// eigenvectors in the columns of v: A·v = v·diag(w).
func ExampleEigh() {
	a := tensor.FromSlice([]float32{2, 1, 1, 2}, 2, 2)
	w, v := linalg.Eigh(a)
	fmt.Println(w)
	// A·v − v·diag(w) is zero to float32 rounding.
	r := linalg.MatrixNorm(a.MatMul(v).Sub(v.Mul(w)), "fro")
	e, _ := r.Item()
	fmt.Println(e < 1e-6)
	// Output:
	// [1 3]
	// true
}

// Least squares fits a line y ≈ c₀ + c₁·x through four points: the design
// matrix has a column of ones and a column of x.
func ExampleLstsq() {
	a := tensor.FromSlice([]float32{
		1, 0,
		1, 1,
		1, 2,
		1, 3,
	}, 4, 2)
	y := tensor.FromSlice([]float32{1, 3, 5, 7}) // y = 1 + 2x exactly
	fmt.Println(linalg.Lstsq(a, y))
	// Output: [1 2]
}

// SlogDet gives the sign and log|det| where Det itself would overflow
// float32: det(10·I₅₀) = 10⁵⁰.
func ExampleSlogDet() {
	a := tensor.Eye(50).MulScalar(10)
	sign, logabs := linalg.SlogDet(a)
	s, _ := sign.Item()
	l, _ := logabs.Item()
	fmt.Printf("%v %.4f %v\n", s, l/float32(math.Ln10), linalg.Det(a))
	// Output: 1 50.0000 +Inf
}
