package half

import "math"

// The slice conversions give the bits of F16, BF16 and their inverses
// element by element: the backends' converting copies run through them.
// On amd64 they run 8 elements at a time (F16C's conversions for float16,
// which round to nearest even and keep subnormals as Go leaves the MXCSR;
// AVX2 integer arithmetic for bfloat16, as BF16 computes it), elsewhere
// and under -tags purego in the portable loops below.

// F16s sets dst[i] to the float16 bits nearest src[i].
func F16s(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := simdF16s(dst, src)
	f16sGo(dst[n:], src[n:])
}

// F16sToFloat32 sets dst[i] to the value of the float16 bits src[i].
func F16sToFloat32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	n := simdF16sToFloat32(dst, src)
	f16sToFloat32Go(dst[n:], src[n:])
}

// BF16s sets dst[i] to the bfloat16 bits nearest src[i].
func BF16s(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := simdBF16s(dst, src)
	bf16sGo(dst[n:], src[n:])
}

// BF16sToFloat32 sets dst[i] to the value of the bfloat16 bits src[i].
func BF16sToFloat32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	n := simdBF16sToFloat32(dst, src)
	bf16sToFloat32Go(dst[n:], src[n:])
}

// f16Fast is F16 in straight-line integer arithmetic (the subnormal
// range through one float32 addition), for the loops below; TestFast
// checks it against F16.
func f16Fast(x float32) uint16 {
	b := math.Float32bits(x)
	sign := uint16(b>>16) & 0x8000
	b &= 0x7fffffff
	switch {
	case b >= 0x47800000: // |x| ≥ 2^16, Inf or NaN
		if b > 0x7f800000 {
			return sign | 0x7e00 | uint16(b>>13)&0x3ff
		}
		return sign | 0x7c00
	case b < 0x38800000: // below float16's smallest normal, 2^-14
		// Adding 0.5 leaves a sum whose last significand bit is worth
		// 2^-24, float16's subnormal unit: the addition rounds to it (ties
		// to even) and the low bits of the sum count the units.
		f := math.Float32frombits(b) + 0.5
		return sign | uint16(math.Float32bits(f)-0x3f000000)
	}
	// A normal float16 (or 65520 ≤ |x| < 2^16, which rounds up to Inf):
	// rebias the exponent from 127 to 15 and round the 13 dropped bits to
	// nearest, ties to the even result.
	b += 0xc8000fff + (b>>13)&1 // (15−127)<<23 plus half an ulp less one
	return sign | uint16(b>>13)
}

// f16ToFloat32Fast is F16ToFloat32 with the normal case first.
func f16ToFloat32Fast(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	e := h & 0x7c00
	if e != 0 && e != 0x7c00 {
		return math.Float32frombits(sign | (uint32(h&0x7fff)<<13 + 112<<23))
	}
	return F16ToFloat32(h)
}

// f16sGo is F16s in portable Go.
func f16sGo(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = f16Fast(x)
	}
}

// f16sToFloat32Go is F16sToFloat32 in portable Go.
func f16sToFloat32Go(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = f16ToFloat32Fast(h)
	}
}

// bf16sGo is BF16s in portable Go.
func bf16sGo(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		b := math.Float32bits(x)
		if b&0x7fffffff > 0x7f800000 {
			dst[i] = uint16(b>>16) | 0x0040
			continue
		}
		dst[i] = uint16((b + 0x7fff + (b>>16)&1) >> 16)
	}
}

// bf16sToFloat32Go is BF16sToFloat32 in portable Go.
func bf16sToFloat32Go(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}
