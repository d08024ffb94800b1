package linalg_test

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

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

// TestIllConditionedBlocked runs the blocked paths (n > 64) on a symmetric
// positive-definite matrix with eigenvalues spread from 1 to 1e-5 (κ = 1e5):
// Cholesky and Solve keep backward errors at float32 rounding.
func TestIllConditionedBlocked(t *testing.T) {
	const n = 150
	g := newGen(cpu.New(), 5)
	var qr mat.QR
	qr.Factorize(mat.NewDense(n, n, mats(t, g.normal(n, n))[0].d))
	var q mat.Dense
	qr.QTo(&q)
	var a mat.Dense
	dq := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			dq.Set(i, j, q.At(i, j)*math.Pow(10, -5*float64(j)/float64(n-1)))
		}
	}
	a.Mul(dq, q.T())
	a32 := make([]float32, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			v := float32(a.At(i, j))
			a32[i*n+j], a32[j*n+i] = v, v
		}
	}
	at := tensor.On(cpu.New()).FromSlice(a32, n, n)
	am := mats(t, at)[0]
	l := linalg.Cholesky(at)
	if err := l.Err(); err != nil {
		t.Fatalf("Cholesky of a κ = 1e5 matrix: %v", err)
	}
	lm := mats(t, l)[0]
	e := fro(sub(mul(lm, tr(lm)), am)) / fro(am)
	b := g.normal(n, 2)
	xm := mats(t, linalg.Solve(at, b))[0]
	es := fro(sub(mul(am, xm), mats(t, b)[0])) / (fro(am) * fro(xm))
	t.Logf("κ = 1e5, n = %d: ‖LLᵀ − A‖/‖A‖ = %.2e, Solve backward error %.2e", n, e, es)
	if e > tol || es > tol {
		t.Errorf("κ = 1e5: ‖LLᵀ − A‖/‖A‖ = %.3g, Solve backward error %.3g", e, es)
	}
}
