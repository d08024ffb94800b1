package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestExpSum32 checks ExpSum32's stated bound against the float64
// exponential: every 61st float32 in [−110, 0] (normal results, denormal
// ones and the clamp), the special values, and rows with a maximum
// subtracted; the returned sum is the float64 sum of the results.
func TestExpSum32(t *testing.T) {
	var in []float32
	for b := uint32(0x80000000); b <= math.Float32bits(-110); b += 61 {
		in = append(in, math.Float32frombits(b))
	}
	in = append(in, 0, float32(math.Inf(-1)), float32(math.NaN()), -0x1p-149, -87.33655, -103.97208, -104, -104.5)
	rng := rand.New(rand.NewSource(1))
	eachImpl(t, func(t *testing.T) {
		worst := 0.0
		check := func(what string, d, x []float32, m float32) {
			x0 := append([]float32(nil), x...)
			sum := ExpSum32(d, x, m)
			x = x0
			var want float64
			for i, v := range x {
				want += float64(d[i])
				t64 := float64(v - m)
				g := float64(d[i])
				switch {
				case t64 != t64:
					if g == g {
						t.Fatalf("%s: exp(%v−%v) = %v, want NaN", what, v, m, d[i])
					}
					continue
				case t64 < -104:
					t64 = -104
				}
				e := math.Exp(t64)
				if e < 0x1p-126 {
					if math.Abs(g-e) > 0x1p-149 {
						t.Fatalf("%s: exp(%v−%v) = %v, want %v within 2⁻¹⁴⁹", what, v, m, d[i], e)
					}
					continue
				}
				_, ex := math.Frexp(float64(float32(e)))
				u := math.Abs(g-e) / math.Ldexp(1, ex-24)
				worst = max(worst, u)
				if u > 2 {
					t.Fatalf("%s: exp(%v−%v) = %v, want %v (%.2f ulp)", what, v, m, d[i], e, u)
				}
			}
			if want != want && sum == sum || math.Abs(sum-want) > 1e-15*want {
				t.Fatalf("%s: sum %v, want %v", what, sum, want)
			}
		}
		check("sampled", make([]float32, len(in)), in, 0)
		for _, n := range lengths {
			x := make([]float32, n)
			m := float32(math.Inf(-1))
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 20)
				if i%13 == 4 {
					x[i] = float32(math.Inf(-1))
				}
				m = max(m, x[i])
			}
			check("row", make([]float32, n), x, m)
			if n > 0 {
				y := append([]float32(nil), x...)
				check("in place", y, y, m) // d identical to x
				x[n/2] = float32(math.NaN())
				check("NaN row", make([]float32, n), x, x[n/2])
			}
		}
		t.Logf("worst error %.3f ulp", worst)
	})
}
