package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// ConvertError reports an element that Convert cannot convert faithfully,
// or a conversion Convert does not make.
type ConvertError struct {
	From, To DType
	Index    int    // the element's position in row-major order, or -1
	Value    string // the element's value, when Index >= 0
	Reason   string
}

// Error returns "safetensors: converting FROM to TO: element I (V): REASON"
// (without the element part when the whole conversion is refused).
func (e *ConvertError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("safetensors: converting %s to %s: %s", e.From, e.To, e.Reason)
	}
	return fmt.Sprintf("safetensors: converting %s to %s: element %d (%s): %s", e.From, e.To, e.Index, e.Value, e.Reason)
}

// Convert returns t with its elements converted to dtype to, one of F32,
// F16, BF16 and I32 (the element types of package tensor); t itself when
// it has that dtype already. Every source dtype is accepted, by these
// rules, and an element that breaks them fails the whole conversion with
// a *ConvertError naming its index and value, so that no element is ever
// silently wrong:
//
//   - integer (BOOL, U8, I8, I16, U16, I32, U32, I64, U64) to I32: exact;
//     a value outside the int32 range is an error. A BOOL byte other than
//     0 and 1 is an error;
//   - integer to a float: rounded to nearest, ties to even, in one
//     rounding (an I64 beyond 2^24 may change to F32's nearest value);
//   - float (F8_E5M2, F8_E4M3, F16, BF16, F32, F64) to a float: rounded to
//     nearest, ties to even, in one rounding; ±Inf and ±0 are kept, NaN
//     stays NaN of the same sign (quiet, its payload dropped), and a finite
//     value beyond the target's largest finite value is an error rather
//     than an Inf;
//   - float to I32: refused (it would have to round or truncate); convert
//     to a float instead.
//
// F8_E4M3 is the "FN" variant of PyTorch's float8_e4m3fn: no infinities,
// S.1111.111 is NaN.
func (t Tensor) Convert(to DType) (Tensor, error) {
	fail := func(i int, v, reason string) (Tensor, error) {
		return Tensor{}, &ConvertError{From: t.DType, To: to, Index: i, Value: v, Reason: reason}
	}
	switch to {
	case F32, F16, BF16, I32:
	default:
		return fail(-1, "", fmt.Sprintf("the target must be F32, F16, BF16 or I32, not %q", to))
	}
	size := t.DType.Size()
	if size == 0 {
		return fail(-1, "", fmt.Sprintf("unknown dtype %q", t.DType))
	}
	n := t.NumElements()
	if n*size != len(t.Data) {
		return fail(-1, "", fmt.Sprintf("shape %v needs %d data bytes, Data has %d", t.Shape, n*size, len(t.Data)))
	}
	if t.DType == to {
		return t, nil
	}
	isFloat := t.DType.IsFloat()
	if to == I32 && isFloat {
		return fail(-1, "", "a float to integer conversion would round; convert to F32, F16 or BF16")
	}
	out := Tensor{DType: to, Shape: t.Shape, Data: make([]byte, n*to.Size()), Offset: t.Offset}
	for i := range n {
		b := t.Data[i*size : (i+1)*size]
		if isFloat {
			x := decodeFloat(t.DType, b)
			if msg := putFloat(to, out.Data[i*to.Size():], x); msg != "" {
				return fail(i, strconv.FormatFloat(x, 'g', -1, 64), msg)
			}
			continue
		}
		neg, mag, ok := decodeInt(t.DType, b)
		if !ok {
			return fail(i, strconv.Itoa(int(b[0])), "a BOOL element must be 0 or 1")
		}
		val := func() string {
			if neg {
				return "-" + strconv.FormatUint(mag, 10)
			}
			return strconv.FormatUint(mag, 10)
		}
		if to == I32 {
			if !neg && mag > math.MaxInt32 || neg && mag > -math.MinInt32 {
				return fail(i, val(), "outside the int32 range [-2147483648, 2147483647]")
			}
			v := int64(mag)
			if neg {
				v = -v
			}
			binary.LittleEndian.PutUint32(out.Data[4*i:], uint32(int32(v)))
			continue
		}
		x := roundInt(mag, precision(to))
		if neg {
			x = -x
		}
		if msg := putFloat(to, out.Data[i*to.Size():], x); msg != "" {
			return fail(i, val(), msg)
		}
	}
	return out, nil
}

// decodeFloat returns the value of the little-endian float element b of
// dtype d, exactly.
func decodeFloat(d DType, b []byte) float64 {
	switch d {
	case F8E5M2: // the upper byte of an F16
		return float64(halfToFloat32(uint16(b[0]) << 8))
	case F8E4M3:
		sign := 1.0
		if b[0]&0x80 != 0 {
			sign = -1
		}
		exp, mant := int(b[0]>>3)&0xf, int(b[0]&7)
		switch {
		case exp == 0xf && mant == 7:
			return math.Copysign(math.NaN(), sign)
		case exp == 0:
			return sign * math.Ldexp(float64(mant), -9)
		}
		return sign * math.Ldexp(float64(8+mant), exp-7-3)
	case F16:
		return float64(halfToFloat32(binary.LittleEndian.Uint16(b)))
	case BF16:
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16))
	case F32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)) // F64
}

// decodeInt returns the sign and magnitude of the little-endian integer
// element b of dtype d; ok is false for a BOOL byte other than 0 and 1.
func decodeInt(d DType, b []byte) (neg bool, mag uint64, ok bool) {
	signed := func(v int64) (bool, uint64, bool) {
		if v < 0 {
			return true, uint64(-(v + 1)) + 1, true // no overflow at MinInt64
		}
		return false, uint64(v), true
	}
	switch d {
	case BOOL:
		return false, uint64(b[0]), b[0] <= 1
	case U8:
		return false, uint64(b[0]), true
	case I8:
		return signed(int64(int8(b[0])))
	case I16:
		return signed(int64(int16(binary.LittleEndian.Uint16(b))))
	case U16:
		return false, uint64(binary.LittleEndian.Uint16(b)), true
	case I32:
		return signed(int64(int32(binary.LittleEndian.Uint32(b))))
	case U32:
		return false, uint64(binary.LittleEndian.Uint32(b)), true
	case I64:
		return signed(int64(binary.LittleEndian.Uint64(b)))
	}
	return false, binary.LittleEndian.Uint64(b), true // U64
}

// format describes a binary float format: p significand bits (with the
// implicit one), emin the exponent of its smallest normal, max its
// largest finite value.
type format struct {
	p, emin int
	max     float64
}

func precision(d DType) int { return formatOf(d).p }

func formatOf(d DType) format {
	switch d {
	case F16:
		return format{11, -14, 65504}
	case BF16:
		return format{8, -126, float64(math.Float32frombits(0x7f7f0000))}
	}
	return format{24, -126, math.MaxFloat32} // F32
}

// roundInt returns mag rounded to p significant bits, ties to even, as a
// float64 (exact: p <= 24).
func roundInt(mag uint64, p int) float64 {
	n := bits.Len64(mag)
	if n <= p {
		return float64(mag)
	}
	shift := uint(n - p)
	q := mag >> shift
	rem, half := mag&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || rem == half && q&1 == 1 {
		q++ // at most 2^p: still exact
	}
	return math.Ldexp(float64(q), int(shift))
}

// roundFloat returns x rounded to the nearest value of format f, ties to
// even (subnormals included), ignoring f's range.
func roundFloat(x float64, f format) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	_, e := math.Frexp(x) // |x| in [2^(e-1), 2^e)
	exp := max(e-1, f.emin)
	scale := f.p - 1 - exp // x·2^scale has the ulp at 1; exact in float64
	return math.Ldexp(math.RoundToEven(math.Ldexp(x, scale)), -scale)
}

// putFloat writes x, rounded to float dtype d, to b in little-endian
// order, or returns why it cannot.
func putFloat(d DType, b []byte, x float64) string {
	f := formatOf(d)
	r := roundFloat(x, f)
	if math.Abs(r) > f.max && !math.IsInf(x, 0) && !math.IsNaN(x) {
		return fmt.Sprintf("beyond the largest finite %s value %g", d, f.max)
	}
	neg := math.Signbit(x)
	switch d {
	case F32:
		bits32 := math.Float32bits(float32(r)) // exact: r has F32's precision
		if math.IsNaN(x) {
			bits32 = 0x7fc00000
			if neg {
				bits32 |= 1 << 31
			}
		}
		binary.LittleEndian.PutUint32(b, bits32)
	case BF16:
		h := uint16(math.Float32bits(float32(r)) >> 16) // exact: the low half is zero
		if math.IsNaN(x) {
			h = 0x7fc0
			if neg {
				h |= 1 << 15
			}
		}
		binary.LittleEndian.PutUint16(b, h)
	case F16:
		binary.LittleEndian.PutUint16(b, encodeHalf(r, neg))
	}
	return ""
}

// encodeHalf returns the binary16 bits of r, which is ±0, ±Inf, NaN or a
// value of binary16's precision and range.
func encodeHalf(r float64, neg bool) uint16 {
	var sign uint16
	if neg {
		sign = 1 << 15
	}
	a := math.Abs(r)
	switch {
	case math.IsNaN(r):
		return sign | 0x7e00
	case math.IsInf(r, 0):
		return sign | 0x7c00
	case a == 0:
		return sign
	}
	_, e := math.Frexp(a)
	if exp := e - 1; exp >= -14 { // normal
		mant := uint16(math.Ldexp(a, 10-exp)) - 1024
		return sign | uint16(exp+15)<<10 | mant
	}
	return sign | uint16(math.Ldexp(a, 24)) // subnormal: a multiple of 2^-24
}
