package lapack

import (
	"math"
	"runtime"
	"sync"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// panelWidth is the panel width of a blocked factorization of order n:
// small for n ≤ 512, where the panels' scalar float64 work dominates, large
// beyond, where the gemm updates do. The widths were picked by CPU time on
// the development machine (LU 16/32, Cholesky and QR 32/64).
func panelWidth(n, small, large int) int {
	if n <= 512 {
		return small
	}
	return large
}

// eps is the float64 unit roundoff.
const eps = 0x1p-52

// to64 returns a float64 copy of x.
func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// mulSub computes C −= A·B through the float32 packed gemm, where A is a
// scratch m×k row-major matrix that is negated in place (so callers pass a
// copy they no longer need).
func mulSub(m, n, k int, negA []float32, b, c cpu.Matrix) {
	for i := range negA[:m*k] {
		negA[i] = -negA[i]
	}
	cpu.Sgemm(m, n, k, cpu.Matrix{Data: negA, RS: k, CS: 1}, b, c, true)
}

// parallelRows calls f(lo, hi) on disjoint ranges covering [0, n), on up to
// GOMAXPROCS goroutines when work (flops in all) makes it worth it.
func parallelRows(n int, work float64, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if work < 1<<20 || w <= 1 || n < 2 {
		f(0, n)
		return
	}
	w = min(w, n)
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// dot returns Σ x[i]·y[i] over len(x).
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	if n := len(x) &^ 15; n > 0 && hasFMA {
		return dotFMA(&x[0], &y[0], n) + dotGo(x[n:], y[n:])
	}
	return dotGo(x, y)
}

// dotGo is dot in portable Go.
func dotGo(x, y []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy computes y += α·x over len(x).
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	if n := len(x) &^ 7; n > 0 && hasFMA {
		axpyFMA(alpha, &x[0], &y[0], n)
		i = n
	}
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// rot applies the plane rotation (x, y) ← (c·x + s·y, −s·x + c·y),
// unrolled by four (the eigen- and singular vector accumulations spend most
// of their time here).
func rot(c, s float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	if n := len(x) &^ 7; n > 0 && hasFMA {
		rotFMA(c, s, &x[0], &y[0], n)
		i = n
	}
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		x0, x1, x2, x3 := xs[0], xs[1], xs[2], xs[3]
		y0, y1, y2, y3 := ys[0], ys[1], ys[2], ys[3]
		xs[0], xs[1], xs[2], xs[3] = c*x0+s*y0, c*x1+s*y1, c*x2+s*y2, c*x3+s*y3
		ys[0], ys[1], ys[2], ys[3] = c*y0-s*x0, c*y1-s*x1, c*y2-s*x2, c*y3-s*x3
	}
	for ; i < len(x); i++ {
		xi, yi := x[i], y[i]
		x[i] = c*xi + s*yi
		y[i] = c*yi - s*xi
	}
}

// givens returns c, s, r with c·f + s·g = r and −s·f + c·g = 0.
func givens(f, g float64) (c, s, r float64) {
	if g == 0 {
		return 1, 0, f
	}
	if f == 0 {
		return 0, 1, g
	}
	r = math.Hypot(f, g)
	return f / r, g / r, r
}

// house computes a Householder reflector H = I − τ·v·vᵀ with v[0] = 1 such
// that H·x = β·e₁. It overwrites x[1:] with v[1:] and returns τ and β. When
// x[1:] is already zero, τ = 0 (H = I) and β = x[0].
func house(x []float64) (tau, beta float64) {
	x0 := x[0]
	var scale float64
	for _, v := range x[1:] {
		scale = max(scale, math.Abs(v))
	}
	if scale == 0 {
		return 0, x0
	}
	var ss float64
	for _, v := range x[1:] {
		ss += (v / scale) * (v / scale)
	}
	norm := math.Hypot(x0, scale*math.Sqrt(ss))
	beta = -math.Copysign(norm, x0)
	tau = (beta - x0) / beta
	inv := 1 / (x0 - beta)
	for i := range x[1:] {
		x[1+i] *= inv
	}
	return tau, beta
}

// sweep is the sequence of plane rotations of one implicit QR sweep: the
// i-th rotates rows k0+i and k0+i+1 of a row-major matrix with n columns.
type sweep struct {
	k0   int
	c, s []float64
}

func (w *sweep) reset(k0 int) { w.k0, w.c, w.s = k0, w.c[:0], w.s[:0] }

func (w *sweep) add(c, s float64) { w.c, w.s = append(w.c, c), append(w.s, s) }

// apply applies the sweep's rotations, in order, to the rows of the
// row-major x with n columns. The columns are split between goroutines:
// each applies the whole sequence to its own slice of columns, which keeps
// the two rows of a rotation in cache (LAPACK's dlasr works the same way).
func (w *sweep) apply(x []float64, n int) {
	if x == nil || len(w.c) == 0 {
		return
	}
	work := 6 * float64(n) * float64(len(w.c))
	parallelRows(n, work, func(lo, hi int) {
		for i := range w.c {
			k := w.k0 + i
			rot(w.c[i], w.s[i], x[k*n+lo:k*n+hi], x[(k+1)*n+lo:(k+1)*n+hi])
		}
	})
}

// reflectBack overwrites each row z of the row-major x (rows×n) with
// H₀·H₁⋯H_{len(refl)−1}·z, where H_k = I − τ_k·[1; v_k]·[1; v_k]ᵀ acts on
// entries off+k: of z. Rows go in groups that share each reflector while it
// is in cache, and the groups are split between goroutines.
func reflectBack(x []float64, rows, n, off int, refl []reflector) {
	const group = 8
	var flops float64
	for _, h := range refl {
		flops += 4 * float64(len(h.v)+1)
	}
	parallelRows(rows, flops*float64(rows), func(lo, hi int) {
		for g := lo; g < hi; g += group {
			ge := min(g+group, hi)
			for k := len(refl) - 1; k >= 0; k-- {
				h := refl[k]
				if h.tau == 0 {
					continue
				}
				for i := g; i < ge; i++ {
					seg := x[i*n+off+k : (i+1)*n]
					t := h.tau * (seg[0] + dot(h.v, seg[1:]))
					seg[0] -= t
					axpy(-t, h.v, seg[1:])
				}
			}
		}
	})
}

// maxAbs is the largest magnitude in the diagonals of a tridiagonal or
// bidiagonal matrix, the scale of the QR iterations' tolerances.
func maxAbs(d, e []float64) float64 {
	var m float64
	for _, v := range d {
		m = max(m, math.Abs(v))
	}
	for _, v := range e {
		m = max(m, math.Abs(v))
	}
	return m
}
