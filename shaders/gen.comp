#version 450
#extension GL_GOOGLE_include_directive : require
// gen.comp: writes values that depend only on the element's row-major index
// i = pc.p4 + (iteration index): OP 0 fill (alpha), 1 arange, 2 uniform,
// 3 normal. Only binding 0 (the destination) is used. The host never
// reorders axes for these kernels, so the iteration order is row-major.
//
// arange: float32(start + float64(i)*step) with float64 start = (p0, p1)
// and step = (p2, p3) (their bits, low word first), computed exactly in
// 32-bit integer arithmetic (exact64.glsl), so every driver gives the
// CPU's bits: no float64 support, fused fma or denormal mode is needed.
// random: Philox4x32-10, counter (i, 0, stream lo, stream hi), key (seed lo,
// seed hi) with seed = (p0, p1), stream = (p2, p3); alpha, beta = a, b.
// Other DTYPEs than float32: a fill stores the bits in p0 (converted by
// the host), random values are rounded once on the store; arange is
// float32 only.
//gen:variant gen16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"
#include "vkmath.glsl"
#include "exact64.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer DU { uint du[]; };
#ifdef D16
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
#endif

// arange is start + i*step rounded to float64 at each step and then to
// float32, as the CPU computes it, in integer arithmetic.
float arange(uint i) {
    return toFloat32(add64f(decode64(pc.p0, pc.p1), mulIdx(i, decode64(pc.p2, pc.p3))));
}

uvec4 philox(uvec4 c, uvec2 k) {
    for (int r = 0; r < 10; r++) {
        uint hi0, lo0, hi1, lo1;
        umulExtended(0xD2511F53u, c.x, hi0, lo0);
        umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k += uvec2(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

// cos(2*pi*u) for u in [0, 1): the reduction is exact in turns, then a
// polynomial on [-pi/4, pi/4] (Taylor, truncation < 1e-9).
float cos2pi(float u) {
    float q = round(u * 4.0);     // quadrant 0..4
    float r = u - q * 0.25;       // exact, in [-1/8, 1/8] turns
    float x = r * 6.283185307179586;
    float z = x * x;
    float c = 1.0 + z * (-0.5 + z * (1.0 / 24.0 + z * (-1.0 / 720.0 + z * (1.0 / 40320.0 + z * (-1.0 / 3628800.0)))));
    float s = x + x * z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362880.0))));
    int k = int(q) & 3;
    return k == 0 ? c : (k == 1 ? -s : (k == 2 ? -c : s));
}

float value(uint i) {
    if (OP == 0) return pc.alpha;
    if (OP == 1) return arange(i);
    uvec4 x = philox(uvec4(i, 0u, pc.p2, pc.p3), uvec2(pc.p0, pc.p1));
    if (OP == 2) {
        precise float u = float(x.x >> 8) * (1.0 / 16777216.0);
        precise float r = pc.alpha + u * (pc.beta - pc.alpha);
        return r;
    }
    float u1 = float((x.x >> 8) + 1u) * (1.0 / 16777216.0);
    float u2 = float(x.y >> 8) * (1.0 / 16777216.0);
    float z = vsqrt(-2.0 * vlog(u1)) * cos2pi(u2);
    precise float r = pc.alpha + pc.beta * z;
    return r;
}

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uint o = LAYOUT == 0 ? at(coords(i), pc.st0, pc.off.x) : pc.off.x + i;
    if (DTYPE == DT_F32) {
        d[o] = value(pc.p4 + i);
        return;
    }
    if (DTYPE == DT_I32) {
        du[o] = OP == 0u ? pc.p0 : uint(toInt32(value(pc.p4 + i)));
        return;
    }
#ifdef D16
    dh[o] = uint16_t(OP == 0u ? pc.p0 : narrow(value(pc.p4 + i), DTYPE));
#endif
}
