package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// layout builds a view of an r×c matrix with the given storage order.
type layout int

const (
	rowMajor  layout = iota // RS=ld, CS=1
	colMajor                // RS=1, CS=ld (a transposed operand)
	strided                 // RS and CS both > 1
	bcastRows               // RS=0: every row is the same
	bcastCols               // CS=0: every column is the same
)

func (l layout) String() string {
	return [...]string{"row", "col", "strided", "bcastRows", "bcastCols"}[l]
}

// newMatrix returns a random r×c view with the given layout, padding and
// offset, filled (including padding) with values in [-1, 1).
func newMatrix(rng *rand.Rand, r, c int, l layout) Matrix {
	off := rng.IntN(5)
	var m Matrix
	switch l {
	case rowMajor:
		m = Matrix{Off: off, RS: c + rng.IntN(3), CS: 1}
	case colMajor:
		m = Matrix{Off: off, RS: 1, CS: r + rng.IntN(3)}
	case strided:
		cs := 2 + rng.IntN(2)
		m = Matrix{Off: off, RS: c*cs + rng.IntN(3), CS: cs}
	case bcastRows:
		m = Matrix{Off: off, RS: 0, CS: 1}
	case bcastCols:
		m = Matrix{Off: off, RS: 1, CS: 0}
	}
	size := off + 1
	if r > 0 && c > 0 {
		size = m.at(r-1, c-1) + 1 + rng.IntN(4)
	}
	m.Data = make([]float32, size)
	for i := range m.Data {
		m.Data[i] = rng.Float32()*2 - 1
	}
	return m
}

// reference computes C (+)= A·B in float64 with a plain triple loop.
func reference(m, n, k int, a, b, c Matrix, accumulate bool) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a.Data[a.at(i, p)]) * float64(b.Data[b.at(p, j)])
			}
			if accumulate {
				s += float64(c.Data[c.at(i, j)])
			}
			out[i*n+j] = s
		}
	}
	return out
}

func maxAbs(x Matrix, r, c int) float64 {
	var mx float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			mx = max(mx, math.Abs(float64(x.Data[x.at(i, j)])))
		}
	}
	return mx
}

// check runs one Sgemm and compares it with the float64 reference, and
// checks that elements of Data outside the C view are untouched.
func check(t *testing.T, rng *rand.Rand, m, n, k int, la, lb, lc layout, accumulate bool) {
	t.Helper()
	a := newMatrix(rng, m, k, la)
	b := newMatrix(rng, k, n, lb)
	if lc == bcastRows || lc == bcastCols {
		lc = strided // a broadcast C aliases its outputs
	}
	c := newMatrix(rng, m, n, lc)
	want := reference(m, n, k, a, b, c, accumulate)

	inView := make([]bool, len(c.Data))
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			inView[c.at(i, j)] = true
		}
	}
	orig := append([]float32(nil), c.Data...)

	Sgemm(m, n, k, a, b, c, accumulate)

	// Each output is a float32 dot product of length k (plus maybe the old
	// C value); its rounding error is at most about (k+1)·eps times the
	// sum of the magnitudes of its terms, which is at most
	// k·max|a|·max|b| + max|c|. Use a 2x margin.
	const eps = 1.0 / (1 << 23)
	mag := float64(k) * maxAbs(a, m, k) * maxAbs(b, k, n)
	if accumulate {
		mag += maxAbs(Matrix{Data: orig, Off: c.Off, RS: c.RS, CS: c.CS}, m, n)
	}
	tol := 2*float64(k+1)*eps*mag + 1e-30

	var worst float64
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			got := float64(c.Data[c.at(i, j)])
			d := math.Abs(got - want[i*n+j])
			if !(d <= tol) { // also catches NaN
				t.Fatalf("m=%d n=%d k=%d A=%v B=%v C=%v acc=%v: C[%d,%d]=%g want %g (|d|=%g > tol %g)",
					m, n, k, la, lb, lc, accumulate, i, j, got, want[i*n+j], d, tol)
			}
			worst = max(worst, d)
		}
	}
	for i, v := range c.Data {
		if !inView[i] && v != orig[i] {
			t.Fatalf("m=%d n=%d k=%d: Data[%d] outside the C view changed", m, n, k, i)
		}
	}
}

// withKernels runs f once per micro-kernel this machine can run.
func withKernels(t *testing.T, f func(t *testing.T)) {
	saved := kernel
	defer func() { kernel = saved }()
	for _, k := range kernels() {
		kernel = k
		t.Run("kernel="+k.name, f)
	}
}

var sizes = []int{1, 2, 5, 6, 7, 15, 16, 17, 33, 64, 100, 257}

func TestSgemmSizes(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, m := range sizes {
			for _, n := range sizes {
				k := sizes[rng.IntN(len(sizes))]
				if testing.Short() && m*n*k > 1<<18 {
					continue
				}
				check(t, rng, m, n, k, rowMajor, rowMajor, rowMajor, false)
			}
		}
	})
}

func TestSgemmLayouts(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, la := range []layout{rowMajor, colMajor, strided, bcastRows, bcastCols} {
			for _, lb := range []layout{rowMajor, colMajor, strided, bcastRows, bcastCols} {
				for _, lc := range []layout{rowMajor, colMajor, strided} {
					for _, acc := range []bool{false, true} {
						m, n, k := 1+rng.IntN(40), 1+rng.IntN(40), 1+rng.IntN(40)
						check(t, rng, m, n, k, la, lb, lc, acc)
					}
				}
			}
		}
	})
}

func TestSgemmRandom(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		iters := 60
		if testing.Short() {
			iters = 10
		}
		all := []layout{rowMajor, colMajor, strided}
		for it := 0; it < iters; it++ {
			m, n, k := 1+rng.IntN(150), 1+rng.IntN(150), 1+rng.IntN(600)
			check(t, rng, m, n, k, all[rng.IntN(3)], all[rng.IntN(3)], all[rng.IntN(3)], rng.IntN(2) == 0)
		}
	})
}

// TestSgemmBlocks crosses every block boundary (kc, mc, nc) including the
// parallel split, with thin and ragged shapes.
func TestSgemmBlocks(t *testing.T) {
	shapes := [][3]int{
		{mcMax + 7, 20, kcMax + 1},
		{3, ncMax + 17, 5},
		{300, 300, 2*kcMax + 3},
		{2*mcMax + 1, 2*nr + 1, 2*kcMax - 1},
		{7, 1000, 300},
		{1000, 7, 300},
		{1, 1, 5000},
		// B rows far apart: packed past m = mr, read in place up to it.
		{40, 2000, 300},
		{10, 2000, 300},
	}
	if testing.Short() {
		shapes = shapes[:2]
	}
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, s := range shapes {
			check(t, rng, s[0], s[1], s[2], rowMajor, colMajor, rowMajor, false)
			check(t, rng, s[0], s[1], s[2], colMajor, rowMajor, rowMajor, true)
		}
	})
}

func TestSgemmDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	// k == 0 zeroes C, or leaves it alone when accumulating.
	c := newMatrix(rng, 3, 4, rowMajor)
	orig := append([]float32(nil), c.Data...)
	Sgemm(3, 4, 0, Matrix{}, Matrix{}, c, true)
	for i := range orig {
		if c.Data[i] != orig[i] {
			t.Fatalf("k=0 accumulate changed C")
		}
	}
	Sgemm(3, 4, 0, Matrix{}, Matrix{}, c, false)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			if v := c.Data[c.at(i, j)]; v != 0 {
				t.Fatalf("k=0: C[%d,%d]=%g, want 0", i, j, v)
			}
		}
	}
	// m == 0 or n == 0 touches nothing, even with empty views.
	Sgemm(0, 5, 5, Matrix{}, Matrix{}, Matrix{}, false)
	Sgemm(5, 0, 5, Matrix{}, Matrix{}, Matrix{}, false)
}

func TestSgemmBadView(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a C view larger than its data")
		}
	}()
	a := Matrix{Data: make([]float32, 64), RS: 8, CS: 1}
	Sgemm(8, 8, 8, a, a, Matrix{Data: make([]float32, 63), RS: 8, CS: 1}, false)
}

// TestSgemmConcurrent runs independent calls at once; with -race it checks
// the buffer pool and the parallel split.
func TestSgemmConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			for it := 0; it < 3; it++ {
				check(t, rng, 70+rng.IntN(30), 70+rng.IntN(30), 70+rng.IntN(30), rowMajor, rowMajor, rowMajor, it == 1)
			}
		}()
	}
	wg.Wait()
}

func TestSgemmNoAlloc(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are not meaningful here")
	}
	n := 48 // below the parallel threshold
	a := Matrix{Data: make([]float32, n*n), RS: n, CS: 1}
	Sgemm(n, n, n, a, a, Matrix{Data: make([]float32, n*n), RS: n, CS: 1}, false)
	c := Matrix{Data: make([]float32, n*n), RS: n, CS: 1}
	allocs := testing.AllocsPerRun(20, func() { Sgemm(n, n, n, a, a, c, false) })
	if allocs != 0 {
		t.Errorf("Sgemm allocated %v times per call, want 0", allocs)
	}
}

// BenchmarkSgemm compares this Sgemm with gonum's pure-Go BLAS on square
// row-major products.
func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{256, 512, 1024, 2048} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		a := make([]float32, n*n)
		bb := make([]float32, n*n)
		c := make([]float32, n*n)
		for i := range a {
			a[i] = rng.Float32()
			bb[i] = rng.Float32()
		}
		flops := 2 * float64(n) * float64(n) * float64(n)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("n=%d/impl=vktensor", n), func(b *testing.B) {
			ma := Matrix{Data: a, RS: n, CS: 1}
			mb := Matrix{Data: bb, RS: n, CS: 1}
			mc := Matrix{Data: c, RS: n, CS: 1}
			for b.Loop() {
				Sgemm(n, n, n, ma, mb, mc, false)
			}
			report(b)
		})
		b.Run(fmt.Sprintf("n=%d/impl=gonum", n), func(b *testing.B) {
			var impl gonum.Implementation
			for b.Loop() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, bb, n, 0, c, n)
			}
			report(b)
		})
	}
}
