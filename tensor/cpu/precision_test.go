package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// f16bits decodes float16 bits.
func f16bits(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, f := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * math.Ldexp(f, -24)
	case 31:
		if f != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1+f/1024, e-15)
}

// TestRoundFloat16 checks every float16 value rounds to itself, every
// midpoint between neighbours to the even one, and random float32s to
// their nearest float16.
func TestRoundFloat16(t *testing.T) {
	var finite []float64
	for h := range 1 << 16 {
		v := f16bits(uint16(h))
		if math.IsNaN(v) {
			if !math.IsNaN(float64(RoundFloat16(float32(v)))) {
				t.Fatal("NaN not kept")
			}
			continue
		}
		if got := float64(RoundFloat16(float32(v))); got != v || math.Signbit(got) != math.Signbit(v) {
			t.Fatalf("float16 %#04x = %v rounds to %v", h, v, got)
		}
		if h < 0x7c00 { // non-negative finite, ascending with h
			finite = append(finite, v)
		}
	}
	for i := 0; i+1 < len(finite); i++ {
		lo, hi := finite[i], finite[i+1]
		mid := (lo + hi) / 2
		want := lo
		if i%2 == 1 { // the odd significand is lo: ties go up
			want = hi
		}
		if got := float64(RoundFloat16(float32(mid))); got != want {
			t.Fatalf("midpoint %v of %v and %v rounds to %v, want %v", mid, lo, hi, got, want)
		}
	}
	if got := RoundFloat16(65519); got != 65504 {
		t.Errorf("65519 → %v", got)
	}
	if got := RoundFloat16(65520); !math.IsInf(float64(got), 1) {
		t.Errorf("65520 → %v", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		x := float32(math.Ldexp(r.Float64()*2-1, r.IntN(40)-26))
		got := float64(RoundFloat16(x))
		// Nearest among the finite values (binary search).
		a := math.Abs(float64(x))
		lo, hi := 0, len(finite)-1
		for lo+1 < hi {
			if mid := (lo + hi) / 2; finite[mid] <= a {
				lo = mid
			} else {
				hi = mid
			}
		}
		best := finite[lo]
		if math.Abs(finite[hi]-a) < math.Abs(best-a) {
			best = finite[hi]
		}
		if math.Abs(got) != best && math.Abs(math.Abs(got)-a) != math.Abs(best-a) {
			t.Fatalf("%v rounds to %v, nearest is %v", x, got, best)
		}
	}
}

// TestMatMulPrecision compares each precision's product with a float64
// reference, for K up to 8192 and operands whose magnitudes span 1e-3 to
// 1e3: High's error (norm-scaled, the worst element) stays within twice
// Highest's, Medium's within float16's 2^-11.
func TestMatMulPrecision(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range []struct{ m, n, k int }{{7, 5, 33}, {16, 12, 1024}, {4, 4, 8192}} {
		for _, spread := range []bool{false, true} {
			val := func() float32 {
				if spread { // log-uniform magnitude in [1e-3, 1e3], random sign
					v := math.Pow(10, r.Float64()*6-3)
					if r.IntN(2) == 0 {
						v = -v
					}
					return float32(v)
				}
				return float32(r.Float64()*2 - 1)
			}
			a := make([]float32, sz.m*sz.k)
			x := make([]float32, sz.k*sz.n)
			for i := range a {
				a[i] = val()
			}
			for i := range x {
				x[i] = val()
			}
			errOf := func(p backend.Precision) float64 {
				d := make([]float32, sz.m*sz.n)
				s := func(buf []float32, rows, cols int) backend.Strided {
					return backend.Strided{Buf: &buffer{f: buf}, Shape: []int{rows, cols}, Strides: []int{cols, 1}}
				}
				b.MatMulAt(s(d, sz.m, sz.n), s(a, sz.m, sz.k), s(x, sz.k, sz.n), false, p)
				worst := 0.0
				for i := range sz.m {
					for j := range sz.n {
						ref, mag := 0.0, 0.0
						for l := range sz.k {
							v := float64(a[i*sz.k+l]) * float64(x[l*sz.n+j])
							ref += v
							mag += math.Abs(v)
						}
						worst = max(worst, math.Abs(float64(d[i*sz.n+j])-ref)/mag)
					}
				}
				return worst
			}
			highest, high, medium := errOf(backend.PrecisionHighest), errOf(backend.PrecisionHigh), errOf(backend.PrecisionMedium)
			t.Logf("m=%d n=%d k=%d spread=%v: error highest %.2e high %.2e medium %.2e", sz.m, sz.n, sz.k, spread, highest, high, medium)
			if !(high <= 2*highest+1e-9) {
				t.Errorf("k=%d spread=%v: High error %.3g, more than twice Highest's %.3g", sz.k, spread, high, highest)
			}
			if !(medium <= 1.0/2048) || medium < high {
				t.Errorf("k=%d spread=%v: Medium error %.3g (High %.3g)", sz.k, spread, medium, high)
			}
		}
	}
}

// TestMatMulPrecisionLayouts checks strided, batched and accumulating
// operands against contiguous copies, and values beyond float16's range.
func TestMatMulPrecisionLayouts(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 5, 3, 9
	a := make([]float32, 2*m*k) // two batches, stored transposed: [2, k, m]
	x := make([]float32, k*n)
	for i := range a {
		a[i] = float32(r.NormFloat64() * 1e6) // far above float16's 65504
	}
	for i := range x {
		x[i] = float32(r.NormFloat64() * 1e-6) // far below its normal range
	}
	for _, p := range []backend.Precision{backend.PrecisionHigh, backend.PrecisionMedium} {
		got := make([]float32, 2*m*n)
		for i := range got {
			got[i] = 1
		}
		dst := backend.Strided{Buf: &buffer{f: got}, Shape: []int{2, m, n}, Strides: []int{m * n, n, 1}}
		av := backend.Strided{Buf: &buffer{f: a}, Shape: []int{2, m, k}, Strides: []int{m * k, 1, m}}
		xv := backend.Strided{Buf: &buffer{f: x}, Shape: []int{2, k, n}, Strides: []int{0, n, 1}} // broadcast batch
		b.MatMulAt(dst, av, xv, true, p)
		for bi := range 2 {
			for i := range m {
				for j := range n {
					ref, mag := 0.0, 0.0
					for l := range k {
						v := float64(a[bi*m*k+l*m+i]) * float64(x[l*n+j])
						ref += v
						mag += math.Abs(v)
					}
					e := math.Abs(float64(got[bi*m*n+i*n+j])-1-ref) / mag
					if !(e < 1e-3) {
						t.Fatalf("%v batch %d (%d,%d): %v, want 1+%v", p, bi, i, j, got[bi*m*n+i*n+j], ref)
					}
				}
			}
		}
	}
}

// TestSplitRounding checks that split's high and low parts are
// RoundFloat16's roundings, over magnitudes from float16's subnormals to
// past its largest finite value, signed zeros and infinities.
func TestSplitRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	const cols = 37
	v := make([]float32, 50*cols)
	for i := range v {
		v[i] = float32(math.Ldexp(r.Float64()*2-1, r.IntN(50)-30))
	}
	v[0], v[1], v[2], v[3] = 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), 65519.99
	for _, byCol := range []bool{false, true} {
		scale := func(int) float32 { return 1 }
		if byCol {
			scale = func(j int) float32 { return float32(math.Ldexp(1, j%5-2)) }
		}
		hi, lo := split(v, cols, scale, byCol)
		for i, x := range v {
			s := scale(i / cols)
			if byCol {
				s = scale(i % cols)
			}
			y := x / s
			h := RoundFloat16(y)
			l := RoundFloat16((y - h) * 2048)
			if math.Float32bits(hi[i]) != math.Float32bits(h) || math.Float32bits(lo[i]) != math.Float32bits(l) && !(math.IsNaN(float64(l)) && math.IsNaN(float64(lo[i]))) {
				t.Fatalf("byCol=%v: split(%v) = %v, %v; want %v, %v", byCol, x, hi[i], lo[i], h, l)
			}
		}
	}
}
