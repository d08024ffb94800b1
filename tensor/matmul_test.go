package tensor

import (
	"math/rand/v2"
	"testing"
)

// checkMatMul compares x·y with the reference under the bound
// |C - ref| <= 2·K·eps32·Σ_k |a_ik||b_kj| per element.
func checkMatMul(t *testing.T, what string, x, y *Tensor, a, b *nd) {
	t.Helper()
	want, bound := refMatMul(a, b)
	k := a.shape[len(a.shape)-1]
	checkTol(t, what, x.MatMul(y), want, func(i int) float64 {
		return 2*float64(max(k, 1))*eps32*bound.data[i] + 1e-37
	})
}

// matDim returns a matrix dimension, favouring the odd sizes that hit the
// edges of the packed GEMM (1, 7, 33).
func matDim(r *rand.Rand) int {
	return []int{0, 1, 1, 2, 3, 5, 7, 7, 16, 33}[r.IntN(10)]
}

func TestMatMul(t *testing.T) {
	r := newRand(20)
	for it := range iters(150) {
		m, k, n := matDim(r), matDim(r), matDim(r)
		// Shapes: vectors, matrices and batches with broadcasting.
		var sa, sb []int
		switch it % 6 {
		case 0:
			sa, sb = []int{k}, []int{k}
		case 1:
			sa, sb = []int{k}, []int{k, n}
		case 2:
			sa, sb = []int{m, k}, []int{k}
		case 3:
			sa, sb = []int{m, k}, []int{k, n}
		default:
			batch := randShape(r, 1, 2)
			for i := range batch {
				batch[i] = min(batch[i], 4)
			}
			sa = append(deriveShape(r, batch), m, k)
			sb = append(deriveShape(r, batch), k, n)
			if r.IntN(4) == 0 {
				sb = []int{k} // batched matrix times vector
			} else if r.IntN(4) == 0 {
				sa = []int{k}
			}
		}
		x, a, la := randTensor(r, sa, vNormal)
		y, b, lb := randTensor(r, sb, vNormal)
		what := caseName("MatMul #%d %v (%v) · %v (%v)", it, sa, la, sb, lb)
		checkMatMul(t, what, x, y, a, b)
	}
}

// TestMatMulLarge covers the packed, blocked and parallel GEMM paths with
// odd sizes, transposed operands and a large batch of small products.
func TestMatMulLarge(t *testing.T) {
	r := newRand(21)
	type mcase struct{ sa, sb []int }
	cases := []mcase{
		{[]int{257, 33}, []int{33, 65}},
		{[]int{65, 300}, []int{300, 7}},
		{[]int{64, 3, 7}, []int{64, 7, 5}},
		{[]int{1, 129}, []int{129, 257}},
	}
	if small() {
		cases = cases[2:]
	}
	for _, c := range cases {
		for _, lay := range []layout{lContig, lTransposed, lStepped, lBroadcast} {
			x, a := makeTensor(r, randND(r, c.sa, vNormal), lay)
			y, b := makeTensor(r, randND(r, c.sb, vNormal), lTransposed)
			checkMatMul(t, caseName("MatMul %v (%v) · %v (transposed)", c.sa, lay, c.sb), x, y, a, b)
		}
	}
	// Accumulation at scale: the bound, not a fixed tolerance, must hold
	// for all-positive operands where the result is large.
	a := randND(r, []int{40, 1000}, vPositive)
	b := randND(r, []int{1000, 3}, vPositive)
	checkMatMul(t, "MatMul positive K=1000", fromND(a), fromND(b), a, b)
}

func TestMatMulShapes(t *testing.T) {
	for _, c := range []struct{ sa, sb, want []int }{
		{[]int{3}, []int{3}, []int{}},
		{[]int{3}, []int{3, 4}, []int{4}},
		{[]int{2, 3}, []int{3}, []int{2}},
		{[]int{5, 2, 3}, []int{3}, []int{5, 2}},
		{[]int{3}, []int{5, 3, 4}, []int{5, 4}},
		{[]int{2, 1, 2, 3}, []int{4, 3, 6}, []int{2, 4, 2, 6}},
		{[]int{0, 3}, []int{3, 2}, []int{0, 2}},
		{[]int{2, 0}, []int{0, 2}, []int{2, 2}},
		{[]int{0}, []int{0}, []int{}},
	} {
		got := Zeros(c.sa...).AddScalar(1).MatMul(Ones(c.sb...))
		checkShapeEq(t, caseName("MatMul %v · %v", c.sa, c.sb), got, c.want)
		k := c.sa[len(c.sa)-1]
		for _, v := range readData(t, got) {
			if v != float32(k) {
				t.Errorf("MatMul %v · %v of ones: element %v, want %d", c.sa, c.sb, v, k)
				break
			}
		}
	}
}

func TestMatMulErrors(t *testing.T) {
	expectShapeError(t, "inner", func() { Zeros(2, 3).MatMul(Zeros(4, 5)) },
		"MatMul", "[2 3] and [4 5]", "3 columns", "4 rows")
	expectShapeError(t, "vector inner", func() { Zeros(3).MatMul(Zeros(4)) }, "MatMul", "[3] and [4]")
	expectShapeError(t, "batch", func() { Zeros(2, 2, 3).MatMul(Zeros(3, 3, 4)) },
		"MatMul", "[2 2 3] and [3 3 4]", "batch axes", "axis -1 is 2 vs 3")
	expectShapeError(t, "scalar", func() { Scalar(1).MatMul(Zeros(3)) }, "MatMul", "0-d")
}
