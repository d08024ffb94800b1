package lapack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestJacobi checks the Jacobi kernels on every order up to JacobiMax
// (and tall and wide shapes for the SVD) against the definitions and
// against the QR-iteration paths, on random, rank-deficient, zero and
// repeated-eigenvalue matrices.
func TestJacobi(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	kinds := []string{"random", "rank1", "zero", "identity", "zero column"}
	for n := 1; n <= JacobiMax; n++ {
		for _, kind := range kinds {
			sym := func() []float64 {
				a := make([]float64, n*n)
				switch kind {
				case "random", "zero column":
					for i := range n {
						for j := 0; j <= i; j++ {
							a[i*n+j] = rng.NormFloat64()
							a[j*n+i] = a[i*n+j]
						}
					}
				case "rank1":
					x := make([]float64, n)
					for i := range x {
						x[i] = rng.NormFloat64()
					}
					for i := range n {
						for j := range n {
							a[i*n+j] = x[i] * x[j]
						}
					}
				case "identity":
					for i := range n {
						a[i*n+i] = 1
					}
				}
				return a
			}()
			w, v, ok := eighJacobi(n, append([]float64(nil), sym...), true)
			wr, _, okr := eighQR(n, append([]float64(nil), sym...), false)
			if !ok || !okr {
				t.Fatalf("eigh %s n=%d: no convergence (%v, %v)", kind, n, ok, okr)
			}
			scale := 1.0
			for _, x := range wr {
				scale = max(scale, math.Abs(x))
			}
			for i := range n {
				if math.Abs(w[i]-wr[i]) > 1e-13*scale {
					t.Errorf("eigh %s n=%d: w[%d] = %.17g, QR path %.17g", kind, n, i, w[i], wr[i])
				}
				if i > 0 && w[i] < w[i-1] {
					t.Errorf("eigh %s n=%d: not ascending", kind, n)
				}
			}
			if e := orthErr(n, n, v); e > 1e-13 {
				t.Errorf("eigh %s n=%d: ‖VᵀV − I‖ = %.3g", kind, n, e)
			}
			vl := make([]float64, n*n)
			for i := range n {
				for j := range n {
					vl[i*n+j] = v[i*n+j] * w[j]
				}
			}
			if d := sub64(matmul(n, n, n, vl, transpose(n, n, v)), sym); fnorm(d) > 1e-13*max(fnorm(sym), 1) {
				t.Errorf("eigh %s n=%d: ‖VΛVᵀ − A‖ = %.3g", kind, n, fnorm(d))
			}

			for _, m := range []int{n, n + 3, 4 * JacobiMax} {
				a := make([]float64, m*n)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				switch kind {
				case "rank1":
					for i := range m {
						for j := range n {
							a[i*n+j] = a[i*n] * a[j]
						}
					}
				case "zero":
					clear(a)
				case "identity":
					clear(a)
					for i := range n {
						a[i*n+i] = 1
					}
				case "zero column":
					for i := range m {
						a[i*n+n/2] = 0
					}
				}
				for _, wide := range []bool{false, true} {
					rows, cols, x := m, n, a
					if wide {
						rows, cols, x = n, m, transpose(m, n, a)
					}
					s, ut, vt, ok := SVD(rows, cols, append([]float64(nil), x...), true)
					sr, _, _, okr := svdQR(rows, cols, append([]float64(nil), x...), false)
					if !ok || !okr {
						t.Fatalf("svd %s %dx%d: no convergence (%v, %v) %v", kind, rows, cols, ok, okr, x)
					}
					for i := range n {
						if math.Abs(s[i]-sr[i]) > 1e-13*max(sr[0], 1) {
							t.Errorf("svd %s %dx%d: s[%d] = %.17g, QR path %.17g", kind, rows, cols, i, s[i], sr[i])
						}
					}
					if e := orthErr(rows, n, transpose(n, rows, ut)); e > 1e-13 {
						t.Errorf("svd %s %dx%d: ‖UᵀU − I‖ = %.3g", kind, rows, cols, e)
					}
					if e := orthErr(cols, n, transpose(n, cols, vt)); e > 1e-13 {
						t.Errorf("svd %s %dx%d: ‖VᵀV − I‖ = %.3g", kind, rows, cols, e)
					}
					us := transpose(n, rows, ut)
					for i := range rows {
						for j := range n {
							us[i*n+j] *= s[j]
						}
					}
					if d := sub64(matmul(rows, n, cols, us, vt), x); fnorm(d) > 1e-13*max(fnorm(x), 1) {
						t.Errorf("svd %s %dx%d: ‖USVᵀ − A‖ = %.3g", kind, rows, cols, fnorm(d))
					}
				}
			}
		}
	}
}

func sub64(x, y []float64) []float64 {
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	return d
}

// BenchmarkJacobiVsQR times the Jacobi kernels beside the QR-iteration
// paths on one small matrix (with vectors), the measurement behind
// JacobiMax:
//
//	go test -run X -bench JacobiVsQR -cpu 1 ./linalg/internal/lapack
func BenchmarkJacobiVsQR(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 8, 12, 16, 24, 32} {
		a := make([]float64, n*n)
		for i := range n {
			for j := 0; j <= i; j++ {
				a[i*n+j] = rng.NormFloat64()
				a[j*n+i] = a[i*n+j]
			}
		}
		w := make([]float64, n*n)
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"eigh-jacobi", func() { eighJacobi(n, w, true) }},
			{"eigh-qr", func() { eighQR(n, w, true) }},
			{"svd-jacobi", func() { svdJacobi(n, n, w, true) }},
			{"svd-qr", func() { svdQR(n, n, w, true) }},
		} {
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				for b.Loop() {
					copy(w, a)
					c.f()
				}
			})
		}
	}
}
