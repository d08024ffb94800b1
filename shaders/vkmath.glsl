// vkmath.glsl: float32 math with accuracy independent of the driver.
//
// Vulkan only promises 3+2|x| ulp for exp, absolute 2^-21 for log near 1
// and 2^-11 for cos, and GLSL has no erf, so every transcendental the
// kernels need is built here from +, *, fma, ldexp and frexp, which are
// exact or correctly rounded everywhere. Targets: exp/log/tanh/sigmoid
// within a few ulp, erf within 1e-7 absolute, Gelu within 1e-6 relative.

const float LN2_HI = 0.693145751953125;     // 15 significant bits: n*LN2_HI is exact
const float LN2_LO = 1.428606765330187e-06; // ln2 - LN2_HI
const float LOG2E = 1.4426950408889634;

// vexp is e^x with about 1 ulp error: Cody-Waite reduction to
// |r| <= ln2/2, Taylor polynomial of degree 7 (truncation < 0.05 ulp).
float vexp(float x) {
    if (isnan(x)) return x;
    if (x > 88.72284) return uintBitsToFloat(0x7f800000u);
    if (x < -103.97208) return 0.0;
    float n = round(x * LOG2E);
    precise float r = (x - n * LN2_HI) - n * LN2_LO;
    float p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // two steps so that 2^n never overflows or underflows on its own
    int k = int(n);
    int h = k / 2;
    return ldexp(ldexp(p, h), k - h);
}

// vlog is the natural logarithm with about 1 ulp error (fdlibm's
// reduction: x = 2^e * m, m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s)).
float vlog(float x) {
    if (isnan(x) || x < 0.0) return uintBitsToFloat(0x7fc00000u);
    if (x == 0.0) return uintBitsToFloat(0xff800000u);
    if (isinf(x)) return x;
    int e;
    float m = frexp(x, e);
    if (m < 0.70710678) {
        m *= 2.0;
        e -= 1;
    }
    precise float f = m - 1.0;
    precise float s = f / (2.0 + f);
    precise float z = s * s;
    precise float R = z * (2.0 / 3.0 + z * (2.0 / 5.0 + z * (2.0 / 7.0 + z * (2.0 / 9.0))));
    precise float hfsq = 0.5 * f * f;
    float fe = float(e);
    precise float res = fe * LN2_HI - ((hfsq - (s * (hfsq + R) + fe * LN2_LO)) - f);
    return res;
}

// vsqrt refines the driver's sqrt (specified only to ~3 ulp) with one
// Newton step computed with fma, which makes it (nearly) correctly rounded.
float vsqrt(float x) {
    float y = sqrt(x);
    if (!(x > 0.0) || isinf(x)) return y;
    precise float r = fma(-y, y, x);
    return y + r * (0.5 / y);
}

// vtanh: odd Taylor polynomial for |x| < 0.55 (truncation < 5e-8
// relative), 1 - 2/(e^{2|x|}+1) above, where there is no cancellation.
float vtanh(float x) {
    float a = abs(x);
    if (isnan(x)) return x;
    float r;
    if (a < 0.55) {
        float z = x * x;
        float p = 6404582.0 / 10854718875.0;
        p = p * z - 929569.0 / 638512875.0;
        p = p * z + 21844.0 / 6081075.0;
        p = p * z - 1382.0 / 155925.0;
        p = p * z + 62.0 / 2835.0;
        p = p * z - 17.0 / 315.0;
        p = p * z + 2.0 / 15.0;
        p = p * z - 1.0 / 3.0;
        return x + x * (z * p);
    } else if (a > 9.1) {
        r = 1.0;
    } else {
        r = 1.0 - 2.0 / (vexp(2.0 * a) + 1.0);
    }
    return x < 0.0 ? -r : r;
}

float vsigmoid(float x) { return 1.0 / (1.0 + vexp(-x)); }

// erfcTail returns erfc(|x|/sqrt2) for |x| >= sqrt2, that is the upper
// normal tail 2*Q(|x|), as e^{-x^2/2} * u * R(u) with u = sqrt2/|x|.
// R(u) = erfc(1/u) e^{1/u^2} / u is smooth on [0, 1]; the coefficients are a
// degree-12 Chebyshev fit in s = 2u - 1 (max relative error 8e-8 in float32),
// computed for vktensor with Go's math.Erfc. The exponent is formed from x
// itself (x^2 split exactly with fma) so that rounding x/sqrt2 does not cost
// relative accuracy far in the tail.
float erfcTail(float ax) {
    float u = 1.4142135623730951 / ax;
    float s = 2.0 * u - 1.0;
    float p = -2.7818532181811406e-05;
    p = p * s + 9.817340944362485e-05;
    p = p * s - 7.19075729254115e-05;
    p = p * s - 0.00017763107471391315;
    p = p * s + 0.0005344945669369938;
    p = p * s - 0.0008190411421599708;
    p = p * s + 0.00061224489860634;
    p = p * s + 0.001331239814736082;
    p = p * s - 0.00679321776062497;
    p = p * s + 0.014869738438367756;
    p = p * s - 0.009158574054704455;
    p = p * s - 0.08360547892338545;
    p = p * s + 0.5107913552750327;
    precise float hi = ax * ax;
    precise float lo = fma(ax, ax, -hi);
    float e = vexp(-0.5 * hi) * (1.0 - 0.5 * lo);
    return e * u * p;
}

// erfSmall is erf(z) for |z| < 1 by its Taylor series (12 terms, truncation
// < 1e-10), written as z + z*(...) so the leading term is exact.
float erfSmall(float z) {
    float t = z * z;
    float p = -1.229055524e-09;
    p = p * t + 1.480719281e-08;
    p = p * t - 1.636584415e-07;
    p = p * t + 1.646211444e-06;
    p = p * t - 1.492565025e-05;
    p = p * t + 1.205533263e-04;
    p = p * t - 8.548327023e-04;
    p = p * t + 5.223977845e-03;
    p = p * t - 2.686617151e-02;
    p = p * t + 1.128379181e-01;
    p = p * t - 3.761263788e-01;
    p = p * t + 0.12837916709551257; // 2/sqrt(pi) - 1
    return z + z * p;
}

// verf is erf with absolute error below 1e-7.
float verf(float z) {
    float a = abs(z);
    if (isnan(z)) return z;
    if (a < 1.0) return erfSmall(z);
    float r = a > 4.0 ? 1.0 : 1.0 - erfcTail(a * 1.4142135623730951);
    return z < 0.0 ? -r : r;
}

// vgelu is the exact Gelu x*Phi(x) = x/2 * erfc(-x/sqrt2); the tails use
// erfcTail directly so that large negative x keeps relative accuracy.
float vgelu(float x) {
    if (isnan(x)) return x;
    float phi;
    if (x < -1.4142135623730951) {
        phi = 0.5 * erfcTail(-x);
    } else if (x <= 1.4142135623730951) {
        phi = 0.5 + 0.5 * erfSmall(x * 0.7071067811865476);
    } else {
        phi = x > 11.0 ? 1.0 : 1.0 - 0.5 * erfcTail(x);
    }
    return x * phi;
}

bool isOddInt(float y) {
    return floor(y) == y && abs(y) < 16777216.0 && (int(y) & 1) != 0;
}

// vpow follows Go's math.Pow for every special case. The finite case is
// exp(y*log|x|); its relative error grows with |y*log|x|| (about that many
// float32 ulps), which the parity tests allow for.
float vpow(float x, float y) {
    const float INF = uintBitsToFloat(0x7f800000u);
    if (y == 0.0 || x == 1.0) return 1.0;
    if (y == 1.0) return x;
    if (isnan(x) || isnan(y)) return uintBitsToFloat(0x7fc00000u);
    if (x == 0.0) {
        if (y < 0.0) return (isOddInt(y) && (floatBitsToUint(x) >> 31) != 0u) ? -INF : INF;
        return isOddInt(y) ? x : 0.0;
    }
    if (isinf(y)) {
        if (x == -1.0) return 1.0;
        return ((abs(x) < 1.0) == (y > 0.0)) ? 0.0 : INF;
    }
    if (isinf(x)) {
        if (x < 0.0) {
            float r = y < 0.0 ? 0.0 : INF;
            return isOddInt(y) ? -r : r;
        }
        return y < 0.0 ? 0.0 : INF;
    }
    bool neg = false;
    if (x < 0.0) {
        if (floor(y) != y) return uintBitsToFloat(0x7fc00000u);
        neg = isOddInt(y);
    }
    float r = vexp(y * vlog(abs(x)));
    return neg ? -r : r;
}

// NaN-propagating maximum and minimum (NumPy maximum/minimum).
float nanmax(float a, float b) { return (isnan(a) || a > b) ? a : b; }
float nanmin(float a, float b) { return (isnan(a) || a < b) ? a : b; }
