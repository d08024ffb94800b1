// trig.glsl: sine and cosine in float32 for unary.comp (apart from
// vkmath.glsl so that the kernels including that one stay as they are).
//
// |x| is reduced to r = |x| - n*pi/2, |r| <= pi/4 (a little more where
// x*2/pi rounds up), carried as a float pair rh + rl, and sin or cos of r
// comes from its Taylor polynomial (truncation < 1e-11 relative). Below
// 2^20 (n < 2^20) the reduction is Cody-Waite with pi/2 split into
// PIO2_1..PIO2_3 of 12 significant bits and PIO2_4 (pi/2 to 2^-68): n is
// split into 12-bit halves so that every product is exact, and the terms
// are summed with exact two-sums. From 2^20 up it is Payne-Hanek in
// integers: the 24-bit significand times four 32-bit words of 2/pi taken
// at its exponent gives n mod 4 and 64 bits of the fraction. Both are
// float32-only (no fma, no float64: nothing a driver may do differently)
// and stay within 1 ulp over the whole float32 range: 0.83 ulp at most on
// lavapipe over tensor/vulkan's TestUnaryAccuracy arguments, and 0.90 over
// 5 million random ones in a float32 model of this code. |x| < 2^-12 returns x (sin) and 1
// (cos), which round to those; ±Inf and NaN give NaN.
const float PIO2_1 = 1.57080078;      // 12 bits
const float PIO2_2 = -4.45358455e-06; // 12 bits
const float PIO2_3 = -8.70613803e-10; // 12 bits
const float PIO2_4 = 6.22337197e-14;  // 24 bits
const float PIO2_H = 1.57079637;      // float32(pi/2)
const float PIO2_L = -4.37113883e-08; // pi/2 - PIO2_H

// the bits of 2/pi, 32 to a word, most significant first
const uint TWO_OVER_PI[8] = uint[8](0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u,
                                    0xdb629599u, 0x3c439041u, 0xfe5163abu, 0xdebbc561u);

void twoSumAcc(inout float s, inout float lo, float b) {
    precise float t = s + b;
    precise float bb = t - s;
    precise float e = (s - (t - bb)) + (b - bb);
    s = t;
    lo += e;
}

// reduceSmall reduces 0 <= a < 2^20 and returns n.
int reduceSmall(float a, out float rh, out float rl) {
    int n = int(roundEven(a * 0.636619772));
    float nh = float(n & ~4095), nl = float(n & 4095);
    precise float s = a, lo = 0.0;
    precise float p;
    p = nh * PIO2_1; twoSumAcc(s, lo, -p);
    p = nl * PIO2_1; twoSumAcc(s, lo, -p);
    p = nh * PIO2_2; twoSumAcc(s, lo, -p);
    p = nl * PIO2_2; twoSumAcc(s, lo, -p);
    p = nh * PIO2_3; twoSumAcc(s, lo, -p);
    p = nl * PIO2_3; twoSumAcc(s, lo, -p);
    p = nh * PIO2_4; twoSumAcc(s, lo, -p);
    p = nl * PIO2_4; twoSumAcc(s, lo, -p);
    precise float h = s + lo;
    precise float l = lo - (h - s);
    rh = h;
    rl = l;
    return n;
}

// wordAt returns the 32 bits of the 192-bit P from bit pos up.
uint wordAt(uint P[6], int pos) {
    int w = pos >> 5, b = pos & 31;
    uint v = P[w] >> uint(b);
    if (b > 0) v |= P[w + 1] << uint(32 - b);
    return v;
}

// reducePayneHanek reduces a finite a >= 2^20 and returns n mod 4.
int reducePayneHanek(float a, out float rh, out float rl) {
    uint bits = floatBitsToUint(a);
    uint m = (bits & 0x7fffffu) | 0x800000u;
    int e = int(bits >> 23) - 150; // a = m * 2^e, e >= -3
    int j0 = e >= 34 ? (e - 34) / 32 + 1 : 0; // earlier words add multiples of 4
    int sh = e - 32 * j0;
    uint P[6];
    uint carry = 0u;
    for (int t = 0; t < 4; t++) {
        uint hi, lo, c;
        umulExtended(m, TWO_OVER_PI[j0 + 3 - t], hi, lo);
        P[t] = uaddCarry(lo, carry, c);
        carry = hi + c;
    }
    P[4] = carry;
    P[5] = 0u;
    int q = int(wordAt(P, 128 - sh) & 3u);
    uint fh = wordAt(P, 96 - sh), fl = wordAt(P, 64 - sh);
    bool neg = (fh & 0x80000000u) != 0u;
    if (neg) { // fraction >= 1/2: take fraction - 1 and the next quadrant
        q++;
        uint c;
        fl = uaddCarry(~fl, 1u, c);
        fh = ~fh + c;
    }
    int z = 0;
    if (fh == 0u) {
        fh = fl;
        fl = 0u;
        z = 32;
    }
    int lz = 31 - findMSB(fh);
    if (lz > 0) {
        fh = (fh << uint(lz)) | (fl >> uint(32 - lz));
        fl <<= uint(lz);
    }
    z += lz;
    float hi = ldexp(float(fh >> 8), -24 - z);
    float lo = ldexp(float(((fh & 0xffu) << 24) | (fl >> 8)), -56 - z);
    // r = (hi + lo) * pi/2, the leading product split exactly (Dekker)
    precise float p = hi * PIO2_H;
    precise float ch = 4097.0 * hi;
    precise float hh = ch - (ch - hi);
    precise float hl = hi - hh;
    precise float cp = 4097.0 * PIO2_H;
    precise float ph = cp - (cp - PIO2_H);
    precise float pl = PIO2_H - ph;
    precise float err = ((hh * ph - p) + hh * pl + hl * ph) + hl * pl;
    precise float e2 = err + (hi * PIO2_L + lo * PIO2_H);
    precise float h = p + e2;
    precise float l = e2 - (h - p);
    rh = neg ? -h : h;
    rl = neg ? -l : l;
    return q;
}

float sinPoly(float rh, float rl) {
    precise float z = rh * rh;
    precise float p = -1.0 / 39916800.0;
    p = p * z + 1.0 / 362880.0;
    p = p * z - 1.0 / 5040.0;
    p = p * z + 1.0 / 120.0;
    p = p * z - 1.0 / 6.0;
    precise float r = rh + (rl + rh * z * p);
    return r;
}

float cosPoly(float rh, float rl) {
    precise float z = rh * rh;
    precise float p = 1.0 / 479001600.0;
    p = p * z - 1.0 / 3628800.0;
    p = p * z + 1.0 / 40320.0;
    p = p * z - 1.0 / 720.0;
    p = p * z + 1.0 / 24.0;
    precise float hz = 0.5 * z;
    precise float w = 1.0 - hz;
    precise float r = w + (((1.0 - w) - hz) + (z * z * p - rh * rl));
    return r;
}

// vsincos returns sin(x) (cosine false) or cos(x).
float vsincos(float x, bool cosine) {
    if (isnan(x) || isinf(x)) return uintBitsToFloat(0x7fc00000u);
    float a = abs(x);
    if (a < 1.0 / 4096.0) return cosine ? 1.0 : x;
    float rh, rl;
    int q = a < 1048576.0 ? reduceSmall(a, rh, rl) : reducePayneHanek(a, rh, rl);
    if (cosine) q++; // cos(x) = sin(|x| + pi/2)
    float v = (q & 1) == 0 ? sinPoly(rh, rl) : cosPoly(rh, rl);
    if ((q & 2) != 0) v = -v;
    return (!cosine && x < 0.0) ? -v : v;
}
