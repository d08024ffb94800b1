package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// layoutCase is a source operand seen with the destination's [rows, cols]
// shape: its strides over a buffer of at least size elements.
type layoutCase struct {
	name    string
	strides func(rows, cols int) []int
	size    func(rows, cols int) int
}

var layouts = []layoutCase{
	{"contiguous", func(r, c int) []int { return []int{c, 1} }, func(r, c int) int { return r * c }},
	{"row-vector", func(r, c int) []int { return []int{0, 1} }, func(r, c int) int { return c }},
	{"column-vector", func(r, c int) []int { return []int{1, 0} }, func(r, c int) int { return r }},
	{"scalar", func(r, c int) []int { return []int{0, 0} }, func(r, c int) int { return 1 }},
	{"transposed", func(r, c int) []int { return []int{1, r} }, func(r, c int) int { return r * c }},
	{"strided", func(r, c int) []int { return []int{2*c + 1, 2} }, func(r, c int) int { return r * (2*c + 1) }},
}

// TestBinaryLayouts checks Binary for every op and every pair of source
// layouts against the scalar definition, on shapes that exercise empty
// rows, tails shorter than a vector, and the parallel split.
func TestBinaryLayouts(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][2]int{{0, 5}, {1, 1}, {3, 7}, {5, 33}, {17, 130}, {300, 257}}
	for op := backend.BinaryOp(0); int(op) < backend.NumBinary; op++ {
		f := binaryFunc(op)
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			for _, la := range layouts {
				for _, lb := range layouts {
					name := fmt.Sprintf("op%d/%dx%d/%s-%s", op, rows, cols, la.name, lb.name)
					x := randLayoutData(rng, la.size(rows, cols))
					y := randLayoutData(rng, lb.size(rows, cols))
					a := strided(x, 0, []int{rows, cols}, la.strides(rows, cols))
					b := strided(y, 0, []int{rows, cols}, lb.strides(rows, cols))
					out := make([]float32, rows*cols+1)
					out[rows*cols] = 42
					be.Binary(op, strided(out, 0, []int{rows, cols}, []int{cols, 1}), a, b)
					as, bs := a.Strides, b.Strides
					for i := 0; i < rows; i++ {
						for j := 0; j < cols; j++ {
							w := f(x[i*as[0]+j*as[1]], y[i*bs[0]+j*bs[1]])
							if g := out[i*cols+j]; !sameFloat(g, w) {
								t.Fatalf("%s: (%d,%d) = %v, want %v", name, i, j, g, w)
							}
						}
					}
					if out[rows*cols] != 42 {
						t.Fatalf("%s: wrote past the destination", name)
					}
				}
			}
		}
	}
}

// randLayoutData returns n values, uniform in [-4, 4) with occasional
// NaN, infinities, signed zeros and exact duplicates of a neighbour (for
// the comparisons).
func randLayoutData(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(16) {
		case 0:
			s[i] = float32(math.NaN())
		case 1:
			s[i] = float32(math.Inf(1 - 2*rng.IntN(2)))
		case 2:
			s[i] = float32(math.Copysign(0, float64(1-2*rng.IntN(2))))
		case 3:
			s[i] = 1
		default:
			s[i] = float32(rng.Float64()*8 - 4)
		}
	}
	return s
}

// sameFloat reports bit-identical float32 values, any NaN matching any.
func sameFloat(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestUnaryContiguous checks the vectorized unary ops on contiguous rows
// against unaryFunc, the scalar definition: bit for bit, except that
// exp, sigmoid and tanh (float64 polynomials in package vec) may round to
// the neighbouring float32 when the exact result lies next to a midpoint.
func TestUnaryContiguous(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(5, 6))
	for op := backend.UnaryOp(0); int(op) < backend.NumUnary; op++ {
		const alpha, beta = 0.75, -0.5
		f := unaryFunc(op, alpha, beta)
		for _, n := range []int{0, 1, 7, 16, 33, 1000, 70001} {
			x := randLayoutData(rng, n)
			for i := range x {
				if i%5 == 0 {
					x[i] *= 40 // reach the saturated ends of exp, sigmoid, tanh
				}
			}
			out := make([]float32, n+1)
			out[n] = 42
			be.Unary(op, strided(out, 0, []int{n}, []int{1}), strided(x, 0, []int{n}, []int{1}), alpha, beta)
			for i, v := range x {
				w, g := f(v), out[i]
				if sameFloat(g, w) {
					continue
				}
				if (op == backend.Exp || op == backend.Sigmoid || op == backend.Tanh) &&
					g == g && w == w && math.Abs(float64(g-w)) <= math.Abs(float64(w))*0x1p-23 {
					continue
				}
				t.Fatalf("op %d n=%d: f(%v) = %v, want %v", op, n, v, g, w)
			}
			if out[n] != 42 {
				t.Fatalf("op %d n=%d: wrote past the destination", op, n)
			}
		}
	}
}

// TestReduceBlocks checks Reduce over pooling-sized and row-sized blocks
// (strided and contiguous, below and above the vectorized length) against
// a sequential fold with maximum, minimum and a float64 sum.
func TestReduceBlocks(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(11, 12))
	for _, blk := range [][2]int{{2, 2}, {3, 5}, {1, 16}, {2, 40}} {
		n0, n1 := blk[0], blk[1]
		outs := 37
		// src [outs, n0, n1] viewed from a [outs, n0, n1+3] buffer: rows padded.
		w := n1 + 3
		x := randLayoutData(rng, outs*n0*w)
		src := strided(x, 0, []int{outs, n0, n1}, []int{n0 * w, w, 1})
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Max, backend.Min} {
			out := make([]float32, outs)
			be.Reduce(op, strided(out, 0, []int{outs}, []int{1}), src)
			for o := 0; o < outs; o++ {
				var acc float64
				best := x[o*n0*w]
				for i := 0; i < n0; i++ {
					for j := 0; j < n1; j++ {
						v := x[o*n0*w+i*w+j]
						acc += float64(v)
						if op == backend.Max {
							best = maximum(best, v)
						} else {
							best = minimum(best, v)
						}
					}
				}
				want := best
				if op == backend.Sum {
					want = float32(acc)
				}
				// The vectorized extremes may pick either zero of a ±0 tie.
				if g := out[o]; !sameFloat(g, want) && !(n1 >= 16 && g == 0 && want == 0) {
					t.Fatalf("%dx%d op %d: out[%d] = %v, want %v", n0, n1, op, o, g, want)
				}
			}
		}
	}
}
