package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// special values every elementwise test mixes into its inputs.
var specials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()),
	float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.MaxFloat32, -math.MaxFloat32, 1e-40, -3e-39}

// randSlice returns n values, mostly uniform in [-10, 10) with about one in
// eight a special value.
func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if rng.IntN(8) == 0 {
			s[i] = specials[rng.IntN(len(specials))]
		} else {
			s[i] = float32(rng.Float64()*20 - 10)
		}
	}
	return s
}

// same reports whether a and b are the same float32, NaNs being the same
// whatever their payload and zeros differing by sign.
func same(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// eachImpl runs f under the portable kernels and every assembly set the
// CPU supports.
func eachImpl(t *testing.T, f func(t *testing.T)) {
	t.Run("go", func(t *testing.T) {
		defer useGo()()
		f(t)
	})
	for _, k := range available() {
		t.Run(k.name, func(t *testing.T) {
			old := kernels
			kernels = k
			defer func() { kernels = old }()
			f(t)
		})
	}
}

// lengths covers empty, short (tail only), exact multiples of the vector
// and unrolled widths, and odd sizes past them.
var lengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000, 1031}

func TestBinary(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for op := Op(0); op < numOps; op++ {
			for _, n := range lengths {
				a, b := randSlice(rng, n+1), randSlice(rng, n+1)
				s := specials[rng.IntN(len(specials))]
				if rng.IntN(2) == 0 {
					s = float32(rng.Float64()*4 - 2)
				}
				// A guard element after each destination checks that
				// nothing writes past it.
				d := make([]float32, n+1)
				d[n] = 42
				check := func(form string, want func(i int) float32) {
					t.Helper()
					for i := 0; i < n; i++ {
						if w := want(i); !same(d[i], w) {
							t.Fatalf("%v %s n=%d: d[%d] = %v, want %v (a=%v b=%v s=%v)", op, form, n, i, d[i], w, a[i], b[i], s)
						}
					}
					if d[n] != 42 {
						t.Fatalf("%v %s n=%d: wrote past the destination", op, form, n)
					}
				}
				Binary(op, d[:n], a[:n], b[:n])
				check("VV", func(i int) float32 { return op.Apply(a[i], b[i]) })
				BinaryScalar(op, d[:n], a[:n], s)
				check("VS", func(i int) float32 { return op.Apply(a[i], s) })
				ScalarBinary(op, d[:n], s, b[:n])
				check("SV", func(i int) float32 { return op.Apply(s, b[i]) })
				// In place: d identical to a.
				c := append([]float32(nil), a...)
				Binary(op, c[:n], c[:n], b[:n])
				for i := 0; i < n; i++ {
					if w := op.Apply(a[i], b[i]); !same(c[i], w) {
						t.Fatalf("%v in place n=%d: c[%d] = %v, want %v", op, n, i, c[i], w)
					}
				}
			}
		}
	})
}

func TestLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Binary with slices of different lengths did not panic")
		}
	}()
	Binary(Add, make([]float32, 3), make([]float32, 3), make([]float32, 2))
}
