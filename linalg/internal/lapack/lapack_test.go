package lapack

import (
	"math"
	"math/rand/v2"
	"testing"
)

var sizes = []int{1, 2, 3, 7, 31, 64, 65, 130, 257}

func randMat(rng *rand.Rand, m, n int) []float32 {
	a := make([]float32, m*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	return a
}

// spd returns B·Bᵀ/n + I, well conditioned.
func spd(rng *rand.Rand, n int) []float32 {
	b := randMat(rng, n, n)
	a := make([]float32, n*n)
	for i := range n {
		for j := range n {
			var s float64
			for k := range n {
				s += float64(b[i*n+k]) * float64(b[j*n+k])
			}
			s /= float64(n)
			if i == j {
				s++
			}
			a[i*n+j] = float32(s)
		}
	}
	return a
}

func fnorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

func matmul(m, k, n int, a, b []float64) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for t := range k {
			axpy(a[i*k+t], b[t*n:(t+1)*n], c[i*n:(i+1)*n])
		}
	}
	return c
}

func transpose(m, n int, a []float64) []float64 {
	t := make([]float64, m*n)
	for i := range m {
		for j := range n {
			t[j*m+i] = a[i*n+j]
		}
	}
	return t
}

// relErr returns ‖x − y‖_F / ‖y‖_F (or ‖x − y‖_F when y is zero).
func relErr(x, y []float64) float64 {
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	if ny := fnorm(y); ny > 0 {
		return fnorm(d) / ny
	}
	return fnorm(d)
}

func orthErr(rows, n int, q []float64) float64 { // ‖QᵀQ − I‖_max for q rows×n
	g := matmul(n, rows, n, transpose(rows, n, q), q)
	var e float64
	for i := range n {
		g[i*n+i]--
	}
	for _, v := range g {
		e = max(e, math.Abs(v))
	}
	return e
}

func TestLUSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range sizes {
		a := randMat(rng, n, n)
		for i := range n {
			a[i*n+i] += float32(math.Sqrt(float64(n)))
		}
		b := randMat(rng, n, 3)
		x, z := Solve(n, 3, a, b)
		if z >= 0 {
			t.Fatalf("n=%d: singular at %d", n, z)
		}
		ax := matmul(n, n, 3, to64(a), x)
		if e := relErr(ax, to64(b)); e > 1e-10 {
			t.Errorf("n=%d: ‖Ax−b‖/‖b‖ = %.3g", n, e)
		}
		lu := append([]float32(nil), a...)
		piv := make([]int, n)
		LU(n, lu, piv)
		// Reconstruct P·A = L·U.
		l, u := make([]float64, n*n), make([]float64, n*n)
		for i := range n {
			for j := range n {
				switch {
				case j < i:
					l[i*n+j] = float64(lu[i*n+j])
				case j == i:
					l[i*n+j] = 1
					u[i*n+j] = float64(lu[i*n+j])
				default:
					u[i*n+j] = float64(lu[i*n+j])
				}
			}
		}
		pa := to64(a)
		for i := range n {
			if r := piv[i]; r != i {
				for j := range n {
					pa[i*n+j], pa[r*n+j] = pa[r*n+j], pa[i*n+j]
				}
			}
		}
		if e := relErr(matmul(n, n, n, l, u), pa); e > 1e-6 {
			t.Errorf("n=%d: ‖PA − LU‖/‖A‖ = %.3g", n, e)
		}
	}
}

func TestLUSingular(t *testing.T) {
	a := []float32{1, 2, 3, 2, 4, 6, 1, 0, 1}
	if _, z := Solve(3, 1, a, []float32{1, 2, 3}); z < 0 {
		t.Fatal("singular matrix not reported")
	}
	if _, z := Inv(3, a); z < 0 {
		t.Fatal("singular matrix not reported by Inv")
	}
}

func TestCholesky(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range sizes {
		a := spd(rng, n)
		l := append([]float32(nil), a...)
		if i := Cholesky(n, l); i >= 0 {
			t.Fatalf("n=%d: not PD at %d", n, i)
		}
		l64 := to64(l)
		for i := range n {
			for j := i + 1; j < n; j++ {
				if l64[i*n+j] != 0 {
					t.Fatalf("n=%d: upper triangle not zero", n)
				}
			}
		}
		if e := relErr(matmul(n, n, n, l64, transpose(n, n, l64)), to64(a)); e > 1e-6 {
			t.Errorf("n=%d: ‖LLᵀ − A‖/‖A‖ = %.3g", n, e)
		}
	}
	if i := Cholesky(2, []float32{1, 0, 2, 1}); i != 1 {
		t.Errorf("[[1 2] [2 1]]: got %d, want failure at 1", i)
	}
}

func TestQR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][2]int{{1, 1}, {5, 3}, {3, 5}, {64, 64}, {130, 70}, {70, 130}, {257, 200}, {257, 257}} {
		m, n := sh[0], sh[1]
		k := min(m, n)
		a := randMat(rng, m, n)
		q, r := QR(m, n, append([]float32(nil), a...))
		if e := orthErr(m, k, to64(q)); e > 1e-5 {
			t.Errorf("%dx%d: ‖QᵀQ − I‖ = %.3g", m, n, e)
		}
		for i := range k {
			for j := range i {
				if r[i*n+j] != 0 {
					t.Fatalf("%dx%d: R not upper triangular", m, n)
				}
			}
		}
		if e := relErr(matmul(m, k, n, to64(q), to64(r)), to64(a)); e > 1e-5 {
			t.Errorf("%dx%d: ‖QR − A‖/‖A‖ = %.3g", m, n, e)
		}
	}
}

func TestEigh(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range sizes {
		a := to64(randMat(rng, n, n))
		for i := range n {
			for j := range i {
				a[j*n+i] = a[i*n+j]
			}
		}
		lower := append([]float64(nil), a...)
		for i := range n {
			for j := i + 1; j < n; j++ {
				lower[i*n+j] = math.NaN() // must not be read
			}
		}
		w, v, ok := Eigh(n, lower, true)
		if !ok {
			t.Fatalf("n=%d: no convergence", n)
		}
		for i := 1; i < n; i++ {
			if w[i] < w[i-1] {
				t.Fatalf("n=%d: eigenvalues not ascending", n)
			}
		}
		if e := orthErr(n, n, v); e > 1e-12 {
			t.Errorf("n=%d: ‖VᵀV − I‖ = %.3g", n, e)
		}
		vl := make([]float64, n*n)
		for i := range n {
			for j := range n {
				vl[i*n+j] = v[i*n+j] * w[j]
			}
		}
		if e := relErr(matmul(n, n, n, vl, transpose(n, n, v)), a); e > 1e-12 {
			t.Errorf("n=%d: ‖VΛVᵀ − A‖/‖A‖ = %.3g", n, e)
		}
	}
}

func TestSVD(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range [][2]int{{1, 1}, {1, 4}, {4, 1}, {5, 3}, {3, 5}, {64, 64}, {130, 70}, {70, 130}, {257, 200}} {
		m, n := sh[0], sh[1]
		k := min(m, n)
		for _, rank := range []int{k, k / 2} {
			a := to64(randMat(rng, m, n))
			if rank < k { // a = B·C with inner dimension rank
				a = matmul(m, rank, n, to64(randMat(rng, m, rank)), to64(randMat(rng, rank, n)))
			}
			s, ut, vt, ok := SVD(m, n, append([]float64(nil), a...), true)
			if !ok {
				t.Fatalf("%dx%d: no convergence", m, n)
			}
			for i := 1; i < k; i++ {
				if s[i] > s[i-1] || s[i] < 0 {
					t.Fatalf("%dx%d: singular values not descending and ≥ 0: %v", m, n, s)
				}
			}
			if e := orthErr(m, k, transpose(k, m, ut)); e > 1e-12 {
				t.Errorf("%dx%d rank %d: ‖UᵀU − I‖ = %.3g", m, n, rank, e)
			}
			if e := orthErr(n, k, transpose(k, n, vt)); e > 1e-12 {
				t.Errorf("%dx%d rank %d: ‖VᵀV − I‖ = %.3g", m, n, rank, e)
			}
			us := transpose(k, m, ut)
			for i := range m {
				for j := range k {
					us[i*k+j] *= s[j]
				}
			}
			if e := relErr(matmul(m, k, n, us, vt), a); e > 1e-12 {
				t.Errorf("%dx%d rank %d: ‖USVᵀ − A‖/‖A‖ = %.3g", m, n, rank, e)
			}
			if rank < k && s[rank] > 1e-12*s[0] {
				t.Errorf("%dx%d rank %d: σ_%d = %.3g, want ≈ 0", m, n, rank, rank, s[rank])
			}
		}
	}
}
