// dtype.glsl: element types (backend.DType codes: 0 float32, 1 float16,
// 2 bfloat16, 3 int32) and the conversions of the backend contract, bit
// for bit as tensor/internal/half computes them: to a narrower float,
// round to nearest, ties to even, NaN kept quiet and of its sign, beyond
// the float16 range ±Inf; to int32 toward zero, saturating, NaN giving 0.
// Everything works on the bits in 32-bit integer arithmetic, so no float16
// arithmetic (shaderFloat16) and no driver rounding mode is involved.
//
// 16-bit elements are read and written as uint16_t (storageBuffer16BitAccess,
// GL_EXT_shader_16bit_storage): only the builds compiled with -DD16 (the
// "16" variants of the strided kernels) declare them, so the plain builds
// need no 16-bit capability.

#ifdef D16
#extension GL_EXT_shader_16bit_storage : require
#endif

const uint DT_F32 = 0u, DT_F16 = 1u, DT_BF16 = 2u, DT_I32 = 3u;

// f16Bits is half.F16: the float16 nearest x, as its bits.
uint f16Bits(float x) {
    uint b = floatBitsToUint(x);
    uint sign = (b >> 16) & 0x8000u;
    uint ex = (b >> 23) & 0xffu;
    uint man = b & 0x7fffffu;
    if (ex == 0xffu) return man != 0u ? (sign | 0x7e00u | (man >> 13)) : (sign | 0x7c00u);
    if (ex == 0u) return sign; // zeros and float32 subnormals (far below 2^-24)
    int e = int(ex) - 127;
    if (e >= -14) {
        if (e > 15) return sign | 0x7c00u;
        uint h = (uint(e + 15) << 10) | (man >> 13);
        uint rest = man & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)) h++; // may carry up to Inf: still right
        return sign | h;
    }
    if (e < -25) return sign;
    uint m = man | 0x800000u;
    uint sh = uint(-e - 14 + 13); // 14..24
    uint h = m >> sh;
    uint rest = m & ((1u << sh) - 1u);
    uint hf = 1u << (sh - 1u);
    if (rest > hf || (rest == hf && (h & 1u) == 1u)) h++;
    return sign | h;
}

// f16Value is half.F16ToFloat32 (exact).
float f16Value(uint h) {
    uint sign = (h & 0x8000u) << 16;
    uint ex = (h >> 10) & 0x1fu;
    uint man = h & 0x3ffu;
    if (ex == 0x1fu) return uintBitsToFloat(sign | 0x7f800000u | (man << 13));
    if (ex == 0u) {
        if (man == 0u) return uintBitsToFloat(sign);
        // a subnormal: normalize the significand into a float32's bits
        int msb = findMSB(man); // 0..9
        uint m = (man << uint(23 - msb)) & 0x7fffffu;
        return uintBitsToFloat(sign | (uint(msb - 24 + 127) << 23) | m);
    }
    return uintBitsToFloat(sign | ((ex + 112u) << 23) | (man << 13));
}

// bf16Bits is half.BF16: the upper half of x's bits, rounded.
uint bf16Bits(float x) {
    uint b = floatBitsToUint(x);
    if ((b & 0x7fffffffu) > 0x7f800000u) return (b >> 16) | 0x0040u;
    b += 0x7fffu + ((b >> 16) & 1u);
    return b >> 16;
}

float bf16Value(uint h) { return uintBitsToFloat(h << 16); }

// narrow returns the bits of x in the 16-bit dtype dt.
uint narrow(float x, uint dt) { return dt == DT_BF16 ? bf16Bits(x) : f16Bits(x); }

// widen returns the value of the bits h of the 16-bit dtype dt.
float widen(uint h, uint dt) { return dt == DT_BF16 ? bf16Value(h) : f16Value(h); }

// toInt32 is half.Int32 on a float32.
int toInt32(float x) {
    if (isnan(x)) return 0;
    if (x >= 2147483647.0) return 2147483647;
    if (x <= -2147483648.0) return int(0x80000000u);
    return int(x); // toward zero, exact within the range
}

// odd32 is the int i rounded to float32 toward zero, with the last
// significand bit set when that was inexact (round to odd), so that one
// more rounding to a 16-bit float gives the 16-bit float nearest i (as
// half.F16From64 and BF16From64 do).
float odd32(int i) {
    uint sign = i < 0 ? 0x80000000u : 0u;
    uint m = i < 0 ? uint(-i) : uint(i); // -2^31 gives 2^31, as wanted
    if (m == 0u) return 0.0;
    int msb = findMSB(m); // 0..31
    uint man, ex = uint(msb + 127);
    if (msb <= 23) {
        man = m << uint(23 - msb);
    } else {
        uint sh = uint(msb - 23);
        man = m >> sh;
        if ((m & ((1u << sh) - 1u)) != 0u) man |= 1u;
    }
    return uintBitsToFloat(sign | (ex << 23) | (man & 0x7fffffu));
}
