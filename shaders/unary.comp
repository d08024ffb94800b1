#version 450
#extension GL_GOOGLE_include_directive : require
// unary.comp: dst = op(src) for backend.UnaryOp values (OP spec constant);
// OP 255 is a plain copy (backend Copy), converting from STYPE to DTYPE.
// alpha/beta are the op's scalars; for int32 operands they hold int32
// bits. Other ops have STYPE == DTYPE. Float ops on 16-bit operands
// compute in float32 and round once on the store; int32 ops wrap.
//gen:variant unary16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"
#include "vkmath.glsl"
#include "trig.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer D4 { vec4 d4[]; };
layout(binding = 0) writeonly buffer DI { int di[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 1) readonly buffer S4 { vec4 s4[]; };
layout(binding = 1) readonly buffer SI { int si[]; };
#ifdef D16
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer SH { uint16_t sh[]; };
layout(binding = 0) writeonly buffer DW { uint dw[]; };
layout(binding = 1) readonly buffer SW { uint sw[]; };
#endif

// affine is x*a + b rounded (almost always) once, like the float64
// reference. A pure add (a == 1: AddScalar, SubScalar) and a pure multiply
// (b == -0: MulScalar) are single float32 operations, which round as the
// reference does and keep the sign of zero (x*1 + 0 would turn -0 into
// +0). Otherwise the product is split exactly (Dekker; fma is not
// reliably fused on every driver) and the parts are added with an exact
// two-sum.
float affine(float x, float a, float b) {
    if (a == 1.0) {
        precise float r = x + b;
        return r;
    }
    if (floatBitsToUint(b) == 0x80000000u) {
        precise float r = x * a;
        return r;
    }
    precise float cx = 4097.0 * x;
    precise float xh = cx - (cx - x);
    precise float xl = x - xh;
    precise float ca = 4097.0 * a;
    precise float ah = ca - (ca - a);
    precise float al = a - ah;
    precise float p = x * a;
    precise float e = ((xh * ah - p) + xh * al + xl * ah) + xl * al;
    precise float s = p + b;
    precise float bb = s - p;
    precise float t = (p - (s - bb)) + (b - bb);
    precise float c = t + e;
    precise float r = s + c;
    if (isinf(p) || isnan(r)) return p + b;
    return c == 0.0 ? s : r; // s + 0 would lose the sign of a zero s
}

// vrounding is floor (MODE 0), ceil (1), roundEven (2) or trunc (3),
// exact as the float64 reference whatever the driver does at the edges:
// |x| >= 2^23 (already an integer), ±Inf and NaN come back as x, and
// |x| < 1 is decided from the bits alone, so that zeros keep their sign
// (ceil(-0.5) = -0) and subnormals are not flushed (floor(-1e-40) = -1).
float vrounding(float x, int mode) {
    uint b = floatBitsToUint(x);
    uint sgn = b & 0x80000000u, mag = b & 0x7fffffffu;
    if (mag >= 0x4b000000u) return x;
    if (mag >= 0x3f800000u) {
        switch (mode) {
        case 0: return floor(x);
        case 1: return ceil(x);
        case 2: return roundEven(x);
        }
        return trunc(x);
    }
    float zero = uintBitsToFloat(sgn), one = uintBitsToFloat(sgn | 0x3f800000u);
    switch (mode) {
    case 0: return (sgn != 0u && mag != 0u) ? one : zero;
    case 1: return (sgn == 0u && mag != 0u) ? one : zero;
    case 2: return mag > 0x3f000000u ? one : zero; // |x| > 1/2
    }
    return zero;
}

float f(float x) {
    const float a = pc.alpha;
    switch (OP) {
    case 0: return -x;
    case 1: return abs(x);
    case 2: return vexp(x);
    case 3: return vlog(x);
    case 4: return vsqrt(x);
    case 5: return 1.0 / vsqrt(x);
    case 6: return vtanh(x);
    case 7: return vsigmoid(x);
    case 8: return (x > 0.0 || isnan(x)) ? x : 0.0;
    case 9: return vgelu(x);
    case 10: return affine(x, a, pc.beta);
    case 11: return a - x;
    case 12: return a / x;
    case 13: return vpow(x, a);
    case 14: return nanmax(x, a);
    case 15: return nanmin(x, a);
    case 16: return x == a ? 1.0 : 0.0;
    case 17: return x == a ? 0.0 : 1.0;
    case 18: return x < a ? 1.0 : 0.0;
    case 19: return x <= a ? 1.0 : 0.0;
    case 20: return x > a ? 1.0 : 0.0;
    case 21: return x >= a ? 1.0 : 0.0;
    case 22: return x * x;
    case 23: return 1.0 / x;
    case 24: return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x);
    case 25: return vrounding(x, 0);
    case 26: return vrounding(x, 1);
    case 27: return vrounding(x, 2);
    case 28: return vrounding(x, 3);
    case 29: return vsincos(x, false);
    case 30: return vsincos(x, true);
    case 31: return verf(x);
    }
    return x; // 255: copy
}

// fi is f on int32 operands (the ops marked "int" in package backend).
int fi(int x) {
    const int a = floatBitsToInt(pc.alpha);
    switch (OP) {
    case 0: return -x;
    case 1: return x < 0 ? -x : x;
    case 8: return max(x, 0);
    case 10: return x * a + floatBitsToInt(pc.beta);
    case 11: return a - x;
    case 14: return max(x, a);
    case 15: return min(x, a);
    case 16: return x == a ? 1 : 0;
    case 17: return x == a ? 0 : 1;
    case 18: return x < a ? 1 : 0;
    case 19: return x <= a ? 1 : 0;
    case 20: return x > a ? 1 : 0;
    case 21: return x >= a ? 1 : 0;
    case 22: return x * x;
    case 24: return x > 0 ? 1 : (x < 0 ? -1 : 0);
    }
    return x; // 255: copy
}

// ldS is the float value of source element e (a float STYPE, or an int32
// converted: correctly rounded to float32).
float ldS(uint e) {
#ifdef D16
    if (STYPE == DT_F16 || STYPE == DT_BF16) return widen(uint(sh[e]), STYPE);
#endif
    if (STYPE == DT_I32) return float(si[e]);
    return s[e];
}

// stD stores v as destination element e, rounded to DTYPE.
void stD(uint e, float v) {
#ifdef D16
    if (DTYPE == DT_F16 || DTYPE == DT_BF16) {
        dh[e] = uint16_t(narrow(v, DTYPE));
        return;
    }
#endif
    if (DTYPE == DT_I32) {
        di[e] = toInt32(v);
        return;
    }
    d[e] = v;
}

// apply computes destination element de from source element se in any
// pair of types (LAYOUT 0 and 1).
void apply(uint de, uint se) {
    if (DTYPE == DT_I32 && STYPE == DT_I32) {
        di[de] = fi(si[se]);
        return;
    }
#ifdef D16
    if (OP == 255u && DTYPE == STYPE && DTYPE != DT_F32) { // a 16-bit copy keeps every bit
        dh[de] = sh[se];
        return;
    }
    if (OP == 255u && STYPE == DT_I32 && DTYPE != DT_F32) { // int32 to 16 bits, rounded once
        dh[de] = uint16_t(narrow(odd32(si[se]), DTYPE));
        return;
    }
#endif
    stD(de, f(ldS(se)));
}

#ifdef D16
// pairs handles LAYOUT 2 of 16-bit operands (DTYPE and STYPE both 16-bit):
// as LAYOUT 1, with dense offsets even, two elements per invocation
// through 32-bit words; an odd last element goes alone.
void pairs() {
    uint i = invocationIndex(), n2 = pc.n / 2u;
    if (i < n2) {
        uint w;
        if (OP == 255u && STYPE == DTYPE) { // a copy keeps every bit
            w = pc.st1.w == 0u ? uint(sh[pc.off.y]) * 0x10001u : sw[pc.off.y / 2u + i];
        } else {
            vec2 x;
            if (pc.st1.w == 0u) {
                x = vec2(widen(uint(sh[pc.off.y]), STYPE));
            } else {
                uint u = sw[pc.off.y / 2u + i];
                x = vec2(widen(u & 0xffffu, STYPE), widen(u >> 16, STYPE));
            }
            w = narrow(f(x.x), DTYPE) | (narrow(f(x.y), DTYPE) << 16);
        }
        dw[pc.off.x / 2u + i] = w;
    } else if (i == n2 && (pc.n & 1u) == 1u) {
        uint e = pc.n - 1u;
        apply(pc.off.x + e, pc.off.y + e * pc.st1.w);
    }
}
#endif

shared float tile[32][33];

// transpose handles LAYOUT 4: one 32×32 tile of one y slice per workgroup;
// src is read along z, dst written along w.
void transpose() {
    uint tw = (pc.shape.w + 31u) / 32u, tz = (pc.shape.z + 31u) / 32u;
    uint g = groupIndex();
    uint y = g / (tw * tz);
    if (y >= pc.shape.y) return; // uniform across the workgroup
    g -= y * tw * tz;
    uint z0 = (g / tw) * 32u, w0 = (g % tw) * 32u;
    uint t = gl_LocalInvocationID.x;
    uint lx = t % 32u, ly = t / 32u;
    const uint ROWS = gl_WorkGroupSize.x / 32u;
    uint so = pc.off.y + y * pc.st1.y, dof = pc.off.x + y * pc.st0.y;
    for (uint j = ly; j < 32u; j += ROWS) {
        uint z = z0 + lx, w = w0 + j;
        if (z < pc.shape.z && w < pc.shape.w) tile[j][lx] = s[so + z * pc.st1.z + w * pc.st1.w];
    }
    barrier();
    for (uint j = ly; j < 32u; j += ROWS) {
        uint z = z0 + j, w = w0 + lx;
        if (z < pc.shape.z && w < pc.shape.w) d[dof + z * pc.st0.z + w * pc.st0.w] = f(tile[lx][j]);
    }
}

void main() {
#ifdef D16
    if (LAYOUT == 2u && DTYPE != DT_F32 && DTYPE != DT_I32) {
        pairs();
        return;
    }
#endif
    if (LAYOUT == 4u) {
        transpose();
        return;
    }
    uint i = invocationIndex();
    if (LAYOUT == 0) {
        if (i >= pc.n) return;
        uvec4 c = coords(i);
        apply(at(c, pc.st0, pc.off.x), at(c, pc.st1, pc.off.y));
    } else if (LAYOUT == 1) {
        if (i >= pc.n) return;
        apply(pc.off.x + i, pc.off.y + i * pc.st1.w);
    } else {
        uint n4 = pc.n / 4u;
        uint base = groupIndex() * gl_WorkGroupSize.x * UNROLL + gl_LocalInvocationID.x;
        vec4 xs[UNROLL];
        for (uint j = 0u; j < UNROLL; j++) {
            uint e4 = base + j * gl_WorkGroupSize.x;
            if (e4 < n4) xs[j] = pc.st1.w == 0u ? vec4(s[pc.off.y]) : s4[pc.off.y / 4u + e4];
        }
        for (uint j = 0u; j < UNROLL; j++) {
            uint e4 = base + j * gl_WorkGroupSize.x;
            vec4 x = xs[j];
            if (e4 < n4) d4[pc.off.x / 4u + e4] = vec4(f(x.x), f(x.y), f(x.z), f(x.w));
            if (e4 == n4) { // the scalar tail
                for (uint e = n4 * 4u; e < pc.n; e++) d[pc.off.x + e] = f(s[pc.off.y + e * pc.st1.w]);
            }
        }
    }
}
