// Package vec holds the vectorized float32 kernels of the CPU backend:
// elementwise arithmetic over contiguous slices and a broadcast scalar,
// sums, extrema, and the exponential-based functions of softmax and the
// activations.
//
// On amd64 the kernels are assembly, AVX-512 where the CPU has it and AVX2
// with FMA otherwise, chosen once at run time; elsewhere, on older CPUs,
// or with the purego build tag, portable Go loops give the same results.
// Every function processes the whole-vector prefix of its slices in
// assembly and the rest in Go.
//
// Conventions: a destination may be identical to a source but must not
// otherwise overlap one; the slices a function takes together have one
// length (it panics otherwise). Maximum and minimum follow NumPy's maximum
// and minimum: a NaN operand gives NaN, and otherwise a > b ? a : b (so
// max(+0, −0) is −0, the second operand).
//
// Accuracy. Arithmetic (+ − × ÷, max, min) is IEEE float32, exactly as Go
// computes it. Sums accumulate float64 lanes (see Sum). The functions of
// exp, sigmoid and tanh evaluate in float64 lanes with a polynomial whose
// relative error is below 2⁻⁵⁰ and round once to float32; see Exp. The
// one exception is ExpSum32, a float32-lane exponential within 2 ulp.
package vec

import "fmt"

// Op is a binary arithmetic operation.
type Op uint8

const (
	Add Op = iota // a + b
	Sub           // a − b
	Mul           // a × b
	Div           // a ÷ b
	Max           // NumPy maximum
	Min           // NumPy minimum
	numOps
)

func (op Op) String() string {
	if op < numOps {
		return [...]string{"Add", "Sub", "Mul", "Div", "Max", "Min"}[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

// Apply returns op(a, b) for one pair of values: the scalar definition the
// kernels reproduce.
func (op Op) Apply(a, b float32) float32 {
	switch op {
	case Add:
		return a + b
	case Sub:
		return a - b
	case Mul:
		return a * b
	case Div:
		return a / b
	case Max:
		if a > b || a != a {
			return a
		}
		return b
	case Min:
		if a < b || a != a {
			return a
		}
		return b
	}
	panic("vec: unknown " + op.String())
}

func sameLen(what string, n int, lens ...int) {
	for _, l := range lens {
		if l != n {
			panic(fmt.Sprintf("vec: %s: slices of lengths %d and %d", what, n, l))
		}
	}
}

// Binary sets d[i] = op(a[i], b[i]).
func Binary(op Op, d, a, b []float32) {
	sameLen("Binary", len(d), len(a), len(b))
	n := 0
	if k := kernels.vv[op]; k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], &a[0], &b[0], n)
	}
	binaryGo(op, d[n:], a[n:], b[n:])
}

// BinaryScalar sets d[i] = op(a[i], s).
func BinaryScalar(op Op, d, a []float32, s float32) {
	sameLen("BinaryScalar", len(d), len(a))
	n := 0
	if k := kernels.vs[op]; k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], &a[0], s, n)
	}
	binaryScalarGo(op, d[n:], a[n:], s)
}

// ScalarBinary sets d[i] = op(s, b[i]).
func ScalarBinary(op Op, d []float32, s float32, b []float32) {
	sameLen("ScalarBinary", len(d), len(b))
	if (op == Max || op == Min) && s != s {
		for i := range d {
			d[i] = s
		}
		return
	}
	n := 0
	if k := kernels.sv[op]; k != nil && len(d) >= kernels.lanes {
		n = len(d) &^ (kernels.lanes - 1)
		k(&d[0], s, &b[0], n)
	}
	scalarBinaryGo(op, d[n:], s, b[n:])
}

// kernelSet is one implementation of the kernels; a nil entry falls back
// to Go. Kernels process n elements, a multiple of lanes.
type kernelSet struct {
	name  string
	lanes int
	vv    [numOps]func(d, a, b *float32, n int)
	vs    [numOps]func(d, a *float32, s float32, n int)
	sv    [numOps]func(d *float32, s float32, a *float32, n int)
	sum64 func(a *float32, n int) float64
	acc64 func(acc *float64, a *float32, n int)
	// acc64x4 is acc64 for n a multiple of 4.
	acc64x4  func(acc *float64, a *float32, n int)
	acc4Rows func(acc *float64, a *float32, stride, n int)
	// extreme works on eight lanes whatever the set's width.
	extreme func(a *float32, n int, lanes *[16]float32, isMax bool) bool

	exp, sigmoid, tanh func(d, a *float32, n int)
	expSum             func(e *float64, x *float32, m float32, n int) float64
	scaleCvt           func(d *float32, e *float64, s float64, n int)
	shiftCvt           func(d, x *float32, m float32, ls float64, n int)
	expSum32           func(d, x *float32, m float32, n int) float64

	// transpose8 transposes one 8×8 tile (see Transpose).
	transpose8 func(d *float32, ld int, a *float32, la int)

	// The masks and pair products (mask.go), eight lanes at a time.
	gtScalar          func(d, a *float32, s float32, n int)
	pairsEq, pairsMul func(d, x, y *float32, n int)
}

// kernels is the implementation in use, set at init.
var kernels = pick()

// Impl names the kernel implementation in use: "avx512", "avx2" or "go".
func Impl() string { return kernels.name }

// useGo switches to the portable kernels (for tests that compare both)
// and returns a function restoring the previous choice.
func useGo() (restore func()) {
	old := kernels
	kernels = &kernelSet{name: "go", lanes: 1}
	return func() { kernels = old }
}
