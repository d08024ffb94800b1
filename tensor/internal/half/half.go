// Package half converts between float32 and the 16-bit floating-point
// formats (IEEE 754 binary16 "float16" and bfloat16), and from floating
// point to int32, with the rounding rules of the backend contract: every
// conversion to a narrower format rounds to nearest, ties to even; NaN stays
// a quiet NaN of the same sign; a finite value beyond the largest finite
// float16 becomes ±Inf. Every backend produces these bits exactly.
package half

import (
	"math"
)

// F16 returns the float16 nearest x (ties to even), as its bits.
func F16(x float32) uint16 {
	b := math.Float32bits(x)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	case exp == 0 && man == 0:
		return sign
	}
	// x = 1.man × 2^(exp−127) for normal x; subnormal float32s are far
	// below float16's smallest subnormal (2^−24) and round to ±0 below.
	e := exp - 127
	if exp == 0 {
		return sign
	}
	if e >= -14 { // a normal float16, unless rounding overflows it
		if e > 15 {
			return sign | 0x7c00
		}
		h := uint32(e+15)<<10 | man>>13
		rest := man & 0x1fff
		if rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
			h++ // may carry into the exponent, up to Inf: still right
		}
		return sign | uint16(h)
	}
	if e < -25 {
		return sign // below half the smallest subnormal: rounds to 0
	}
	// A float16 subnormal: the significand with its implicit 1, shifted so
	// that its unit is 2^−24.
	m := man | 0x800000
	shift := uint(-e - 14 + 13) // 14..24+
	h := m >> shift
	rest := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || rest == half && h&1 == 1 {
		h++
	}
	return sign | uint16(h)
}

// F16ToFloat32 returns the value of the float16 bits h (exactly).
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(man) * (1.0 / (1 << 24)) // exact: 10 bits times a power of two
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// BF16 returns the bfloat16 nearest x (ties to even), as its bits: the
// upper half of x's bits, rounded.
func BF16(x float32) uint16 {
	b := math.Float32bits(x)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet and of its sign
		return uint16(b>>16) | 0x0040
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BF16ToFloat32 returns the value of the bfloat16 bits h (exactly).
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// RoundF16 returns x rounded to the nearest float16, as a float32.
func RoundF16(x float32) float32 { return F16ToFloat32(F16(x)) }

// RoundBF16 returns x rounded to the nearest bfloat16, as a float32.
func RoundBF16(x float32) float32 { return BF16ToFloat32(BF16(x)) }

// Int32 converts x to int32 as the backends do: toward zero, saturating at
// the int32 range, NaN giving 0 (a conversion Go and GLSL leave undefined
// outside the range).
func Int32(x float64) int32 {
	switch {
	case x != x:
		return 0
	case x >= 2147483647:
		return math.MaxInt32
	case x <= -2147483648:
		return math.MinInt32
	}
	return int32(x)
}

// odd32 rounds x to float32 toward zero and sets the last significand bit
// when that was inexact ("round to odd"): rounding the result once more,
// to a format at least two bits narrower, gives what rounding x itself
// would, so a float64 (an exact int32, a Fill value) reaches float16 and
// bfloat16 with one rounding's error.
func odd32(x float64) float32 {
	f := float32(x)
	if math.IsInf(float64(f), 0) || x != x || float64(f) == x {
		return f
	}
	if math.Abs(float64(f)) > math.Abs(x) {
		f = math.Nextafter32(f, 0)
	}
	return math.Float32frombits(math.Float32bits(f) | 1)
}

// F16From64 returns the float16 nearest x (ties to even), as its bits.
func F16From64(x float64) uint16 { return F16(odd32(x)) }

// BF16From64 returns the bfloat16 nearest x (ties to even), as its bits.
func BF16From64(x float64) uint16 { return BF16(odd32(x)) }
