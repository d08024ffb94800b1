package half

import (
	"math"
	"math/big"
	"testing"
)

// f16Value is the exact value of finite float16 bits, from the format's
// definition.
func f16Value(h uint16) float64 {
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	var v float64
	if e == 0 {
		v = math.Ldexp(m, -24)
	} else {
		v = math.Ldexp(1024+m, e-25)
	}
	if h&0x8000 != 0 {
		v = -v
	}
	return v
}

func TestF16RoundTrip(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToFloat32(h)
		if h&0x7c00 == 0x7c00 {
			if h&0x3ff != 0 != (f != f) {
				t.Fatalf("%#04x: %v", h, f)
			}
			if h&0x3ff == 0 && F16(f) != h {
				t.Fatalf("Inf %#04x → %v → %#04x", h, f, F16(f))
			}
			continue
		}
		if float64(f) != f16Value(h) || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("%#04x decodes to %v, want %v", h, f, f16Value(h))
		}
		if F16(f) != h {
			t.Fatalf("%#04x → %v → %#04x", h, f, F16(f))
		}
	}
}

// nearestRef rounds x to the nearest of the finite values given by value
// over the 2^15 non-negative bit patterns below limit (ties to even bits),
// by exact comparison: the reference for F16 and BF16.
func nearestRef(x float64, lo, hi uint16, value func(uint16) float64) uint16 {
	// Bisect for the largest pattern with value ≤ |x|.
	ax := math.Abs(x)
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if value(mid) <= ax {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	a, b := lo, lo+1
	da := new(big.Float).Sub(big.NewFloat(ax), big.NewFloat(value(a)))
	db := new(big.Float).Sub(big.NewFloat(value(b)), big.NewFloat(ax))
	r := a
	if c := da.Cmp(db); c > 0 || c == 0 && a&1 == 1 {
		r = b
	}
	if math.Signbit(x) {
		r |= 0x8000
	}
	return r
}

func TestF16Rounding(t *testing.T) {
	// Every float32 whose exponent reaches float16's range, sampled densely:
	// all 2^23 significands at a stride, plus the midpoints and their
	// neighbours.
	value := func(h uint16) float64 {
		if h >= 0x7c00 {
			return math.Ldexp(1, 16) // the rounding boundary of Inf: 65520 rounds up
		}
		return f16Value(h)
	}
	check := func(x float32) {
		got := F16(x)
		var want uint16
		if math.Abs(float64(x)) >= 65520 {
			want = 0x7c00
			if math.Signbit(float64(x)) {
				want |= 0x8000
			}
		} else {
			want = nearestRef(float64(x), 0, 0x7bff, value)
		}
		if got != want {
			t.Fatalf("F16(%v = %#08x) = %#04x, want %#04x", x, math.Float32bits(x), got, want)
		}
	}
	for h := 0; h < 0x7c00; h++ {
		v := f16Value(uint16(h))
		next := f16Value(uint16(h + 1))
		if h == 0x7bff {
			next = 65536
		}
		mid := float32((v + next) / 2)
		for _, x := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9), float32(v) * 1.0001} {
			check(x)
			check(-x)
		}
	}
	for bits := uint32(0); bits < 0x7f800000; bits += 0x1235 {
		check(math.Float32frombits(bits))
	}
	check(float32(math.Inf(-1)))
	if n := F16(float32(math.NaN())); n&0x7c00 != 0x7c00 || n&0x3ff == 0 {
		t.Fatalf("NaN → %#04x", n)
	}
}

func TestBF16(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := BF16ToFloat32(h)
		if f != f {
			if g := BF16(f); g&0x7f80 != 0x7f80 || g&0x7f == 0 || g&0x8000 != h&0x8000 {
				t.Fatalf("NaN %#04x → %#04x", h, g)
			}
			continue
		}
		if BF16(f) != h {
			t.Fatalf("%#04x → %v → %#04x", h, f, BF16(f))
		}
	}
	value := func(h uint16) float64 {
		if h >= 0x7f80 {
			return math.Ldexp(1, 128) // where the next exponent would begin: the rounding boundary of Inf
		}
		return float64(BF16ToFloat32(h))
	}
	for bits := uint32(0); bits < 0x7f800000; bits += 0x3b1 {
		x := math.Float32frombits(bits)
		want := nearestRef(float64(x), 0, 0x7f7f, value)
		if want&0x7fff == 0x7f80 || value(want&0x7fff) > math.MaxFloat32 {
			want = 0x7f80
		}
		if got := BF16(x); got != want {
			t.Fatalf("BF16(%#08x) = %#04x, want %#04x", bits, got, want)
		}
		if got := BF16(-x); got != want|0x8000 {
			t.Fatalf("BF16(-%#08x) = %#04x, want %#04x", bits, got, want|0x8000)
		}
	}
	// Ties go to even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
	if got := BF16(1 + 1.0/256); got != 0x3f80 {
		t.Fatalf("tie → %#04x", got)
	}
	if got := BF16(1 + 3.0/256); got != 0x3f82 {
		t.Fatalf("tie up → %#04x", got)
	}
	if got := BF16(math.MaxFloat32); got != 0x7f80 {
		t.Fatalf("max float32 → %#04x, want +Inf", got)
	}
}

func TestInt32(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want int32
	}{{0, 0}, {math.Copysign(0, -1), 0}, {1.9, 1}, {-1.9, -1}, {2147483647, math.MaxInt32}, {3e9, math.MaxInt32},
		{-2147483648, math.MinInt32}, {-3e9, math.MinInt32}, {math.NaN(), 0}, {math.Inf(1), math.MaxInt32},
		{math.Inf(-1), math.MinInt32}, {2147483646.5, 2147483646}} {
		if got := Int32(c.x); got != c.want {
			t.Errorf("Int32(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}

// TestFrom64 checks the one-rounding conversions of float64 values that
// float32 cannot hold: int32 values whose float32 rounding lands on a
// bfloat16 midpoint, and values just off float16 midpoints.
func TestFrom64(t *testing.T) {
	// 2^25 + 2^17 + 1 is above the bfloat16 midpoint 2^25 + 2^17, but its
	// float32 rounding is the midpoint itself, which ties down to even.
	x := float64(1<<25 + 1<<17 + 1)
	if got, want := BF16From64(x), uint16(0x4c01); got != want {
		t.Errorf("BF16From64(%v) = %#04x, want %#04x", x, got, want)
	}
	if got := BF16(float32(x)); got != 0x4c00 {
		t.Errorf("double rounding through float32 gives %#04x; the test lost its point", got)
	}
	rng := uint64(1)
	for i := 0; i < 200000; i++ {
		rng = rng*6364136223846793005 + 1442695040888963407
		v := float64(int32(rng >> 32))
		value := func(h uint16) float64 {
			if h >= 0x7f80 {
				return math.Ldexp(1, 128)
			}
			return float64(BF16ToFloat32(h))
		}
		if got, want := BF16From64(v), nearestRef(v, 0, 0x7f7f, value); got != want {
			t.Fatalf("BF16From64(%v) = %#04x, want %#04x", v, got, want)
		}
		f := float64(int16(rng>>40)) * 1.0001
		if got, want := F16From64(f), nearestRef(f, 0, 0x7bff, f16Value); got != want {
			t.Fatalf("F16From64(%v) = %#04x, want %#04x", f, got, want)
		}
	}
}
