package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSum(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range append(lengths, 100003) {
			a := make([]float32, n)
			var abs float64
			for i := range a {
				a[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
				abs += math.Abs(float64(a[i]))
			}
			// A sequential float64 sum, itself within the bound's half
			// of the exact one.
			var want float64
			for _, v := range a {
				want += float64(v)
			}
			got := Sum(a)
			if bound := float64(n+1) * 0x1p-52 * abs; math.Abs(got-want) > bound {
				t.Fatalf("n=%d: Sum = %v, want %v within %g", n, got, want, bound)
			}
			if n > 0 {
				a[rng.IntN(n)] = float32(math.NaN())
				if s := Sum(a); !math.IsNaN(s) {
					t.Fatalf("n=%d: Sum with a NaN = %v", n, s)
				}
			}
		}
	})
}

func TestAccumulate(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range lengths {
			a := randSlice(rng, n)
			acc := make([]float64, n+1)
			want := make([]float64, n)
			for i := range want {
				acc[i] = rng.NormFloat64()
				want[i] = acc[i] + float64(a[i])
			}
			acc[n] = 42
			Accumulate(acc[:n], a)
			for i, w := range want {
				if g := acc[i]; g != w && !(g != g && w != w) {
					t.Fatalf("n=%d: acc[%d] = %v, want %v", n, i, g, w)
				}
			}
			if acc[n] != 42 {
				t.Fatalf("n=%d: wrote past acc", n)
			}
		}
	})
}

func TestExtreme(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, n := range lengths[1:] {
			for trial := 0; trial < 20; trial++ {
				a := randSlice(rng, n)
				if trial%2 == 0 { // half the trials without NaN, so the lanes decide
					for i, v := range a {
						if v != v {
							a[i] = float32(i)
						}
					}
				}
				for _, isMax := range []bool{true, false} {
					op := Min
					if isMax {
						op = Max
					}
					want := a[0]
					for _, v := range a[1:] {
						want = op.Apply(want, v)
					}
					got := Extreme(a, isMax)
					if !(got == want || got != got && want != want) {
						t.Fatalf("n=%d max=%v: Extreme = %v, want %v", n, isMax, got, want)
					}
				}
			}
		}
	})
}

func TestAccumulateRows4(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, n := range lengths {
			stride := n + 3
			a := randSlice(rng, 3*stride+n)
			acc := make([]float64, n+1)
			want := make([]float64, n)
			for i := range want {
				acc[i] = rng.NormFloat64()
				want[i] = acc[i] + ((float64(a[i]) + float64(a[stride+i])) + (float64(a[2*stride+i]) + float64(a[3*stride+i])))
			}
			acc[n] = 42
			AccumulateRows4(acc[:n], a, stride)
			for i, w := range want {
				if g := acc[i]; g != w && !(g != g && w != w) {
					t.Fatalf("n=%d: acc[%d] = %v, want %v", n, i, g, w)
				}
			}
			if acc[n] != 42 {
				t.Fatalf("n=%d: wrote past acc", n)
			}
		}
	})
}
