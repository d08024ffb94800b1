package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGelu compares gelu64, rounded to float32, with x·erfc(−x/√2)/2 from
// package math over float32 inputs of every magnitude that matters: at
// most 1 ulp apart, and equal but for a few near-ties in a million.
func TestGelu(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ref := func(x float32) float32 {
		v := float64(x)
		return float32(0.5 * v * math.Erfc(-v/math.Sqrt2))
	}
	n, diff := 1000000, 0
	if testing.Short() {
		n = 50000
	}
	for i := 0; i < n; i++ {
		x := float32(r.NormFloat64() * 4)
		if i%4 == 0 {
			x = float32((r.Float64()*2 - 1) * 16)
		}
		got, want := float32(gelu64(float64(x))), ref(x)
		if got == want {
			continue
		}
		diff++
		u := math.Float32bits(got) - math.Float32bits(want)
		if (u != 1 && u != math.MaxUint32) || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Fatalf("Gelu(%v) = %v, want %v", x, got, want)
		}
	}
	t.Logf("%d of %d results differ by an ulp from the correctly rounded ones", diff, n)
	if diff > n/10000 {
		t.Errorf("%d of %d results differ by an ulp from the correctly rounded ones", diff, n)
	}
	for _, c := range []struct{ x, want float64 }{{0, 0}, {math.Inf(1), math.Inf(1)}, {-40, 0}, {20, 20}, {-14, -14 * 0.5 * math.Erfc(14/math.Sqrt2)}} {
		if got := gelu64(c.x); got != c.want && math.Abs(got-c.want) > 1e-9*math.Abs(c.want) {
			t.Errorf("gelu64(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if g := gelu64(math.Inf(-1)); !math.IsNaN(g) {
		t.Errorf("gelu64(-Inf) = %v, want NaN (−Inf·0)", g)
	}
	if g := gelu64(math.NaN()); !math.IsNaN(g) {
		t.Errorf("gelu64(NaN) = %v", g)
	}
}
