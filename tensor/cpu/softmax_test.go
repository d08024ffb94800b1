package cpu

import (
	"math"
	"math/rand"
	"testing"
)

// TestSoftmaxFloat32Bound checks the float32-lane softmax of contiguous
// rows against float64 arithmetic on the same rounded differences: within
// 5·2⁻²³ relative (the package doc's bound) for results above the
// denormals, and within 2⁻¹⁴⁹ + 5·2⁻²³·exact below. Rows of odd lengths
// (tails), wide ranges and −Inf entries.
func TestSoftmaxFloat32Bound(t *testing.T) {
	b := New()
	rng := rand.New(rand.NewSource(3))
	worst := 0.0
	for _, n := range []int{1, 2, 7, 8, 15, 16, 17, 33, 100, 1000, 1025, 4099} {
		for _, scale := range []float64{0.1, 3, 30} {
			rows := 3
			x := make([]float32, rows*n)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * scale)
				if i%17 == 9 {
					x[i] = float32(math.Inf(-1))
				}
			}
			x[0] = 0 // no row of −Inf only
			x[n] = 0
			x[2*n] = 0
			dst := rowMajor(make([]float32, len(x)), rows, n)
			b.Softmax(dst, rowMajor(x, rows, n), false)
			got := data(dst.Buf)
			for r := 0; r < rows; r++ {
				row := x[r*n : (r+1)*n]
				m := float32(math.Inf(-1))
				for _, v := range row {
					m = max(m, v)
				}
				var sum float64
				for _, v := range row {
					sum += math.Exp(float64(v - m))
				}
				for i, v := range row {
					want := math.Exp(float64(v-m)) / sum
					g := float64(got[r*n+i])
					err := math.Abs(g - want)
					if want >= 0x1p-126 {
						worst = max(worst, err/want/0x1p-23)
					}
					if err > 5*0x1p-23*want+0x1p-149 {
						t.Fatalf("n=%d scale %v: softmax[%d][%d] = %v, want %v", n, scale, r, i, g, want)
					}
				}
			}
		}
	}
	t.Logf("worst relative error %.2f·2⁻²³", worst)
}
