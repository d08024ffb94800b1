package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// maskValues returns n values with NaN, infinities, signed zeros and
// repeats of a few small values mixed in, so that comparisons hit ties.
func maskValues(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(8) {
		case 0:
			s[i] = float32(math.NaN())
		case 1:
			s[i] = float32(math.Inf(1 - 2*rng.IntN(2)))
		case 2:
			s[i] = float32(math.Copysign(0, float64(1-2*rng.IntN(2))))
		case 3, 4:
			s[i] = float32(rng.IntN(3) - 1)
		default:
			s[i] = rng.Float32()*4 - 2
		}
	}
	return s
}

func TestGreaterScalar(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, n := range lengths {
			for _, s := range []float32{0, 1, float32(math.Inf(-1)), float32(math.NaN())} {
				a := maskValues(rng, n)
				d := make([]float32, n+1)
				d[n] = 42
				GreaterScalar(d[:n], a, s)
				for i, v := range a {
					want := float32(0)
					if v > s {
						want = 1
					}
					if d[i] != want || math.Signbit(float64(d[i])) {
						t.Fatalf("n=%d s=%v: d[%d] = %v for a = %v, want %v", n, s, i, d[i], v, want)
					}
				}
				if d[n] != 42 {
					t.Fatalf("n=%d: wrote past d", n)
				}
			}
		}
	})
}

func TestPairs(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, n := range lengths {
			n &^= 1
			x := maskValues(rng, n)
			y := maskValues(rng, n/2)
			for i := range y { // ties with one or both of the pair
				if rng.IntN(3) == 0 {
					y[i] = x[2*i+rng.IntN(2)]
				}
			}
			d := make([]float32, n+1)
			d[n] = 42
			PairsEqual(d[:n], x, y)
			for i := range n {
				want := float32(0)
				if x[i] == y[i/2] {
					want = 1
				}
				if d[i] != want || math.Signbit(float64(d[i])) {
					t.Fatalf("PairsEqual n=%d: d[%d] = %v for %v == %v, want %v", n, i, d[i], x[i], y[i/2], want)
				}
			}
			PairsMul(d[:n], x, y)
			for i := range n {
				if w := x[i] * y[i/2]; !same(d[i], w) {
					t.Fatalf("PairsMul n=%d: d[%d] = %v, want %v", n, i, d[i], w)
				}
			}
			if d[n] != 42 {
				t.Fatalf("n=%d: wrote past d", n)
			}
		}
	})
}

// TestMaskInPlace runs the mask kernels with the destination the source
// itself (the backends' in-place elementwise ops), tails included.
func TestMaskInPlace(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 17, 30} {
		a := make([]float32, n)
		for i := range a {
			a[i] = float32(i%3) - 1
		}
		want := make([]float32, n)
		for i, v := range a {
			if v > 0 {
				want[i] = 1
			}
		}
		GreaterScalar(a, a, 0)
		for i := range a {
			if a[i] != want[i] {
				t.Fatalf("GreaterScalar in place, n=%d: element %d = %v, want %v", n, i, a[i], want[i])
			}
		}
		if n%2 == 0 {
			x := make([]float32, n)
			y := make([]float32, n/2)
			for i := range x {
				x[i] = float32(i % 2)
			}
			for i := range y {
				y[i] = 1
			}
			PairsEqual(x, x, y)
			for i := range x {
				if w := float32(i % 2); x[i] != w {
					t.Fatalf("PairsEqual in place, n=%d: element %d = %v, want %v", n, i, x[i], w)
				}
			}
		}
	}
}
