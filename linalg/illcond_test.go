package linalg_test

import (
	"errors"
	"math"
	"testing"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// hilbert returns the n×n Hilbert matrix 1/(i+j+1), rounded to float32:
// κ₂ ≈ 1.5e7 for n = 6 and 1.6e13 for n = 10.
func hilbert(n int) []float32 {
	h := make([]float32, n*n)
	for i := range n {
		for j := range n {
			h[i*n+j] = float32(1 / float64(i+j+1))
		}
	}
	return h
}

// TestIllConditioned checks the documented behaviour on ill-conditioned
// input: LU-based Solve stays backward stable (its backward error is float32
// rounding whatever κ(A); only the forward error grows with κ), Cholesky
// either factors with a small backward error or reports
// ErrNotPositiveDefinite, and nothing returns NaN.
func TestIllConditioned(t *testing.T) {
	d := tensor.On(cpu.New())
	for _, n := range []int{6, 10, 14} {
		a := d.FromSlice(hilbert(n), n, n)
		b := d.Ones(n, 1)
		x := linalg.Solve(a, b)
		am, bm, xm := mats(t, a)[0], mats(t, b)[0], mats(t, x)[0]
		for _, v := range xm.d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("Hilbert %d: Solve returned %v", n, xm.d)
			}
		}
		e := fro(sub(mul(am, xm), bm)) / (fro(am) * fro(xm))
		t.Logf("Hilbert %d: Solve backward error %.2e", n, e)
		if e > tol {
			t.Errorf("Hilbert %d: Solve backward error %.3g", n, e)
		}
		l := linalg.Cholesky(a)
		if err := l.Err(); err != nil {
			if !errors.Is(err, linalg.ErrNotPositiveDefinite) {
				t.Errorf("Hilbert %d: Cholesky: %v", n, err)
			}
			t.Logf("Hilbert %d: Cholesky: %v", n, err)
			continue
		}
		lm := mats(t, l)[0]
		if e := fro(sub(mul(lm, tr(lm)), am)) / fro(am); e > tol {
			t.Errorf("Hilbert %d: ‖LLᵀ − A‖/‖A‖ = %.3g", n, e)
		}
		// Eigh and SVD keep their backward accuracy too.
		w, v := linalg.Eigh(a)
		wm, vm := vecs(t, w)[0], mats(t, v)[0]
		vl := m64{n, n, append([]float64(nil), vm.d...)}
		for r := range n {
			for c := range n {
				vl.d[r*n+c] *= wm[c]
			}
		}
		if e := fro(sub(mul(am, vm), vl)) / fro(am); e > tol {
			t.Errorf("Hilbert %d: ‖AV − VΛ‖/‖A‖ = %.3g", n, e)
		}
	}
}
