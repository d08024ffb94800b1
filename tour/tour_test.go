package tour_test

import (
	"fmt"
	"math"

	"github.com/vktensor/vktensor/nn"
	"github.com/vktensor/vktensor/tensor"
)

// a. A map is linear when it sends sums to sums and multiples to
// multiples. f(x, y) = (x + 3y, y − 2x) is; g(x, y) = (x², sin y) is not.
func Example_a_linearity() {
	f := func(v []float32) []float32 { return []float32{v[0] + 3*v[1], v[1] - 2*v[0]} }
	g := func(v []float32) []float32 {
		return []float32{v[0] * v[0], float32(math.Sin(float64(v[1])))}
	}
	a, b, c := []float32{1, 2}, []float32{-3, 0.5}, float32(4)
	sum := []float32{a[0] + b[0], a[1] + b[1]}
	scaled := []float32{c * a[0], c * a[1]}
	for _, m := range []struct {
		name string
		fn   func([]float32) []float32
	}{{"f", f}, {"g", g}} {
		fa, fb := m.fn(a), m.fn(b)
		additive := m.fn(sum)[0] == fa[0]+fb[0] && m.fn(sum)[1] == fa[1]+fb[1]
		homogeneous := m.fn(scaled)[0] == c*fa[0] && m.fn(scaled)[1] == c*fa[1]
		fmt.Printf("%s: f(a+b) = f(a)+f(b): %v, f(c·a) = c·f(a): %v\n", m.name, additive, homogeneous)
	}
	// Output:
	// f: f(a+b) = f(a)+f(b): true, f(c·a) = c·f(a): true
	// g: f(a+b) = f(a)+f(b): false, f(c·a) = c·f(a): false
}

// b. A linear map is fixed by the images of the unit vectors: they are the
// columns of its matrix, and applying the map is a matrix product.
func Example_b_matrixOfAMap() {
	e1, e2 := []float32{1, 0}, []float32{0, 1}
	f := func(v []float32) []float32 { return []float32{v[0] + 3*v[1], v[1] - 2*v[0]} }
	c1, c2 := f(e1), f(e2) // (1, −2) and (3, 1)
	F := tensor.FromSlice([]float32{c1[0], c2[0], c1[1], c2[1]}, 2, 2)
	fmt.Println(F)
	fmt.Println(F.MatMul(tensor.FromSlice([]float32{7, 8})), f([]float32{7, 8}))
	// Output:
	// [[1 3]
	//  [-2 1]]
	// [31 -6] [31 -6]
}

// c. Composing maps multiplies their matrices: with h(x, y) = (−3y, 4x + y),
// the matrix of f∘h is F·H.
func Example_c_composition() {
	F := tensor.FromSlice([]float32{1, 3, -2, 1}, 2, 2)
	H := tensor.FromSlice([]float32{0, -3, 4, 1}, 2, 2)
	fmt.Println(F.MatMul(H))
	v := tensor.FromSlice([]float32{7, 8})
	fmt.Println(F.MatMul(H).MatMul(v), F.MatMul(H.MatMul(v)))
	// Output:
	// [[12 0]
	//  [4 7]]
	// [84 84] [84 84]
}

// d. ReLU(x) = max(x, 0) is the simplest non-linear map. Two linear layers
// in a row are one linear layer (W = W2·W1, b = W2·b1 + b2); with a ReLU
// between them they are not, which is what lets a network bend.
func Example_d_relu() {
	dev := tensor.CPU()
	rng := tensor.NewRNG(1)
	l1, l2 := nn.NewLinear(dev, rng, 3, 4), nn.NewLinear(dev, rng, 4, 2)
	x := dev.Normal(rng, 0, 1, 5, 3)
	w := l2.Weight.MatMul(l1.Weight)                   // [2, 3]
	b := l2.Weight.MatMul(l1.Bias).Add(l2.Bias)        // [2]
	one := (&nn.Linear{Weight: w, Bias: b}).Forward(x) // one layer
	two := l2.Forward(l1.Forward(x))                   // two layers
	bent := l2.Forward(l1.Forward(x).Relu())           // with a ReLU
	fmt.Println(maxDiff(one, two) < 1e-5, maxDiff(one, bent) < 1e-5)
	fmt.Println(tensor.FromSlice([]float32{-2, -0.5, 0, 1.5}).Relu())
	// Output:
	// true false
	// [0 0 0 1.5]
}

// e. Broadcasting, step by step: shapes are aligned at the right, and an
// axis of size 1 stretches to the other's size without a copy (its stride
// is 0). A bias [3] over a batch [2, 3], and a column [2, 1] times a row
// [3] — an outer product [2, 3].
func Example_e_broadcasting() {
	batch := tensor.Arange(0, 6, 1).Reshape(2, 3)
	bias := tensor.FromSlice([]float32{10, 20, 30})
	fmt.Println(bias.BroadcastTo(2, 3).Strides(), batch.Add(bias))
	col := tensor.FromSlice([]float32{1, 2}, 2, 1)
	fmt.Println(col.Mul(bias))
	// Output:
	// [0 1] [[10 21 32]
	//  [13 24 35]]
	// [[10 20 30]
	//  [20 40 60]]
}

// f. The derivative of a map at a point is the linear map that best
// approximates it there: its Jacobian. Autograd computes one row per
// backward pass; finite differences agree. For a composition the
// Jacobians multiply (the chain rule) — backpropagation is that product,
// taken from the left.
func Example_f_derivative() {
	p := []float32{0.5, -1}
	// q(x, y) = (x·y, x + y²) and r(u, v) = (u + v, u·v).
	q := func(v *tensor.Tensor) *tensor.Tensor {
		x, y := v.Index(0, 0), v.Index(0, 1)
		return tensor.Stack(0, x.Mul(y), x.Add(y.Square()))
	}
	r := func(v *tensor.Tensor) *tensor.Tensor {
		u, w := v.Index(0, 0), v.Index(0, 1)
		return tensor.Stack(0, u.Add(w), u.Mul(w))
	}
	jac := func(fn func(*tensor.Tensor) *tensor.Tensor, at []float32) *tensor.Tensor {
		var rows []*tensor.Tensor
		for i := range 2 {
			v := tensor.FromSlice(at).SetRequiresGrad(true)
			if err := fn(v).Index(0, i).Backward(); err != nil {
				panic(err)
			}
			rows = append(rows, v.Grad())
		}
		return tensor.Stack(0, rows...)
	}
	Jq := jac(q, p)
	fmt.Println(Jq) // [[y x] [1 2y]] at (0.5, −1)
	// Finite differences, column by column.
	const h = 1e-3
	for j := range 2 {
		lo, hi := append([]float32(nil), p...), append([]float32(nil), p...)
		lo[j] -= h
		hi[j] += h
		d := q(tensor.FromSlice(hi)).Sub(q(tensor.FromSlice(lo))).DivScalar(2 * h)
		fmt.Println(maxDiff(d, Jq.Index(1, j)) < 1e-3)
	}
	qp, _ := q(tensor.FromSlice(p)).Data()
	chain := jac(r, qp).MatMul(Jq)
	direct := jac(func(v *tensor.Tensor) *tensor.Tensor { return r(q(v)) }, p)
	fmt.Println(maxDiff(chain, direct) < 1e-6)
	// Output:
	// [[-1 0.5]
	//  [1 -2]]
	// true
	// true
	// true
}

// j. From here to the MNIST classifier of cmd/mnist-gpu is more of the
// same: 784 pixels in, two hidden layers of 1024 with ReLU between the
// linear maps, 10 class scores out, trained by backpropagation and SGD.
func Example_j_toMNIST() {
	dev := tensor.CPU()
	rng := tensor.NewRNG(1)
	model := nn.NewSequential(
		nn.Flatten{},
		nn.NewLinear(dev, rng, 784, 1024), nn.ReLU{},
		nn.NewLinear(dev, rng, 1024, 1024), nn.ReLU{},
		nn.NewLinear(dev, rng, 1024, 10),
	)
	n := 0
	for _, p := range model.Parameters() {
		n += p.Size()
	}
	fmt.Println(n, "parameters")
	fmt.Println(model.Forward(dev.Zeros(2, 1, 28, 28)).Shape())
	// Output:
	// 1863690 parameters
	// [2 10]
}

// maxDiff is the largest |a − b|.
func maxDiff(a, b *tensor.Tensor) float64 {
	v, err := a.Sub(b).Abs().Max().Item()
	if err != nil {
		panic(err)
	}
	return float64(v)
}
