// exact64.glsl: exact float64 arithmetic in 32-bit integers, for kernels
// that must round like the CPU's float64 on every device (shaderFloat64
// is optional, and fma need not be fused). A finite magnitude is m * 2^e
// with m a 64-bit integer held in a uvec2 (x low word, y high word).

uint bitlen(uvec2 m) { return m.y != 0u ? uint(findMSB(m.y)) + 33u : uint(findMSB(m.x) + 1); }

// shl and shr shift by n in [0, 63].
uvec2 shl(uvec2 m, uint n) {
    if (n == 0u) return m;
    if (n >= 32u) return uvec2(0u, m.x << (n - 32u));
    return uvec2(m.x << n, (m.y << n) | (m.x >> (32u - n)));
}

uvec2 shr(uvec2 m, uint n) {
    if (n == 0u) return m;
    if (n >= 32u) return uvec2(m.y >> (n - 32u), 0u);
    return uvec2((m.x >> n) | (m.y << (32u - n)), m.y >> n);
}

// shrJam shifts right by any n, folding the bits shifted out into bit 0
// (a sticky bit, enough for rounding later at bit 2 or above).
uvec2 shrJam(uvec2 m, uint n) {
    if (n == 0u) return m;
    if (n >= 64u) return uvec2((m.x | m.y) != 0u ? 1u : 0u, 0u);
    uvec2 q = shr(m, n);
    if (shl(q, n) != m) q.x |= 1u;
    return q;
}

uvec2 add64(uvec2 a, uvec2 b) {
    uint c;
    uint lo = uaddCarry(a.x, b.x, c);
    return uvec2(lo, a.y + b.y + c);
}

uvec2 sub64(uvec2 a, uvec2 b) {
    uint br;
    uint lo = usubBorrow(a.x, b.x, br);
    return uvec2(lo, a.y - b.y - br);
}

bool lt64(uvec2 a, uvec2 b) { return a.y < b.y || (a.y == b.y && a.x < b.x); }

// roundTo rounds m * 2^e (m != 0) to nearest, ties to even, keeping nbits
// significant bits and no bit below 2^emin. The result is normalized:
// nbits bits, or fewer with e == emin (subnormal), or 0.
void roundTo(inout uvec2 m, inout int e, uint nbits, int emin) {
    int target = max(e + int(bitlen(m)) - int(nbits), emin);
    int sh = target - e;
    if (sh <= 0) { // exact
        m = shl(m, uint(-sh));
        e = target;
        return;
    }
    e = target;
    if (sh > 64) { // below half the last place
        m = uvec2(0u);
        return;
    }
    uvec2 q = uvec2(0u);
    bool up;
    if (sh == 64) {
        up = m.y > 0x80000000u || (m.y == 0x80000000u && m.x != 0u);
    } else {
        q = shr(m, uint(sh));
        uvec2 rem = sub64(m, shl(q, uint(sh)));
        uvec2 hf = shl(uvec2(1u, 0u), uint(sh - 1));
        up = lt64(hf, rem) || (rem == hf && (q.x & 1u) != 0u);
    }
    if (up) q = add64(q, uvec2(1u, 0u));
    if (bitlen(q) > nbits) { // rounded up to 2^nbits
        q = shr(q, 1u);
        e++;
    }
    m = q;
}

// F64 is a decoded float64: cls 0 finite, 1 infinite, 2 NaN; a finite
// value is (-1)^neg * m * 2^e.
struct F64 {
    uint cls;
    bool neg;
    uvec2 m;
    int e;
};

F64 decode64(uint lo, uint hi) {
    F64 r;
    r.neg = (hi >> 31) != 0u;
    uint ex = (hi >> 20) & 0x7ffu;
    r.m = uvec2(lo, hi & 0xfffffu);
    r.e = int(max(ex, 1u)) - 1075;
    r.cls = 0u;
    if (ex == 0x7ffu) {
        r.cls = (r.m.x | r.m.y) != 0u ? 2u : 1u;
    } else if (ex != 0u) {
        r.m.y |= 0x100000u;
    }
    return r;
}

bool isZero64(F64 a) { return a.cls == 0u && (a.m.x | a.m.y) == 0u; }

// round64 rounds a finite a (any 64-bit m) to float64, overflowing to
// infinity.
F64 round64(F64 a) {
    if ((a.m.x | a.m.y) == 0u) return a;
    roundTo(a.m, a.e, 53u, -1074);
    if (a.e + int(bitlen(a.m)) > 1024) a.cls = 1u;
    return a;
}

// mulIdx returns i * a rounded to float64, i a non-negative integer.
F64 mulIdx(uint i, F64 a) {
    if (a.cls == 1u && i == 0u) a.cls = 2u; // 0 * inf
    if (a.cls != 0u) return a;
    uint h1, l1, h2, l2;
    umulExtended(i, a.m.x, h1, l1);
    umulExtended(i, a.m.y, h2, l2);
    uint c;
    uint w1 = uaddCarry(h1, l2, c);
    uint w2 = h2 + c; // i * m = (w2, w1, l1), under 2^85
    if (w2 == 0u) {
        a.m = uvec2(l1, w1);
    } else { // shift the 96-bit product right by s so it fits 64 bits
        uint s = uint(findMSB(w2)) + 1u;
        uint jam = (l1 << (32u - s)) != 0u ? 1u : 0u;
        a.m = uvec2((l1 >> s) | (w1 << (32u - s)) | jam, (w1 >> s) | (w2 << (32u - s)));
        a.e += int(s);
    }
    return round64(a);
}

// add64f returns a + b rounded to float64.
F64 add64f(F64 a, F64 b) {
    if (a.cls == 2u || b.cls == 2u || (a.cls == 1u && b.cls == 1u && a.neg != b.neg)) {
        a.cls = 2u;
        return a;
    }
    if (a.cls == 1u) return a;
    if (b.cls == 1u) return b;
    bool az = isZero64(a), bz = isZero64(b);
    if (az && bz) {
        a.neg = a.neg && b.neg; // -0 + -0 = -0, else +0
        return a;
    }
    if (az) return b;
    if (bz) return a;
    // top bit at 62: 10 bits below a 53-bit significand guard the rounding
    uint la = 63u - bitlen(a.m), lb = 63u - bitlen(b.m);
    a.m = shl(a.m, la);
    a.e -= int(la);
    b.m = shl(b.m, lb);
    b.e -= int(lb);
    if (b.e > a.e || (b.e == a.e && lt64(a.m, b.m))) {
        F64 t = a;
        a = b;
        b = t;
    }
    b.m = shrJam(b.m, uint(a.e - b.e));
    if (a.neg == b.neg) {
        a.m = add64(a.m, b.m);
    } else {
        a.m = sub64(a.m, b.m);
        if ((a.m.x | a.m.y) == 0u) a.neg = false; // exact cancellation is +0
    }
    return round64(a);
}

// toFloat32 rounds a float64 to float32 (to nearest, ties to even, with
// subnormals), building the bits so that no float arithmetic is involved.
float toFloat32(F64 a) {
    uint sign = a.neg ? 0x80000000u : 0u;
    if (a.cls == 2u) return uintBitsToFloat(0x7fc00000u);
    if (a.cls == 1u) return uintBitsToFloat(sign | 0x7f800000u);
    if ((a.m.x | a.m.y) == 0u) return uintBitsToFloat(sign);
    roundTo(a.m, a.e, 24u, -149);
    uint bl = bitlen(a.m);
    if (bl == 0u) return uintBitsToFloat(sign);
    if (a.e + int(bl) > 128) return uintBitsToFloat(sign | 0x7f800000u);
    if (bl < 24u) return uintBitsToFloat(sign | a.m.x); // subnormal
    return uintBitsToFloat(sign | (uint(a.e + 150) << 23) | (a.m.x & 0x7fffffu));
}
